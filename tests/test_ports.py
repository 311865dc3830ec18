"""Finding the board: recorded port lists (there is no hardware here), the serial open
boards need, and the CLI's choice of port."""

from __future__ import annotations

import json

import pytest

from belay_tui.cli import main
from belay_tui.settings import NO_BOARD_NOTE, VIRTUAL, PortChoice, choose_port
from engine import Device, DeviceNotFoundError, PortBusyError, PortInfo, pick_board
from engine.transport import SerialTransport
from engine.transport._ports import board_kind, reset_line_levels
from engine.transport._serial import configure_serial

# Port lists as pyserial reports them on machines with boards attached.
UART = PortInfo("/dev/ttyS0")
PICO = PortInfo(
    "/dev/ttyACM0", 0x2E8A, 0x0005, "E6614C311B4F5D21", "Board in FS mode", "MicroPython"
)
ESP32 = PortInfo("/dev/ttyUSB0", 0x10C4, 0xEA60, "0001", "CP2102 USB to UART Bridge Controller")
FEATHER = PortInfo("/dev/ttyACM1", 0x239A, 0x80F4, "DF6250", "Feather RP2040", "Adafruit")
S3_NATIVE = PortInfo("/dev/ttyACM2", 0x303A, 0x4001, "", "Espressif Device", "MicroPython")
PRINTER = PortInfo("/dev/ttyACM3", 0x2C99, 0x0002, "CZPX", "Original Prusa i3 MK3")


@pytest.fixture(autouse=True)
def no_configured_port(monkeypatch, tmp_path):
    """Nothing named anywhere: no BELAY_DEVICE, a project folder without pyproject.toml."""
    monkeypatch.delenv("BELAY_DEVICE", raising=False)
    monkeypatch.chdir(tmp_path)


def attach(monkeypatch, *ports: PortInfo) -> None:
    """The CLI sees ``ports`` as this machine's serial ports."""
    monkeypatch.setattr("belay_tui.settings.list_devices", lambda: list(ports))
    monkeypatch.setattr("belay_tui.commands.devs.list_devices", lambda: list(ports))


@pytest.mark.parametrize(
    ("port", "kind"),
    [
        (PICO, "micropython"),
        (FEATHER, "circuitpython"),
        (S3_NATIVE, "micropython"),  # unknown id, but MicroPython's manufacturer string
        (ESP32, "usb-uart bridge (ESP8266/ESP32 boards)"),
        (PRINTER, ""),
        (UART, ""),
    ],
)
def test_board_kind_from_usb_ids(port, kind):
    assert board_kind(port) == kind


def test_dtr_and_rts_are_released_together_where_the_driver_would_not():
    assert reset_line_levels(ESP32, "nt") == (False, False)  # set before open, in one call
    assert reset_line_levels(ESP32, "posix") is None  # the kernel raises both at once
    assert reset_line_levels(PICO, "nt") is None  # native USB: TinyUSB waits for DTR
    assert reset_line_levels(UART, "nt") is None
    released = configure_serial("COM5", 115200, (False, False))
    assert (released.dtr, released.rts, released.exclusive) == (False, False, True)
    default = configure_serial("/dev/ttyACM0", 115200, None)
    assert (default.dtr, default.rts, default.exclusive) == (True, True, True)


def test_pick_board_takes_the_one_usb_port():
    assert pick_board([UART, PICO]) is PICO
    with pytest.raises(DeviceNotFoundError, match="no board attached.*'virtual'"):
        pick_board([UART])
    with pytest.raises(DeviceNotFoundError) as e:
        pick_board([UART, PICO, ESP32])
    assert str(e.value) == (
        "2 boards attached, pass one as the port: "
        "/dev/ttyACM0 (2e8a:0005, serial E6614C311B4F5D21); /dev/ttyUSB0 (10c4:ea60, serial 0001)"
    )


