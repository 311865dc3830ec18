"""Reconnect with state replay (Belay's ``attempts``), against the virtual board's unplug,
replug and power cut. The USB re-enumeration case uses a recorded port list, since a board
coming back under another name cannot be staged here."""

from __future__ import annotations

import io
import os
import threading

import pytest
from outages import PowerCutOn
from waiting import until

from engine import ConnectionLost, Device, DeviceNotFoundError, DeviceTimeoutError, PortInfo
from engine._repl import CTRL_D, RAW_BANNER, shows_restart
from engine.events import Connected, LinkLost, ReconnectFailed, Reconnecting, Restoring
from engine.transport._ports import locate_port, usb_identity


def test_task_loop_with_state_survives_an_unplug(board, event_log):
    dev = Device(board.port, attempts=10)
    log = event_log(dev.events)
    dev("import math\nscale = 3")
    dev("def helper(i):\n    return i * scale")

    @dev.task
    def compute(i):
        return helper(i) + int(math.sqrt(16))

    def outage() -> None:
        board.unplug()
        # About a second away: back only once the device has waited out its first retry.
        log.wait_for(lambda e: isinstance(e, Reconnecting) and e.attempt >= 2)
        board.replug()

    cut = threading.Thread(target=outage)
    results: list[int] = []
    restored_at = None
    while restored_at is None or len(results) < restored_at + 20:
        results.append(compute(len(results)))
        if len(results) == 20:
            cut.start()
        if restored_at is None and dev.connect_count == 2:
            restored_at = len(results)
    cut.join()
    assert results == [3 * i + 4 for i in range(len(results))]
    assert [type(e) for e in log.events if not isinstance(e, Reconnecting)][-3:] == [
        LinkLost,
        Restoring,
        Connected,
    ]
    dev.close()


def test_attempts_zero_raises_at_the_next_call_and_reconnect_restores(board):
    dev = Device(board.port)  # attempts=0
    dev("x = 41")
    board.unplug()
    board.replug()
    with pytest.raises(ConnectionLost, match="attempts=0"):
        dev("x + 1")
    with pytest.raises(ConnectionLost, match="is down"):  # still down: nothing retries
        dev("x + 1")
    dev.reconnect()
    assert dev("x + 1", record=False) == 42
    assert dev.connect_count == 2
    dev.close()


def test_call_cut_off_by_an_unplug_is_sent_again_after_the_restore(board, event_log):
    """What the docs promise for the call in flight: it runs again once restored, and the
    caller gets its result."""
    printed: list[str] = []

    def sink(text: str) -> None:
        printed.append(text)
        if text.count("started") and "".join(printed).count("started") == 1:
            board.unplug()
            board.replug()

    dev = Device(board.port, attempts=3, output=sink)

    @dev.task
    def slow(x):
        print("started")
        time.sleep_ms(200)
        return 2 * x

    assert slow(21) == 42
    assert "".join(printed).count("started") == 2
    assert dev.connect_count == 2
    dev.close()


def test_generator_cut_off_raises_after_the_restore(board):
    dev = Device(board.port, attempts=3)

    @dev.task
    def count():
        yield from range(5)

    it = count()
    assert next(it) == 0
    board.unplug()
    board.replug()
    with pytest.raises(ConnectionLost, match="generator task count was cut off"):
        next(it)
    assert dev.connect_count == 2
    assert list(count()) == [0, 1, 2, 3, 4]
    dev.close()


def test_power_cut_during_a_call_is_restored_and_the_call_resent(board, event_log):
    dev = Device(board.port, attempts=2, output=PowerCutOn(board, "started"))
    log = event_log(dev.events)
    dev("offset = 100")

    @dev.task
    def slow(x):
        print("started")
        time.sleep_ms(300)
        return x + offset

    assert slow(5) == 105
    assert "reset during task slow" in log.of(LinkLost)[0].reason
    assert dev.connect_count == 2
    dev.close()


def test_power_cut_during_a_call_with_attempts_zero(board):
    def sink(text: str) -> None:
        if "started" in text:
            board.power_cut()

    dev = Device(board.port, output=sink)

    @dev.task
    def slow():
        print("started")
        time.sleep_ms(300)

    with pytest.raises(ConnectionLost, match="the board reset during task slow"):
        slow()
    dev.reconnect()
    assert dev("1 + 1") == 2
    dev.close()


