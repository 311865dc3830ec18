"""The reply framing of our board runtime, read off the raw REPL (the wire layer).

Every exchange runs code that ends by printing one frame: the reply token, a kind letter,
the payload's length, ``:`` and the payload (``_BF`` in :mod:`engine._boardcode`). The raw
REPL wraps it as ``OK``, the code's output, the frame, ``\\x04 stderr \\x04 >``. This module
reads that, streaming the output before the frame, and turns the ways a reply can go wrong
into exceptions: a board that reset before or under the call (:class:`BoardReset`, from
the wire in :mod:`engine._repl`) and a call that ran past its time and ignored Ctrl-C
(:class:`Stuck`). A reply that says the code reset the board (``X``) ends where its frame
does: what follows is the board's reboot, not the raw REPL's usual ending.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from enum import StrEnum
from typing import NamedTuple

from ._output import OutputStream
from ._repl import CTRL_D, RESET_WINDOW, BoardReset, RawRepl, looks_reset
from .exceptions import DeviceTimeoutError

INTERRUPT_GRACE = 2.0  # seconds a board gets to stop after Ctrl-C
# The raw REPL's own error (our code outside the runtime's framing) that a name of the
# runtime is missing: the board was reset and the runtime went with its RAM.
_RUNTIME_GONE = re.compile(rb"NameError: name '_B\w*' is(?:n't| not) defined")


class ReplyKind(StrEnum):
    """The kind letter of a frame (what ``_BF`` printed first)."""

    RESULT = "R"  # a value's repr
    ERROR = "E"  # a traceback
    GENERATOR = "G"  # the key of a generator kept on the board
    STOPPED = "S"  # that generator is exhausted
    PROXY = "P"  # the key of an object kept on the board for a proxy
    READY = "Y"  # the sync's writer waits for data
    RESET = "X"  # the code raised SystemExit: the board may be soft-resetting (no value)


class Reply(NamedTuple):
    """One decoded frame: its kind letter and its payload text."""

    kind: str
    payload: str


class Stuck(DeviceTimeoutError):
    """A call ran past its timeout and the board did not stop on Ctrl-C."""


def token_prefix_len(buf: bytes | bytearray, token: bytes) -> int:
    """How many trailing bytes of ``buf`` could start ``token`` (to hold them back)."""
    for n in range(min(len(token) - 1, len(buf)), 0, -1):
        if buf.endswith(token[:n]):
            return n
    return 0


class ReplyReader:
    """Reads one framed reply, streaming the output before it.

    A stray ``\\x04`` from user code is just output: only the token (which user code cannot
    know) starts the reply.
    """

    def __init__(self, repl: RawRepl, token: bytes, sink: Callable[[str], None]) -> None:
        self.repl = repl
        self.token = token
        self.out = OutputStream(sink)
        self.seen_output = False
        self.framed = False  # a frame of the runtime's was read whole (the board counted it)
        self.recent = b""  # the last bytes received, to notice a board that reset

    def accepted(self, what: str) -> None:
        """Wait for the raw REPL's ``OK`` (the code was taken); stream what came before it
        (a board thread printed while nothing was running). A board that restarted
        meanwhile raises :class:`BoardReset`."""
        before = self.repl.accept(what)
        if before:
            self.out.feed(before)

    def output(self, data: bytes) -> None:
        """Output a caller took off the wire itself (the sync's stream), passed on."""
        if data:
            self.out.feed(data)
            self.seen_output = True

    def read(self, what: str, limit: float | None = None) -> Reply:
        """The reply to ``what`` once the board accepted the code. ``limit``: seconds it
        may take before Ctrl-C is sent."""
        deadline = None if limit is None else time.monotonic() + limit
        cause = ""  # why we sent Ctrl-C: "host" (the user's) or "timeout"
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                reply = self._step(what, wait)
            except KeyboardInterrupt:
                if cause:
                    raise
                cause, deadline = "host", self._interrupt()
                continue
            if reply is not None:
                if cause == "host" and reply.kind == ReplyKind.ERROR:
                    raise KeyboardInterrupt
                if cause == "timeout" and reply.kind == ReplyKind.ERROR:
                    raise DeviceTimeoutError(
                        f"{what} ran past its {limit:g} s timeout; interrupted it (Ctrl-C)"
                    )
                return reply
            if deadline is None or time.monotonic() < deadline:
                continue
            if cause == "host":
                raise DeviceTimeoutError(f"the board did not stop after Ctrl-C during {what}")
            if cause == "timeout":
                raise Stuck(f"{what} ran past its {limit:g} s timeout and did not stop on Ctrl-C")
            cause, deadline = "timeout", self._interrupt()

    def _interrupt(self) -> float:
        """Send Ctrl-C; the time by which the board must have stopped."""
        self.repl.interrupt()
        return time.monotonic() + INTERRUPT_GRACE

    def _step(self, what: str, timeout: float | None) -> Reply | None:
        repl, buf, token = self.repl, self.repl.buf, self.token
        i = buf.find(token)
        if i >= 0:
            if i:
                self.out.feed(bytes(buf[:i]))
            del buf[: i + len(token)]
            self.out.flush()
            frame = repl.read_until(CTRL_D, f"the end of the reply to {what}")[:-1]
            if frame[:1] == ReplyKind.RESET.encode():
                # The code reset the board: the raw REPL's ending comes in another form,
                # the board's reboot, left for the connection (RawRepl.after_exit).
                self.framed = True
                return Reply(ReplyKind.RESET, "")
            err = repl.read_until(CTRL_D, "the end of the error output")[:-1]
            late = repl.read_until(b">", "the raw REPL prompt")[:-1]
            kind, _, rest = frame.decode(errors="replace").partition(":")
            # The length says where the reply ends: a board thread may print after it, or
            # around the prompt.
            size = int(kind[1:]) if kind[1:].isdigit() else len(rest)
            extra = rest[size:] + (err + late).decode(errors="replace")
            if extra:
                self.out.sink(extra)
            self.framed = True
            return Reply(kind[:1], rest[:size])
        if buf[:1] == CTRL_D and not self.seen_output:
            # The code never ran (a compile error): the raw REPL's own error frame. Or the
            # runtime it calls is gone: the board reset while idle, and nothing showed it
            # (a soft reset whose "soft reboot" someone else read, as a terminal would).
            del buf[0]
            err = repl.read_until(CTRL_D, "the error output")[:-1]
            repl.read_until(b">", "the raw REPL prompt")
            if _RUNTIME_GONE.search(err):
                raise BoardReset(what, before=True)
            return Reply(ReplyKind.ERROR, err.decode(errors="replace"))
        # Stream what cannot be the start of the token.
        keep = token_prefix_len(buf, token)
        if len(buf) > keep:
            self.out.feed(bytes(buf[: len(buf) - keep]))
            del buf[: len(buf) - keep]
            self.seen_output = True
        start = len(buf)
        if repl.fill(timeout):
            self.recent = (self.recent + bytes(buf[start:]))[-RESET_WINDOW:]
            if looks_reset(self.recent):
                raise BoardReset(what)
        return None
