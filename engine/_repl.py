"""MicroPython's raw REPL and raw-paste protocol over a :class:`Transport`.

The raw REPL (Ctrl-A) takes code up to Ctrl-D, answers ``OK``, runs it and sends
``stdout \\x04 stderr \\x04 >``. Raw-paste mode (``\\x05A\\x01``) adds flow control: the
board announces a window and sends ``\\x01`` each time the host may send another window's
worth, so long code cannot overrun a small UART buffer. Boards that refuse raw-paste get
plain raw mode in paced chunks.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from collections.abc import Callable

from .exceptions import ConnectionLost, DeviceTimeoutError, InternalError, PyboardException
from .transport import Transport

CTRL_A = b"\x01"  # enter the raw REPL; in raw-paste, the board's "send more"
CTRL_B = b"\x02"  # leave the raw REPL for the friendly one
CTRL_C = b"\x03"  # interrupt the running program
CTRL_D = b"\x04"  # end of code; at an empty raw prompt, soft reset; ends reply sections
CTRL_E = b"\x05"  # with "A\x01": enter raw-paste mode
PASTE_REFUSED = b"R\x00"  # the board's answer to raw-paste: not supported
PASTE_ACCEPTED = b"R\x01"  # ... supported: the window size follows
RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n>"
SOFT_REBOOT = b"soft reboot\r\n"
PASTE_THRESHOLD = 192  # shorter code is sent plainly: no handshake round trip
# A board that reset prints its banner and sits at the friendly prompt, or (a soft reset
# while in the raw REPL) says "soft reboot" and shows the raw prompt again. CircuitPython's
# banner is one line; before it, CircuitPython runs code.py and waits for a key.
_BANNER = rb"(?:MicroPython \S+ on [^\r\n]*\r\n[^\r\n]*|CircuitPython \S+ on [^\r\n]*)\r\n>>> "
_BANNER_AT_PROMPT = re.compile(_BANNER + rb"\Z")
CIRCUITPYTHON_WAITING = b"Press any key to enter the REPL. Use CTRL-D to reload.\r\n"
# What the friendly REPL answers to raw-paste's request (Ctrl-E is its paste mode).
FRIENDLY_PASTE = b"paste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== "
# The same signs anywhere in what came while the raw REPL's answer to our code was awaited:
# our code may follow them, echoed by the friendly prompt.
_RESTARTED = re.compile(
    b"|".join(
        (
            _BANNER,
            rb"soft reboot\r\n[\s\S]*?" + re.escape(RAW_BANNER),
            re.escape(CIRCUITPYTHON_WAITING),
            re.escape(FRIENDLY_PASTE),
        )
    )
)
RESET_WINDOW = 300  # bytes of recent output enough to hold a reset's signature
# Seconds to read on after a byte that breaks the protocol, for the rest of a reset's banner.
RESTART_GRACE = 0.5
PROMPT_WAIT = 0.5  # seconds an idle board gets to answer Ctrl-A with its raw prompt
# Zero bytes that end any read a program is stuck in after an outage: more than a chunk of
# the sync's raw stream (engine.sync._transfer.CHUNK, 8 KB) and its flag byte.
UNSTICK = 8200


def looks_reset(recent: bytes) -> bool:
    """Whether ``recent`` (the last output received, at least :data:`RESET_WINDOW` bytes
    of it) ends the way a board that has just reset ends its output.

    Code of ours running on the board never ends its output like this: a board reset
    (power loss, ``machine.reset()``, a watchdog) is the only plausible cause.
    """
    if recent.endswith(RAW_BANNER):
        return b"soft reboot" in recent
    if recent.endswith(CIRCUITPYTHON_WAITING):
        return True
    return recent.endswith(b">>> ") and _BANNER_AT_PROMPT.search(recent) is not None


def shows_restart(before: bytes, sent: bytes = b"") -> bool:
    """Whether ``before``, what came while the raw REPL's answer to code was awaited (its
    ``OK``, or raw-paste's handshake), says the board is no longer at the raw prompt we
    left: its banner, a soft reboot, CircuitPython waiting for a key, or the friendly REPL
    answering (its paste mode, or its prompt echoing ``sent``, the start of our code).

    Before that answer the raw REPL sends nothing of its own; only a board thread's prints
    can come, and they never look like this. The board restarted while the link was idle
    (a power loss, its reset button, ``machine.reset()``, a watchdog, a soft reset).
    """
    if _RESTARTED.search(before):
        return True
    return bool(sent) and b">>> " + sent in before


class BoardReset(ConnectionLost):
    """The board restarted: its banner or a fresh prompt came instead of the reply, or of
    the raw REPL's ``OK``, or the engine's runtime is gone from it. A lost link whose
    board did not keep its state: a reconnect restores it (and resends the call)."""

    def __init__(self, what: str | None, *, before: bool = False) -> None:
        """``what``: the call it came before or during; None: noticed on an idle link."""
        self.before = before or what is None  # else during the call: it may have reset it
        if what is None:
            when = "while the link was idle"
        else:
            when = f"before it ran {what}" if before else f"during {what}"
        super().__init__(
            f"the board reset {when} (power loss, its reset button, machine.reset() or a "
            "soft reset)"
        )


class RawRepl:
    """The protocol state of one connection: a receive buffer and raw-paste support."""

    def __init__(self, transport: Transport, timeout: float = 5.0) -> None:
        self.transport = transport
        self.timeout = timeout
        self.buf = bytearray()
        self.raw_paste: bool | None = None  # unknown until first tried
        self.sent = b""  # the start of the code sent last: a friendly prompt echoes it
        self.bytes_out = 0
        self.bytes_in = 0

    # -- reading -------------------------------------------------------------------------

    def fill(self, timeout: float | None) -> bool:
        """Read what arrives within ``timeout`` into the buffer; False if nothing came."""
        data = self.transport.read(timeout)
        if data:
            self.bytes_in += len(data)
            self.buf += data
            return True
        return False

    def _shows_restart_within(self, grace: float) -> bool:
        """Whether the input, with what arrives within ``grace`` seconds, shows the board
        restarted (:func:`shows_restart`): for a surprise in the middle of a transfer,
        which is either a reset's banner (arriving a line at a time) or a protocol error."""
        deadline = time.monotonic() + grace
        while not shows_restart(bytes(self.buf)):
            left = deadline - time.monotonic()
            if left <= 0 or not self.fill(left):
                return False
        return True

    def read_until(
        self,
        marker: bytes,
        what: str,
        timeout: float | None = None,
        *,
        answer_to: str | None = None,
    ) -> bytes:
        """Consume and return everything up to and including ``marker``.

        ``what`` names the awaited thing for the timeout error. ``answer_to``: the marker is
        the raw REPL's answer to the code just sent for ``answer_to``; a board that shows
        it restarted meanwhile (:func:`shows_restart`) raises :class:`BoardReset` at once,
        not after the timeout, and gets a Ctrl-C that clears our code off its friendly
        prompt's line (so a reconnect's Ctrl-A is answered at once).
        """
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        start = seen = 0
        while True:
            i = self.buf.find(marker, start)
            if answer_to is not None:
                end = len(self.buf) if i < 0 else i
                if end > seen:  # only what is new, with enough before it for a signature
                    before = bytes(self.buf[max(0, seen - RESET_WINDOW) : end])
                    if shows_restart(before, self.sent):
                        self.write(CTRL_C)
                        raise BoardReset(answer_to, before=True)
                    seen = end
            if i >= 0:
                end = i + len(marker)
                out = bytes(self.buf[:end])
                del self.buf[:end]
                return out
            start = max(0, len(self.buf) - len(marker) + 1)
            left = deadline - time.monotonic()
            if (left <= 0 or not self.fill(left)) and time.monotonic() >= deadline:
                raise DeviceTimeoutError(
                    f"timed out after {timeout:g}s waiting for {what}"
                    f" (got {bytes(self.buf[-60:])!r})"
                )

    def read_exact(self, n: int, what: str, timeout: float | None = None) -> bytes:
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0 or (not self.fill(left) and time.monotonic() >= deadline):
                raise DeviceTimeoutError(f"timed out after {timeout:g}s waiting for {what}")
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def drain(self, quiet: float = 0.05, limit: float = 1.0) -> bytes:
        """Discard input until the line has been quiet for ``quiet`` seconds."""
        end = time.monotonic() + limit
        while time.monotonic() < end and self.fill(quiet):
            pass
        out = bytes(self.buf)
        self.buf.clear()
        return out

    # -- writing -------------------------------------------------------------------------

    def write(self, data: bytes | memoryview) -> None:
        self.bytes_out += len(data)
        self.transport.write(data)

    # -- the protocol --------------------------------------------------------------------

    def enter(self, soft_reset: bool = True) -> None:
        """Stop whatever runs, enter the raw REPL, optionally soft-reset, and resynchronise.

        Stale output (a banner, a program's prints) is discarded by a round trip with a
        random token, so the next exchange starts exactly at a prompt.
        """
        self.write(b"\r" + CTRL_C + CTRL_C)
        self.drain()
        self.write(CTRL_A)
        try:
            self.read_until(RAW_BANNER, "the raw REPL prompt", PROMPT_WAIT)
        except DeviceTimeoutError:
            self._unstick()
        if soft_reset:
            self.write(CTRL_D)
            self.read_until(SOFT_REBOOT, "the soft reboot")
            self.read_until(RAW_BANNER, "the raw REPL prompt after the soft reboot")
        self.sync()

    def reach_prompt(self, running: float | None) -> bool:
        """Reach a clean raw prompt interrupting only what must be: after an outage the
        board may run on. Ctrl-A asks for the raw prompt, which a board at either prompt
        gives at once and one running code gives when the code ends. ``running``: seconds
        the call in flight may still take (None: no call of ours runs); past that, or at
        once, Ctrl-C. Returns whether it had to interrupt."""
        deadline = time.monotonic() + (running or 0.0)
        while True:
            # Asked again each time: a board that restarted may take the first ask as the
            # "any key" that its start-up waits for (CircuitPython) and stop at >>>.
            self.write(CTRL_A)
            with contextlib.suppress(DeviceTimeoutError):
                self.read_until(RAW_BANNER, "the raw REPL prompt", PROMPT_WAIT)
                self.sync()
                return False
            if time.monotonic() >= deadline:
                break
        self.write(b"\r" + CTRL_C + CTRL_C)
        self._unstick()
        self.sync()
        return True

    def _unstick(self) -> None:
        """Reach the raw prompt past a program stuck in a read with its interrupt character
        off (the sync's writer and the fs reader take Ctrl-C for file data; zero is their
        abort flag): zero bytes end the read, Ctrl-A asks for the prompt."""
        self.write(bytes(UNSTICK))
        self.drain()
        self.write(CTRL_A)
        self.read_until(RAW_BANNER, "the raw REPL prompt (is a program holding the board?)")

    def sync(self) -> None:
        token = secrets.token_hex(4).encode()
        self.write(b"print('" + token + b"')" + CTRL_D)
        self.read_until(token, "a reply to the sync token")
        self.read_until(CTRL_D + CTRL_D + b">", "the end of the sync reply")
        self.buf.clear()

    def send_code(self, code: bytes, what: str = "the code") -> None:
        """Send code to run (for ``what``, named if the board turns out to have reset). For
        plain raw mode the board's ``OK`` is left in the buffer for the caller to parse
        with the output (:meth:`accept`), saving a round trip; raw-paste consumes its
        handshake here."""
        self.sent = code[:8]
        long = len(code) > PASTE_THRESHOLD and not self.transport.flow_controlled
        if not (long and self.raw_paste is not False and self._try_raw_paste(code, what)):
            self.write_plain(code)

    def accept(self, what: str, timeout: float | None = None) -> bytes:
        """Wait for the raw REPL's ``OK`` to the code just sent for ``what``; return the
        output before it (a board thread printed while nothing ran). A board that restarted
        meanwhile raises :class:`BoardReset` at once."""
        return self.read_until(b"OK", f"the board to accept {what}", timeout, answer_to=what)[:-2]

    def write_plain(self, code: bytes) -> None:
        # Without flow control a board's UART buffer can overrun: pace long code. A link
        # that paces itself (WebREPL's TCP) takes it whole, saving raw-paste's round trips.
        if len(code) <= 256 or self.transport.flow_controlled:
            self.write(code + CTRL_D)
            return
        for i in range(0, len(code), 256):
            self.write(code[i : i + 256])
            time.sleep(0.01)
        self.write(CTRL_D)

    def _try_raw_paste(self, code: bytes, what: str) -> bool:
        self.write(CTRL_E + b"A" + CTRL_A)
        reply = self.read_exact(2, "the raw-paste handshake")
        if reply == PASTE_REFUSED:
            self.raw_paste = False
            return False
        if reply != PASTE_ACCEPTED:
            # Firmware from before raw-paste echoes the bytes; return to a clean raw prompt.
            # A board that restarted answers otherwise (its banner, or its friendly REPL's
            # paste mode), which raises BoardReset.
            self.buf[:0] = reply
            awaited = "the raw REPL prompt after a refused raw-paste"
            self.read_until(RAW_BANNER, awaited, answer_to=what)
            self.raw_paste = False
            return False
        self.raw_paste = True
        window = int.from_bytes(self.read_exact(2, "the raw-paste window size"), "little")
        remaining = window
        i = 0
        while i < len(code):
            # Take in the board's flow-control bytes; block only when the window is used up.
            while self.buf or remaining == 0 or self.fill(0):
                if not self.buf and not self.fill(self.timeout):
                    raise DeviceTimeoutError("timed out waiting for raw-paste flow control")
                ctrl = self.buf.pop(0)
                if ctrl == CTRL_A[0]:
                    remaining += window
                elif ctrl == CTRL_D[0]:
                    self.write(CTRL_D)
                    raise InternalError("the board aborted the raw-paste transfer")
                else:
                    self.buf[:0] = bytes([ctrl])
                    if self._shows_restart_within(RESTART_GRACE):
                        self.write(CTRL_C)
                        raise BoardReset(what)
                    raise InternalError(f"unexpected byte {ctrl!r} during raw-paste")
            n = min(remaining, len(code) - i)
            self.write(code[i : i + n])
            i += n
            remaining -= n
        self.write(CTRL_D)
        self.read_until(CTRL_D, "the end-of-paste acknowledgement")
        self.buf[:0] = b"OK"  # so callers parse both modes the same way
        return True

    def exec_raw(
        self,
        code: bytes | str,
        on_stdout: Callable[[bytes], None] | None = None,
        timeout: float | None = None,
    ) -> bytes:
        """Run engine-written code whose output is under our control; return its stdout.

        An error on the board raises :class:`PyboardException` with its traceback.
        """
        if isinstance(code, str):
            code = code.encode()
        self.send_code(code)
        self.read_until(b"OK", "the board's OK")
        wait = self.timeout if timeout is None else timeout
        out = self.read_until(CTRL_D, "the end of the board's output", wait)[:-1]
        if on_stdout and out:
            on_stdout(out)
        err = self.read_until(CTRL_D, "the end of the board's error output")[:-1]
        self.read_until(b">", "the raw REPL prompt")
        if err:
            raise PyboardException(err.decode(errors="replace"))
        return out

    def interrupt(self) -> None:
        self.write(CTRL_C)

    def soft_reset(self) -> None:
        """Soft-reset from the raw prompt and come back to it."""
        self.write(CTRL_D)
        self.read_until(SOFT_REBOOT, "the soft reboot")
        self.read_until(RAW_BANNER, "the raw REPL prompt after the soft reboot")
        self.sync()

    def after_exit(self) -> bool:
        """The rest of the raw REPL's ending after code that raised ``SystemExit`` (its
        output read up to its end): whether the board soft-reset at it and is back at a
        clean raw prompt (True: since MicroPython 1.24 a ``SystemExit`` ends the raw REPL,
        which reboots into raw mode, as ``machine.soft_reset()`` always did), or went on at
        its raw prompt with its state (False: older firmware stops the code, no more)."""
        self.read_until(CTRL_D, "the end of the error output")
        ending = self.read_until(b">", "the raw REPL prompt or a soft reboot")
        if SOFT_REBOOT not in ending:
            return False
        if not ending.endswith(RAW_BANNER):  # boot.py printed a ">" of its own
            self.read_until(RAW_BANNER, "the raw REPL prompt after the soft reboot")
        self.sync()
        return True

    def leave(self) -> None:
        """Back to the friendly REPL (Ctrl-B)."""
        with contextlib.suppress(ConnectionLost):
            self.write(CTRL_B)