def test_power_cut_while_idle_is_noticed_by_the_next_call(board, event_log):
    """The board restarts to its friendly REPL while nothing runs: the next call sees its
    banner (before it sends, or echoed back with our code) and the device restores it."""
    dev = Device(board.port, attempts=10)
    log = event_log(dev.events)
    dev("x = 5")
    board.power_cut()
    assert dev("x") == 5
    assert "the board reset before it ran x" in log.of(LinkLost)[0].reason
    assert log.of(Restoring) and dev.connect_count == 2
    dev.close()


def test_power_cut_while_idle_with_attempts_zero_is_one_clear_line(board):
    dev = Device(board.port)  # attempts=0
    dev("x = 5")
    board.power_cut()
    with pytest.raises(ConnectionLost) as lost:
        dev("x")
    assert "\n" not in str(lost.value)
    assert str(lost.value).startswith("the board reset before it ran x (power loss")
    assert str(lost.value).endswith("device.reconnect() restores the board)")
    with pytest.raises(ConnectionLost, match="is down: the board reset"):
        dev("x")
    dev.reconnect()
    assert dev("x") == 5  # the history replayed
    dev.close()


def test_power_cut_while_idle_then_a_sync_and_a_task_call(board, tmp_path):
    src = tmp_path / "src"
    (src / "lib").mkdir(parents=True)
    (src / "lib" / "scale.py").write_text("FACTOR = 3\n")
    dev = Device(board.port, attempts=3)
    dev.sync(src, minify=False)
    dev("import sys\nsys.path.append('/lib')\nimport scale")

    @dev.task
    def scaled(x):
        return x * scale.FACTOR

    board.power_cut()
    (src / "lib" / "scale.py").write_text("FACTOR = 4\n")
    dev.sync(src, minify=False)  # notices the reset, restores (the old sync replayed), syncs
    assert (board.root / "lib" / "scale.py").read_text() == "FACTOR = 4\n"
    assert dev.connect_count == 2
    board.power_cut()
    assert scaled(2) == 8  # the replay imported the synced module
    assert dev.connect_count == 3
    dev.close()


@pytest.mark.parametrize("size", [20, 600], ids=["plain", "raw-paste"])
def test_a_reset_just_as_code_is_sent_is_noticed_at_once(board, size):
    """The board restarts between the link's look at its input and the code going out:
    it answers with its banner and its friendly REPL (our code echoed, or its paste mode)
    instead of the raw REPL's OK; nothing waits out a timeout."""
    dev = Device(board.port, attempts=2)
    dev("x = 5")
    code = f"_BX({'y = 1' + ' ' * size!r},'x')".encode()
    with pytest.raises(ConnectionLost, match="the board reset before it ran probe"):
        with dev.connection.hold("probe") as stream:
            board.power_cut()
            stream.send_code(code, "probe")
            stream.read_reply("probe")
    assert not dev.connection.connected
    assert dev("x") == 5
    dev.close()


def test_a_soft_reset_that_left_the_board_at_its_raw_prompt(board):
    """Someone soft-reset the board and read its "soft reboot" (a terminal on its REPL):
    it is at the raw prompt without the runtime. The call raises no NameError: _BX."""
    dev = Device(board.port)  # attempts=0
    dev("x = 5")
    with dev.connection.hold("a terminal") as stream:
        stream.write(CTRL_D)  # at the raw prompt: a soft reset
        stream.read_until(RAW_BANNER, "the raw prompt after the soft reset")
    with pytest.raises(ConnectionLost, match="the board reset before it ran x"):
        dev("x")
    dev.reconnect()
    assert dev("x") == 5
    dev.attempts = 2
    with dev.connection.hold("a terminal") as stream:
        stream.write(CTRL_D)
        stream.read_until(RAW_BANNER, "the raw prompt after the soft reset")
    assert dev("x") == 5
    dev.close()


