"""Code that resets the board from inside a call (``machine.soft_reset()``, ``sys.exit()``,
``machine.reset()``), on the virtual board: the board really resets, once for a soft reset,
the device restores it (runtime, history), the call returns None and is not recorded, and
the next call works, whatever ``attempts``; ``device.reset()`` hard-resets and restores
once."""

from __future__ import annotations

import pytest

from engine import ConnectionLost, Device, PyboardException, VirtualBoard
from engine.events import Connected, LinkLost, Restoring

SOFT_RESETS = {
    "machine.soft_reset()": "import machine\nmachine.soft_reset()",
    "sys.exit()": "import sys\nsys.exit()",
}
# A recorded command that counts the board's restores in a file (the replay runs it).
COUNT_BOOTS = "open('boots', 'a').write('+')"


def _prepared(board: VirtualBoard, attempts: int, **options) -> Device:
    """A device whose history sets ``kept`` and counts boots, with ``lost`` set unrecorded."""
    dev = Device(board.port, attempts=attempts, **options)
    dev("kept = 1")
    dev(COUNT_BOOTS)
    dev("lost = 2", record=False)
    return dev


def _assert_reset_and_restored(dev: Device, board: VirtualBoard, boots: int) -> None:
    assert dev("'lost' in globals()", record=False) is False  # the board really reset
    assert dev("kept", record=False) == 1  # the history was replayed
    assert (board.root / "boots").read_text() == "+" * boots
    commands = [e.code for e in dev.history if e.kind == "cmd"]
    assert commands == ["kept = 1", COUNT_BOOTS]  # the call that reset it is not recorded


@pytest.mark.parametrize("attempts", [0, 3])
@pytest.mark.parametrize("code", SOFT_RESETS.values(), ids=SOFT_RESETS.keys())
def test_a_command_that_soft_resets_the_board(board, event_log, code, attempts):
    printed: list[str] = []
    dev = _prepared(board, attempts, output=printed.append)
    log = event_log(dev.events)
    assert dev(f"print('bye')\n{code}") is None
    assert "".join(printed) == "bye\n"  # sent once: its output came once
    _assert_reset_and_restored(dev, board, boots=2)  # one restore
    assert [type(e) for e in log.events if isinstance(e, Restoring | Connected | LinkLost)] == [
        Restoring,
        Connected,
    ]
    assert dev("1 + 1") == 2
    dev.close()


@pytest.mark.parametrize("attempts", [0, 3])
def test_a_task_that_soft_resets_the_board(board, attempts):
    dev = _prepared(board, attempts)

    @dev.task
    def restart(code):
        machine.soft_reset()  # noqa: F821 (a board global)
        return code

    @dev.task
    def double(x):
        return 2 * x

    assert restart(7) is None
    _assert_reset_and_restored(dev, board, boots=2)
    assert double(21) == 42  # the task definitions were replayed too
    dev.close()


def test_a_command_that_hard_resets_the_board_is_restored_not_sent_a_third_time(board):
    """machine.reset() frames nothing: the board's banner comes during the call, as after a
    power cut, so the call is sent again once the board is restored; when the board
    restarts during it again, it is restored once more, and the call raises (a double
    outage must not pass for a result) naming device.reset() instead of being sent a
    third time."""
    dev = _prepared(board, attempts=3)
    with pytest.raises(ConnectionLost, match=r"and again when it was sent again .*device\.reset"):
        dev("import machine\nmachine.reset()")
    _assert_reset_and_restored(dev, board, boots=3)  # two restores
    assert dev("1 + 1") == 2
    dev.close()


@pytest.mark.parametrize("attempts", [0, 3])
def test_device_reset_hard_resets_once_and_restores(board, event_log, attempts):
    dev = _prepared(board, attempts=attempts)
    log = event_log(dev.events)
    assert dev.reset() is None
    _assert_reset_and_restored(dev, board, boots=2)  # one restore
    assert log.of(Restoring) and log.of(Connected)
    assert dev("1 + 1") == 2
    dev.close()


def test_a_command_that_hard_resets_the_board_with_attempts_zero(board):
    """With attempts=0 the banner during the call is a lost link, as after a power cut:
    the call raises, the next call too, and device.reconnect() restores the board."""
    dev = _prepared(board, attempts=0)
    with pytest.raises(ConnectionLost, match="the board reset during machine.reset()"):
        dev("import machine\nmachine.reset()")
    with pytest.raises(ConnectionLost, match="is down"):
        dev("1 + 1")
    dev.reconnect()
    _assert_reset_and_restored(dev, board, boots=2)
    dev.close()


def test_a_hard_reset_cannot_be_caught_on_the_board(board):
    """As on a board, machine.reset() is no exception that code could catch."""
    dev = _prepared(board, attempts=0)
    code = "import machine\ntry:\n    machine.reset()\nexcept BaseException:\n    caught = 1"
    with pytest.raises(ConnectionLost, match="the board reset during"):
        dev(code)
    dev.reconnect()
    assert dev("'caught' in globals()", record=False) is False
    _assert_reset_and_restored(dev, board, boots=2)
    dev.close()


def test_startup_code_that_resets_the_board_is_a_clear_error(board):
    """A reset while the board is being set up would loop if it restored the board again."""
    with pytest.raises(PyboardException, match=r"^sys.exit\(\) reset the board \(SystemExit\)"):
        Device(board.port, startup="import sys\nsys.exit()")
    dev = Device(board.port)  # the board is fine for the next connect
    assert dev("1 + 1") == 2
    dev.close()


def test_device_soft_reset_restores_the_board_with_the_usual_events(board, event_log):
    dev = _prepared(board, attempts=0)
    log = event_log(dev.events)
    dev.soft_reset()
    _assert_reset_and_restored(dev, board, boots=2)
    assert [type(e) for e in log.events if isinstance(e, Restoring | Connected)] == [
        Restoring,
        Connected,
    ]
    dev.close()


def test_over_webrepl_the_board_closes_its_socket_and_is_reconnected(tmp_path, event_log):
    """A soft reset closes the board's WebREPL socket: the device connects again and
    restores the board, with attempts=0 too (the reset was asked for)."""
    with VirtualBoard(root=tmp_path / "flash", webrepl="127.0.0.1:0", password="pw") as board:
        dev = Device(board.webrepl_url, password="pw")  # attempts=0
        dev("kept = 1")
        dev("lost = 2", record=False)
        log = event_log(dev.events)
        assert dev("import machine\nmachine.soft_reset()") is None
        assert dev("'lost' in globals()", record=False) is False
        assert dev("kept", record=False) == 1
        assert log.of(Restoring) and log.of(Connected)[-1].kept is False
        dev.close()


def test_the_value_without_deserializing_is_the_text_none(board):
    """What the app's REPL console asks for (``deserialize=False``): the repr text."""
    dev = Device(board.port)
    assert dev("import machine\nmachine.soft_reset()", deserialize=False) == "None"
    assert dev("1 + 1", deserialize=False) == "2"
    dev.close()
