"""File-descriptor plumbing shared by the links that are a local fd: a serial port, and a
program on a pseudo-terminal (``exec:`` ports and the virtual board's interpreter)."""

from __future__ import annotations

import os
import select
import subprocess


def write_all(fd: int, data: bytes | memoryview) -> None:
    """Write all of ``data`` to a non-blocking ``fd``, waiting while its buffer is full.
    OSError (the other end gone) is the caller's to turn into ConnectionLost."""
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            select.select([], [fd], [], 1.0)
            continue
        view = view[n:]


def spawn_on_pty(
    command: str | list[str], *, shell: bool = False, ctrl_c_interrupts: bool = False
) -> tuple[int, subprocess.Popen]:
    """Start ``command`` in a new session on a fresh pty in raw mode (binary data passes
    untouched); returns the pty's master side, non-blocking, and the process.

    ``ctrl_c_interrupts``: the pty becomes the program's controlling terminal and turns
    Ctrl-C into SIGINT (no other key is a signal), as a board's UART interrupt does.
    """
    import termios
    import tty

    master, slave = os.openpty()
    tty.setraw(slave)
    preexec = None
    if ctrl_c_interrupts:
        attrs = termios.tcgetattr(slave)
        attrs[3] |= termios.ISIG
        for key in ("VQUIT", "VSUSP", "VDSUSP"):
            if hasattr(termios, key):
                attrs[6][getattr(termios, key)] = b"\x00"
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        preexec = _take_terminal
    try:
        process = subprocess.Popen(
            command,
            shell=shell,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            close_fds=True,
            preexec_fn=preexec,
        )
    except OSError:
        os.close(master)
        raise
    finally:
        os.close(slave)
    os.set_blocking(master, False)
    return master, process


def _take_terminal() -> None:
    """In the child: make its stdin (the pty) the new session's controlling terminal."""
    import fcntl
    import termios

    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