def test_ctrl_d_in_the_terminal_then_a_call(board):
    """A person soft-resets the board in ``device.terminal()`` (Ctrl-D): the call after it
    restores the board instead of failing with NameError: _BX."""
    master, slave = os.openpty()
    shown = io.BytesIO()
    dev = Device(board.port, attempts=2)
    dev("x = 5")
    runner = threading.Thread(target=dev.terminal, kwargs={"keys": slave, "screen": shown})
    runner.start()
    until(lambda: b">>> " in shown.getvalue(), "the prompt")
    os.write(master, b"\x04")
    until(lambda: b"soft reboot" in shown.getvalue(), "the soft reboot")
    os.write(master, b"\x1d")
    runner.join(30)
    assert dev("x") == 5
    assert dev.connect_count == 2
    dev.close()
    os.close(master)
    os.close(slave)


def test_a_reset_before_a_resynchronisation(board):
    """An exchange was left mid-way, then the board restarted: resynchronising finds no
    runtime of ours, which is a reset too (not a NameError on the next call)."""
    dev = Device(board.port, attempts=2)
    dev("x = 5")
    with dev.connection.hold("a cut-short exchange") as stream:
        stream.abandon()
    board.power_cut()
    assert dev("x") == 5
    assert dev.connect_count == 2
    dev.close()


@pytest.mark.parametrize(
    "before",
    [
        b"MicroPython v1.24.0 on 2024-10-25; Raspberry Pi Pico with RP2040\r\n"
        b"Type \"help()\" for more information.\r\n>>> _BX('','x')",
        b"MPY: soft reboot\r\nraw REPL; CTRL-B to exit\r\n>",
        b"\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== A\x01",
        b"code.py output:\r\nPress any key to enter the REPL. Use CTRL-D to reload.\r\n",
        b"\r\n>>> _BX('','x')",
    ],
    ids=["banner", "soft-reboot", "paste-mode", "circuitpython", "friendly-echo"],
)
def test_a_restart_is_told_from_what_came_instead_of_ok(before):
    assert shows_restart(b"a thread's print\r\n" + before, sent=b"_BX('','")


@pytest.mark.parametrize(
    "before", [b"", b"tick 3\r\n", b">>> a doctest a thread printed\r\n", b"OK\r\n"]
)
def test_a_board_threads_prints_are_not_a_restart(before):
    assert not shows_restart(before, sent=b"_BX('','")


def test_history_replays_commands_definitions_and_thread_starts_in_order(board):
    dev = Device(board.port)
    dev("seen = []")

    @dev.thread
    def note(tag):
        seen.append(tag)

    note("a")
    dev("seen.append('b')")
    dev("y = 1", record=False)
    dev.reconnect(resume=False)  # a restart, even though the board kept its state
    # The replayed thread start runs in the background: wait for its append (by the clock,
    # sleeping between looks so the board's thread gets the CPU on a loaded machine).
    until(lambda: dev("len(seen)", record=False) == 2, "the replayed thread's append")
    assert dev("sorted(seen), 'y' in globals()", record=False) == (["a", "b"], False)
    dev.close()


def test_reconnect_gives_up_after_its_attempts(board, event_log):
    dev = Device(board.port)
    log = event_log(dev.events)
    board.unplug()
    with pytest.raises(ConnectionLost, match=r"could not reconnect .* \(2 attempts\)"):
        dev.reconnect(attempts=2)
    assert [e.attempt for e in log.of(Reconnecting)] == [1, 2]
    assert log.of(ReconnectFailed)
    board.replug()
    dev.reconnect()
    assert dev("2 + 2") == 4
    dev.close()


def test_reconnect_with_zero_attempts_is_refused(device):
    with pytest.raises(ValueError, match="attempts=0"):
        device.reconnect(attempts=0)


def test_history_that_no_longer_replays_fails_with_the_board_error(board):
    (board.root / "flaky.py").write_text("VALUE = 7\n")
    dev = Device(board.port, attempts=3)
    dev("import flaky")
    board.unplug()
    (board.root / "flaky.py").unlink()
    board.replug()
    with pytest.raises(ConnectionLost, match="restoring the board's state failed: ImportError"):
        dev("1", record=False)
    dev.close()


# The timeout is set only around the call under test: setup calls on a loaded machine may
# take longer than it, and must not be what times out.


