"""``exec:COMMAND`` ports: the MicroPython unix port itself as the board, on its own pty."""

from __future__ import annotations

import shlex
import threading

import pytest

from engine import ConnectionFailedError, Device
from engine.emulator import micropython_command

PORT = "exec:" + shlex.join(micropython_command())


@pytest.fixture
def device():
    with Device(PORT, attempts=2) as dev:
        yield dev


def test_calls_tasks_and_interrupts(device):
    assert device("6 * 7") == 42

    @device.task
    def double(x):
        return 2 * x

    assert double(21) == 42
    threading.Timer(0.3, device.interrupt).start()
    with pytest.raises(KeyboardInterrupt):
        device("while True: pass")
    assert double(2) == 4  # the board is usable again


def test_reconnect_starts_the_program_again(device):
    device("kept = 1")
    device("lost = 1", record=False)
    device.reconnect()
    assert device("kept") == 1
    assert device("'lost' in globals()") is False  # a new process: only the history is back


def test_soft_reset_restarts_and_restores(device):
    device("kept = 2")
    device.soft_reset()
    assert device("kept") == 2


def test_sync_over_an_exec_port(device, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "blob.bin").write_bytes(bytes(range(256)) * 4)
    dst = tmp_path / "board"  # the unix port's filesystem is this machine's
    device.sync(tmp_path / "src", str(dst))
    assert (dst / "blob.bin").read_bytes() == bytes(range(256)) * 4


@pytest.mark.parametrize(
    ("port", "message"),
    [
        ("exec:", "give a command after exec:"),
        ("exec:no-such-command-here", "exited with code 127"),
    ],
)
def test_bad_commands_are_one_line_errors(port, message):
    with pytest.raises(ConnectionFailedError, match=message) as info:
        Device(port)
    assert "\n" not in str(info.value)
