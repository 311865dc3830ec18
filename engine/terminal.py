"""A raw, interactive terminal to the board's REPL in the current terminal, as Belay's
``device.terminal()`` and mpremote's ``repl`` give: keys go to the board as typed (Ctrl-C
interrupts, Ctrl-D soft-resets), its output comes back as it is. Ctrl-] ends it.

It runs on a link lent by the device (anything with ``write(bytes)``, ``fill(timeout)`` and
the ``buf`` that ``fill`` appends to); the device takes the link back afterwards and starts
its next exchange from a fresh raw REPL prompt.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import sys
from collections.abc import Iterator
from typing import BinaryIO, Protocol

from .exceptions import ConnectionLost

EXIT_KEY = b"\x1d"  # Ctrl-]
FRIENDLY_REPL = b"\x02"  # Ctrl-B: out of the raw REPL, to the prompt a person types at
POLL = 0.02  # seconds each side of the loop waits: keys and output feel immediate
_BARE_LF = re.compile(rb"(?<!\r)\n")


class Link(Protocol):
    buf: bytearray

    def write(self, data: bytes) -> None: ...

    def fill(self, timeout: float | None) -> bool: ...


def run_terminal(
    link: Link,
    keys: int | None = None,
    screen: BinaryIO | None = None,
    name: str = "the board",
) -> None:
    """Relay ``keys`` (a file descriptor; default stdin) to the board and the board's output
    to ``screen`` (default stdout) until Ctrl-] is typed or ``keys`` ends. A terminal on
    ``keys`` is put in raw mode meanwhile, so every key reaches the board."""
    keys = sys.stdin.fileno() if keys is None else keys
    screen = screen or sys.stdout.buffer
    with _raw_mode(keys):
        _show(screen, f"Connected to {name}. Ctrl-] exits.\r\n".encode())
        link.write(FRIENDLY_REPL)
        try:
            _relay(link, keys, screen)
        finally:
            _show(screen, b"\r\n")


def _relay(link: Link, keys: int, screen: BinaryIO) -> None:
    after_cr = False  # the last byte shown was a CR (a CRLF may be split across reads)
    while True:
        ready, _, _ = select.select([keys], [], [], POLL)
        if ready:
            typed = os.read(keys, 1024)
            head, found, _ = typed.partition(EXIT_KEY)
            if head:
                link.write(head)
            if found or not typed:
                return
        try:
            arrived = link.fill(POLL)
        except ConnectionLost as e:
            _show(screen, f"\r\n[link lost: {e}]".encode())
            raise
        if arrived:
            # A raw terminal needs CRLF; the unix port (the virtual board) prints bare LFs.
            data = bytes(link.buf)
            link.buf.clear()
            lead = b"\n" if after_cr and data.startswith(b"\n") else b""
            _show(screen, lead + _BARE_LF.sub(b"\r\n", data[len(lead) :]))
            after_cr = data.endswith(b"\r")


def _show(screen: BinaryIO, data: bytes) -> None:
    screen.write(data)
    screen.flush()


@contextlib.contextmanager
def _raw_mode(fd: int) -> Iterator[None]:
    """Raw mode on a terminal (restored after); a pipe or file is left as it is."""
    if os.name != "posix" or not os.isatty(fd):
        yield
        return
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