def test_a_hung_task_is_interrupted_at_its_timeout(board):
    dev = Device(board.port)

    @dev.task
    def spin():
        while True:
            pass

    dev("kept = 'state'", record=False)
    dev.call_timeout = 0.3
    with pytest.raises(DeviceTimeoutError, match=r"task spin ran past its 0.3 s timeout"):
        spin()
    dev.call_timeout = None
    assert dev("kept", record=False) == "state"  # Ctrl-C was enough: no reset
    assert dev.connect_count == 1
    dev.close()


def _define_stubborn(dev: Device):
    @dev.task
    def stubborn():
        # Survives the first Ctrl-C, as firmware stuck in a retry loop might.
        try:
            while True:
                pass
        except KeyboardInterrupt:
            while True:
                pass

    return stubborn


def test_a_task_that_ignores_ctrl_c_gets_the_board_reset_and_restored(board):
    dev = Device(board.port, attempts=1)
    dev("x = 41")
    dev("y = 1", record=False)
    stubborn = _define_stubborn(dev)
    # Also governs the restore's replay after the reset: room for a loaded machine.
    dev.call_timeout = 1.0
    with pytest.raises(DeviceTimeoutError, match="did not stop on Ctrl-C; the board was reset"):
        stubborn()
    dev.call_timeout = None
    assert dev("x, 'y' in globals()", record=False) == (41, False)
    assert dev.connect_count == 2
    dev.close()


def test_a_task_that_ignores_ctrl_c_with_attempts_zero_is_a_clear_error(board):
    dev = Device(board.port)
    stubborn = _define_stubborn(dev)
    dev.call_timeout = 0.3
    with pytest.raises(DeviceTimeoutError, match="reset the board: device.reconnect()"):
        stubborn()
    dev.call_timeout = None
    assert dev("2 + 2") == 4  # the next call's resync stopped it
    dev.close()


# -- finding the board again: recorded port lists ----------------------------------------

PICO = dict(vid=0x2E8A, pid=0x0005, serial_number="E6614C311B4F5D21")
OTHER_PICO = dict(vid=0x2E8A, pid=0x0005, serial_number="E66118604B1F3C2A")
BARE = dict(vid=0x1A86, pid=0x7523)  # a CH340 bridge: no serial number


def test_usb_identity_of_a_port_and_of_a_symlink_to_it(tmp_path):
    ports = [PortInfo("/dev/ttyS0"), PortInfo("/dev/ttyACM0", **PICO)]
    assert usb_identity("/dev/ttyACM0", ports) == "usb:2e8a:0005:E6614C311B4F5D21"
    assert usb_identity("/dev/ttyS0", ports) is None
    assert usb_identity("/tmp/ttyVB0", ports) is None
    link = tmp_path / "usb-Raspberry_Pi_Pico-if00"
    target = tmp_path / "ttyACM0"
    target.touch()
    link.symlink_to(target)
    assert usb_identity(str(link), [PortInfo(str(target), **PICO)]) == (
        "usb:2e8a:0005:E6614C311B4F5D21"
    )


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ([PortInfo("/dev/ttyACM0", **PICO)], "/dev/ttyACM0"),  # back under its name
        ([PortInfo("/dev/ttyACM1", **PICO)], "/dev/ttyACM1"),  # re-enumerated
        # its old name went to another board: found by serial number, not by name
        (
            [PortInfo("/dev/ttyACM0", **OTHER_PICO), PortInfo("/dev/ttyACM1", **PICO)],
            "/dev/ttyACM1",
        ),
    ],
)
def test_locate_port_follows_the_usb_identity(now, expected):
    identity = "usb:2e8a:0005:E6614C311B4F5D21"
    assert locate_port("/dev/ttyACM0", identity, now) == expected


def test_locate_port_without_serial_number():
    identity = "usb:1a86:7523"
    assert locate_port("/dev/ttyUSB0", identity, [PortInfo("/dev/ttyUSB3", **BARE)]) == (
        "/dev/ttyUSB3"
    )
    two = [PortInfo("/dev/ttyUSB0", **BARE), PortInfo("/dev/ttyUSB1", **BARE)]
    assert locate_port("/dev/ttyUSB0", identity, two) == "/dev/ttyUSB0"  # name breaks the tie
    with pytest.raises(DeviceNotFoundError, match="matches 2 ports .* serial number"):
        locate_port("/dev/ttyUSB5", identity, two)


