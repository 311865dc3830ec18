"""Which board a program talks to when it names none: ``Device(None)`` (``BELAY_DEVICE``, else
the one USB serial port), and the command line's order (the argument, ``BELAY_DEVICE``, the
project's ``[tool.belay-tui] port``, else the one board attached, else the virtual board).

The USB port list is the one thing staged: a board on USB cannot be plugged in here, so
pyserial's listing is replaced by one naming the virtual board's port as a USB device.
"""

from __future__ import annotations

import json

import pytest
from serial.tools import list_ports
from serial.tools.list_ports_common import ListPortInfo

from belay_tui.cli import main
from belay_tui.settings import VIRTUAL, choose_port
from engine import Device, DeviceNotFoundError, list_devices

NOWHERE = "/dev/no-such-port"


def usb_port(device: str, serial_number: str) -> ListPortInfo:
    info = ListPortInfo(device, skip_link_detection=True)
    info.vid, info.pid, info.serial_number = 0x2E8A, 0x0005, serial_number
    info.description = "Board in FS mode"
    return info


@pytest.fixture
def usb_ports(monkeypatch):
    """Stage the USB serial ports pyserial lists: ``usb_ports(path, ...)``."""
    monkeypatch.delenv("BELAY_DEVICE", raising=False)

    def stage(*paths: str) -> None:
        ports = [usb_port(p, f"E66{i}") for i, p in enumerate(paths)]
        monkeypatch.setattr(list_ports, "comports", lambda *a, **k: ports)

    return stage


def test_belay_device_names_the_port(board, monkeypatch):
    monkeypatch.setenv("BELAY_DEVICE", board.port)
    with Device(None) as dev:
        assert dev.port == board.port
        assert dev("6 * 7") == 42


def test_belay_device_virtual_starts_a_board(monkeypatch):
    monkeypatch.setenv("BELAY_DEVICE", VIRTUAL)
    with Device(None) as dev:
        assert dev("import machine; machine.unique_id()")  # the simulated machine module


def test_the_one_usb_port_is_used(board, usb_ports):
    usb_ports(board.port)
    assert [p.usb_id for p in list_devices()] == ["usb:2e8a:0005:E660"]
    with Device(None) as dev:
        assert dev.port == board.port
        assert dev("1 + 1") == 2


def test_several_usb_ports_is_a_clear_error(board, usb_ports):
    usb_ports(board.port, "/dev/ttyACM7")
    with pytest.raises(DeviceNotFoundError, match="2 boards attached, pass one as the port"):
        Device(None)


def test_no_usb_port_is_a_clear_error(usb_ports):
    usb_ports()
    with pytest.raises(DeviceNotFoundError) as info:
        Device(None)
    assert str(info.value) == (
        "no board attached (no USB serial port here); pass a port, or 'virtual'"
    )


# -- the command line ----------------------------------------------------------------------


def configure(folder, port: str) -> None:
    (folder / "pyproject.toml").write_text(f'[tool.belay-tui]\nport = "{port}"\n')


def test_order_argument_environment_project_board_virtual(tmp_path, usb_ports):
    usb_ports()
    assert choose_port(None, tmp_path).port == VIRTUAL
    usb_ports("/dev/ttyACM0")
    assert choose_port(None, tmp_path).port == "/dev/ttyACM0"
    configure(tmp_path, "/dev/from-project")
    assert choose_port(None, tmp_path).port == "/dev/from-project"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BELAY_DEVICE", "/dev/from-env")
        assert choose_port(None, tmp_path).port == "/dev/from-env"
        assert choose_port("/dev/given", tmp_path).port == "/dev/given"


def test_a_broken_pyproject_falls_back_to_virtual(tmp_path, usb_ports):
    usb_ports()
    (tmp_path / "pyproject.toml").write_text("[tool.belay-tui\nport = ")
    assert choose_port(None, tmp_path).port == VIRTUAL


def info_port(capsys) -> str:
    assert main(["info", "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)["port"]


def test_commands_use_the_projects_port(board, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("BELAY_DEVICE", raising=False)
    configure(tmp_path, board.port)
    monkeypatch.chdir(tmp_path)
    assert info_port(capsys) == board.port


def test_belay_device_wins_over_the_project(board, tmp_path, monkeypatch, capsys):
    configure(tmp_path, NOWHERE)
    monkeypatch.setenv("BELAY_DEVICE", board.port)
    monkeypatch.chdir(tmp_path)
    assert info_port(capsys) == board.port


def test_the_argument_wins_over_both(board, tmp_path, monkeypatch, capsys):
    configure(tmp_path, NOWHERE)
    monkeypatch.setenv("BELAY_DEVICE", NOWHERE)
    monkeypatch.chdir(tmp_path)
    assert main(["exec", board.port, "6 * 7"]) == 0
    assert capsys.readouterr().out.strip() == "42"