def test_choose_port_says_which_board_it_took(tmp_path):
    choice = choose_port(None, tmp_path, [UART, PICO])
    assert choice.port == "/dev/ttyACM0"
    assert choice.note == (
        "using /dev/ttyACM0 (2e8a:0005, serial E6614C311B4F5D21): the one board attached"
    )
    assert choose_port(None, tmp_path, [UART]) == PortChoice(VIRTUAL, NO_BOARD_NOTE)
    assert choose_port("auto", tmp_path, [ESP32]).port == "/dev/ttyUSB0"
    with pytest.raises(DeviceNotFoundError, match="no board attached"):
        choose_port("auto", tmp_path, [UART])
    with pytest.raises(DeviceNotFoundError, match="2 boards attached"):
        choose_port(None, tmp_path, [PICO, ESP32])


def test_a_named_port_is_used_as_named(tmp_path, monkeypatch):
    assert choose_port("/dev/ttyUSB7", tmp_path, [PICO]).note == ""
    (tmp_path / "pyproject.toml").write_text('[tool.belay-tui]\nport = "/dev/ttyUSB9"\n')
    assert choose_port(None, tmp_path, [PICO]).port == "/dev/ttyUSB9"
    monkeypatch.setenv("BELAY_DEVICE", "auto")
    assert choose_port(None, tmp_path, [PICO]).port == "/dev/ttyACM0"


def test_no_board_commands_say_virtual(monkeypatch, capsys):
    attach(monkeypatch, UART)
    assert main(["exec", "6 * 7"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "42"
    assert captured.err.strip() == NO_BOARD_NOTE


def test_several_boards_is_a_one_line_error(monkeypatch, capsys):
    attach(monkeypatch, PICO, ESP32)
    assert main(["exec", "1"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: 2 boards attached") and "\n" not in err


def test_auto_without_a_board_is_a_one_line_error(monkeypatch, capsys):
    attach(monkeypatch, UART)
    assert main(["info", "auto"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no board attached") and "\n" not in err


def test_devs_lists_ports_and_what_they_look_like(monkeypatch, capsys):
    attach(monkeypatch, UART, PICO, FEATHER)
    assert main(["devs", "--json"]) == 0
    listed = {p["port"]: p for p in json.loads(capsys.readouterr().out)}
    assert listed["/dev/ttyACM0"]["vid_pid"] == "2e8a:0005"
    assert listed["/dev/ttyACM0"]["looks_like"] == "micropython"
    assert listed["/dev/ttyACM1"]["looks_like"] == "circuitpython"
    assert listed["/dev/ttyS0"]["looks_like"] is None
    assert main(["devs"]) == 0
    out = capsys.readouterr().out
    assert "E6614C311B4F5D21" in out and "virtual" not in out


def test_devs_without_a_board_mentions_virtual(monkeypatch, capsys):
    attach(monkeypatch, UART)
    assert main(["devs"]) == 0
    assert "no board attached" in capsys.readouterr().out
    attach(monkeypatch)
    assert main(["devs"]) == 0
    assert "'virtual'" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["exce", "1+1"], "'exce' is neither a command nor a port; did you mean 'exec'?"),
        (["snyc", "board/"], "did you mean 'sync'?"),
        (["exec", "/dev/ttyACM0"], "no code given to run on /dev/ttyACM0"),
    ],
)
def test_cli_traps_are_usage_errors(argv, says, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(says)


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.startswith("belay-tui ")


def test_second_open_of_a_port_is_busy(board, capsys):
    with Device(board.port) as dev:
        with pytest.raises(PortBusyError, match="is busy: another program has it open"):
            SerialTransport(board.port)
        assert main(["exec", board.port, "1"]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"error: {board.port} is busy") and "\n" not in err
        assert dev("1 + 1") == 2  # the first holder is undisturbed
    SerialTransport(board.port).close()  # free again once closed


def test_a_board_behind_a_uart_bridge_opens_with_both_lines_at_one_level(
    board, tmp_path, monkeypatch
):
    """The virtual board stands in for an ESP32 on a CP2102: never one line without the
    other (on POSIX both stay raised, as the kernel raised them on open)."""
    link = tmp_path / "ttyUSB0"
    link.symlink_to(board.port)
    esp = PortInfo(str(link), ESP32.vid, ESP32.pid, ESP32.serial_number, ESP32.description)
    monkeypatch.setattr("engine.transport._open.list_ports", lambda: [esp])
    with Device(str(link)) as dev:
        assert dev("6 * 7") == 42
        dtr, rts = dev.transport.control_lines
        assert dtr == rts
