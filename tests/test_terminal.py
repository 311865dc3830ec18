"""``device.terminal()`` and ``belay-tui terminal``: the board's REPL in a real pty."""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys
import threading
import time

from waiting import until

from engine import Device


class Screen:
    """The master side of a pty: what a person at the terminal types and sees."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.seen = b""

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def wait_for(self, text: bytes, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} never appeared; the screen shows {self.seen!r}"
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    self.seen += os.read(self.fd, 4096)
                except OSError:  # the other side closed
                    assert text in self.seen, f"{text!r} not shown: {self.seen!r}"


def test_cli_terminal_runs_the_repl_and_ctrl_bracket_exits(board):
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "belay_tui.cli", "terminal", board.port],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    screen = Screen(master)
    try:
        screen.wait_for(b">>> ")
        screen.type(b"6*7\r")
        screen.wait_for(b"42\r\n")  # CRLF: the local terminal is raw
        screen.type(b"\x1d")
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)


def test_device_terminal_keeps_globals_and_calls_work_after(board):
    master, slave = os.openpty()  # keys come from a real terminal, put in raw mode
    shown = io.BytesIO()
    with Device(board.port) as device:
        device("before = 1")
        runner = threading.Thread(target=device.terminal, kwargs={"keys": slave, "screen": shown})
        runner.start()
        until(lambda: b">>> " in shown.getvalue(), "the prompt")  # raw mode is on: type now
        os.write(master, b"typed = before + 1\r")
        os.write(master, b"print('done', typed)\r")
        until(lambda: b"done 2" in shown.getvalue(), "the typed lines' output")
        os.write(master, b"\x1d")
        runner.join(30)
        assert not runner.is_alive()
        assert device("typed") == 2
    os.close(master)
    os.close(slave)