def test_locate_port_when_the_board_is_not_back():
    with pytest.raises(DeviceNotFoundError, match="no USB device usb:2e8a:0005"):
        locate_port("/dev/ttyACM0", "usb:2e8a:0005", [PortInfo("/dev/ttyS0")])
    assert locate_port("/tmp/ttyVB0", None, []) == "/tmp/ttyVB0"  # no identity: the name


def test_device_finds_a_board_that_came_back_under_another_name(board, tmp_path, monkeypatch):
    """The virtual board stands in for a Pico: its port is reached through ttyACM0, which
    the recorded port list says is the Pico; after the outage only ttyACM1 exists."""
    acm0, acm1 = tmp_path / "ttyACM0", tmp_path / "ttyACM1"
    acm0.symlink_to(board.port)
    ports = [PortInfo(str(acm0), **PICO)]
    monkeypatch.setattr("engine.connection.list_ports", lambda: list(ports))
    dev = Device(str(acm0), attempts=3)
    dev("x = 5")
    board.unplug()
    acm0.unlink()
    board.replug()
    acm1.symlink_to(board.port)
    ports[:] = [PortInfo(str(acm1), **PICO)]
    assert dev("x * 2", record=False) == 10
    assert dev.path == str(acm1)
    dev.close()


class _PullsTheAdapterOnce:
    """A history entry whose first replay pulls the USB-serial adapter out of a board on
    its own power (RAM kept) and fails with the lost link; the adapter is back soon after."""

    kind = "cmd"

    def __init__(self, board) -> None:
        self.board = board
        self.replays = 0

    def replay(self, device: Device) -> None:
        self.replays += 1
        if self.replays == 1:
            self.board.adapter_unplug()
            threading.Timer(0.3, self.board.adapter_replug).start()
            device("0", record=False)  # raises: the link is gone


def test_a_restore_cut_off_by_an_outage_is_done_again_in_full(board):
    """The restore installs a new session before its replay ends: an outage in the replay,
    on a board that keeps its RAM, must not make the next try take it for restored."""
    dev = Device(board.port, attempts=10)
    pull = _PullsTheAdapterOnce(board)
    dev.record(pull)
    dev("y = 7")
    board.power_cut()
    dev.reconnect()  # try 1: the replay is cut off before `y = 7`; try 2 replays it all
    assert pull.replays == 2
    assert dev("y") == 7
    dev.close()


def test_a_power_cut_in_the_middle_of_raw_paste_code_is_a_reset(board):
    """The board restarts after the raw-paste handshake, while long code is on its way: its
    banner where flow control was awaited says so, not an unexpected byte."""
    dev = Device(board.port, attempts=2)
    dev("x = 5")
    code = f"_BX({'y = 1' + ' ' * 1200!r},'x')".encode()
    board.hold(after=3 + 100)  # the handshake and 100 bytes of the code
    failed: list[BaseException] = []

    def send() -> None:
        try:
            with dev.connection.hold("probe") as stream:
                stream.send_code(code, "probe")
        except BaseException as e:  # what the sender met is the finding
            failed.append(e)

    sender = threading.Thread(target=send)
    sender.start()
    until(lambda: board.holding, "the transfer to stand still at byte 103")
    board.power_cut()
    board.release()
    sender.join()
    assert len(failed) == 1 and isinstance(failed[0], ConnectionLost), failed
    assert str(failed[0]).startswith("the board reset during probe")
    assert dev("x") == 5  # restored
    dev.close()


def test_an_abandoned_exchange_stuck_in_a_read_without_interrupts_is_recovered(board):
    """A program left reading stdin with its interrupt character off (as the sync's writer
    and the fs reader do) takes Ctrl-C as data: the next exchange's resynchronisation ends
    its read with zero bytes, its abort flag."""
    dev = Device(board.port)
    reader = (
        b"import micropython,sys\nmicropython.kbd_intr(-1)\n"
        b"while sys.stdin.buffer.read(1)[0]:\n pass\nmicropython.kbd_intr(3)\n"
    )
    with dev.connection.hold("a reader") as stream:
        stream.send_code(reader, "a reader")
        stream.accept("a reader")
        stream.abandon()
    assert dev("1 + 1") == 2
    dev.close()
