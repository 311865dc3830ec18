"""The wire between the host's end of the virtual port and the interpreter's pty.

One thread moves bytes both ways, paced by a :class:`Throttle` per direction, and plays the
parts of a board that the unix port does not: Ctrl-C as an interrupt only while code runs
with the interrupt character enabled, a soft reboot when the interpreter exits, and the
port going away on unplug.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import signal
import threading
import time
from collections.abc import Callable

from ._interp import Interpreter
from ._profiles import UNIX_BANNER_START, Profile, profile_named
from ._throttle import Throttle

RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n>"
RAW_PASTE_REQUEST = b"\x05A\x01"
RAW_PASTE_REFUSED = b"R\x00"
# How an interpreter ended by machine.reset() exits: killed (see the firmware's machine.py).
HARD_RESET_CODE = -signal.SIGKILL
# A Ctrl-C right after another waits this long. The first usually ends the running code,
# and the unix port, unlike a board, dies of a SIGINT that lands once it is back at its
# prompt; the relay's check for a handler cannot close that race, spacing makes it rare.
SIGINT_SPACING = 0.05


class Relay:
    """Moves bytes between a host-side fd (pty master) and an :class:`Interpreter`.

    ``spawn(kind)`` starts a fresh interpreter ("power-on", "soft" or "soft-raw"); the relay
    calls it again after the interpreter exits (a reset). ``bps`` limits both directions.
    ``profile`` says what the firmware prints and whether it takes raw-paste.
    """

    def __init__(
        self,
        host_fd: int,
        spawn: Callable[[str], Interpreter],
        bps: int = 0,
        profile: Profile | str = "micropython",
    ) -> None:
        self.host_fd = host_fd
        self._spawn = spawn
        self.profile = profile_named(profile)
        self.to_board = Throttle(bps)
        self.to_host = Throttle(bps)
        self._in: bytearray = bytearray()  # host -> board, not yet delivered
        self._out: bytearray = bytearray()  # board -> host, not yet delivered
        self._raw_mode = False
        self._tail = b""  # the last byte the board sent: b">" at a raw prompt
        self._boot_stage = ""  # "banner"/"raw": hiding a restarted interpreter's start-up
        self._boot_buf = bytearray()
        self._boot_raw = False
        self._boot_keep = True
        self._boot_talks = False
        self._boot_heard = False
        self._swap_lock = threading.Lock()
        self._dead = False
        self._wake_r, self._wake_w = os.pipe()
        self._stop = False
        self._sigint_hold = 0.0  # monotonic time before which a Ctrl-C waits
        self._hold: int | None = None  # bytes the board may still take before the link holds
        self.interp = spawn("power-on")
        self._swallow_banner(raw=False, keep=True)
        self.thread = threading.Thread(target=self._run, name="virtual-board-relay", daemon=True)
        self.thread.start()

    # -- control -------------------------------------------------------------------------

    def set_bps(self, bps: int) -> None:
        self.to_board.bps = bps
        self.to_host.bps = bps
        self._wake()

    def hold(self, after: int = 0) -> None:
        """Deliver ``after`` more bytes to the board, then hold the host's bytes back
        (the board's output still flows) until :meth:`release`."""
        with self._swap_lock:  # not between the loop's count of a write and its delivery
            self._hold = after
        self._wake()

    @property
    def holding(self) -> bool:
        """Whether :meth:`hold` is holding host bytes back now."""
        return self._hold == 0 and bool(self._in)

    def release(self) -> None:
        with self._swap_lock:
            self._hold = None
        self._wake()

    def stop(self) -> None:
        """Stop the thread and kill the interpreter (the board loses power)."""
        self._stop = True
        self._wake()
        if threading.current_thread() is not self.thread:
            self.thread.join(5)
        self.interp.kill()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def detach(self) -> None:
        """The host's side goes away (a pulled USB-serial adapter): the board runs on, and
        what it prints meanwhile is lost, as are bytes the host sent that it has not read."""
        with self._swap_lock:
            self.host_fd = -1
            self._in.clear()
            self._out.clear()
        self._wake()

    def attach(self, host_fd: int) -> None:
        """The host's side is back, as ``host_fd`` (a new pty master)."""
        with self._swap_lock:
            self.host_fd = host_fd
        self._wake()

    def power_cycle(self) -> None:
        """Kill the interpreter and boot a fresh one; bytes in flight are lost."""
        with self._swap_lock:
            self.interp.kill()
            self._in.clear()
            self._out.clear()
            self.interp = self._spawn("power-on")
            self._swallow_banner(raw=False, keep=True)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    # -- the loop ------------------------------------------------------------------------

    def _swallow_banner(self, raw: bool, keep: bool) -> None:
        """Hide a new interpreter's start-up until its prompt, then show what a board shows.

        ``keep``: show the banner (power-on); otherwise a soft reboot line. ``raw``: the board
        was in raw REPL, so enter it again before handing over. A CircuitPython board talks
        before its banner (code.py's output, "Press any key"): that passes through, and so
        does the host's key.
        """
        self._boot_stage = "banner"
        self._boot_buf.clear()
        self._boot_raw = raw
        self._boot_keep = keep
        self._boot_talks = self.profile.circuitpython and not raw
        self._boot_heard = False  # the booting firmware has spoken: it may wait for a key
        if not keep:
            self._out += self.profile.soft_reboot

    @property
    def _booting(self) -> bool:
        return self._boot_stage != ""

    @property
    def _input_held(self) -> bool:
        """Host bytes wait while a board boots, unless it is waiting for a key press."""
        return self._booting and not (self._boot_talks and self._boot_heard)

    def _boot_output(self, data: bytes) -> None:
        self._boot_buf += data
        if self._boot_talks and self._boot_stage == "banner":
            self._pass_boot_talk()
        buf = bytes(self._boot_buf)
        # The first prompt ends the start-up. A board that took a key while booting may
        # already have answered more: that is ordinary output after the banner.
        banner = buf.find(UNIX_BANNER_START)
        prompt = buf.find(b">>> ", banner) if banner >= 0 else -1
        if self._boot_stage == "banner" and prompt >= 0:
            end = prompt + 4
            if self._boot_raw:
                self._boot_stage = "raw"
                self._boot_buf[:end] = b""
                os.write(self.interp.fd, b"\x01")
                return
            self._out += self.profile.banner(buf[0 if self._boot_keep else banner : end])
            self._raw_mode = False
            self._tail = b" "
            self._boot_stage = ""
            self._boot_buf.clear()
            if buf[end:]:
                self._track_mode(buf[end:])
                self._out += buf[end:]
                self._tail = buf[-1:]
            return
        elif self._boot_stage == "raw" and buf.endswith(RAW_BANNER):
            self._out += RAW_BANNER
            self._raw_mode = True
            self._tail = b">"
        else:
            return
        self._boot_stage = ""
        self._boot_buf.clear()

    def _pass_boot_talk(self) -> None:
        """Show what the firmware says before its banner, holding back only what may be the
        start of the banner (to be rewritten once whole)."""
        buf = self._boot_buf
        i = buf.find(UNIX_BANNER_START)
        if i < 0:
            i = len(buf)
            for n in range(min(len(buf), len(UNIX_BANNER_START) - 1), 0, -1):
                if buf.endswith(UNIX_BANNER_START[:n]):
                    i -= n
                    break
        if i:
            self._out += self._boot_buf[:i]
            del self._boot_buf[:i]
            self._boot_heard = True

    def _track_mode(self, data: bytes) -> None:
        if RAW_BANNER[:-1] in data:
            self._raw_mode = True
        elif data.endswith(b">>> "):
            self._raw_mode = False

    def _run(self) -> None:
        while not self._stop:
            with self._swap_lock:
                timeout = self._step()
            if timeout is None:
                continue
            fds = [self._wake_r]
            if self.host_fd >= 0 and len(self._in) < 65536:
                fds.append(self.host_fd)
            if self.interp.fd >= 0 and not self._dead and len(self._out) < 65536:
                fds.append(self.interp.fd)
            wfds = []
            if self._out and self.to_host.allowance() > 0 and self.host_fd >= 0:
                wfds.append(self.host_fd)
            if (
                self._in
                and not self._input_held
                and self._open_to_board()
                and self.to_board.allowance() > 0
                and not self._held()
            ):
                wfds.append(self.interp.fd)
            try:
                r, _, _ = select.select(fds, wfds, [], timeout)
            except (OSError, ValueError):
                continue
            if self._wake_r in r:
                os.read(self._wake_r, 4096)

    def _step(self) -> float | None:
        """Move what can move now; return how long to wait, or None to loop at once."""
        self._read_host()
        self._read_interp()
        self._write_board()
        self._write_host()
        waits = [0.5]
        if self._out:
            waits.append(self.to_host.wait_time() or 0.05)
        if self._in and not self._input_held and self._open_to_board():
            held = self._sigint_hold - time.monotonic() if self._held() else 0
            waits.append(held or self.to_board.wait_time() or 0.05)
        return max(0.0005, min(waits))

    def _read_host(self) -> None:
        if self.host_fd < 0 or len(self._in) >= 65536:
            return
        try:
            self._in += os.read(self.host_fd, 65536)
        except BlockingIOError:
            pass
        except OSError as e:
            if e.errno != errno.EIO:
                raise

    def _read_interp(self) -> None:
        if self._dead or len(self._out) >= 65536:
            return
        try:
            data = os.read(self.interp.fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            if self._booting:
                self._boot_output(data)
            else:
                self._track_mode(data)
                self._out += data
                self._tail = data[-1:]
            return
        # The interpreter's side closed: it exited (soft reset, machine.reset or a crash).
        code = self.interp.process.wait()
        self.interp.close()
        if self._booting:
            # It died before reaching its prompt: a broken install, not a reset. Stay dead
            # rather than spin, and say why on the port as a board's boot error would.
            self._out += b"virtual board: MicroPython failed to start (exit %d)\r\n" % code
            self._dead = True
            return
        hard = code == HARD_RESET_CODE
        raw = self._raw_mode and not hard
        self.interp = self._spawn("power-on" if hard else "soft-raw" if raw else "soft")
        self._swallow_banner(raw=raw, keep=hard)

    def _write_board(self) -> None:
        if not self._in or self._input_held or self._refuse_raw_paste():
            return
        n = min(len(self._in), self.to_board.allowance())
        if self._hold is not None:
            n = min(n, self._hold)
        if n <= 0:
            return
        chunk = bytes(self._in[:n])
        cut = chunk.find(b"\x03")
        if cut == 0:
            if self._held():
                return
            if self.interp.has_sigint_handler():
                self._sigint_hold = time.monotonic() + SIGINT_SPACING
                self.interp.interrupt()
                del self._in[:1]
                self._delivered(1)
                return
            cut = chunk.find(b"\x03", 1)
        if cut > 0:
            chunk = chunk[:cut]
        try:
            sent = os.write(self.interp.fd, chunk)
        except BlockingIOError:
            return
        except OSError:
            return
        del self._in[:sent]
        self._delivered(sent)
        self._tail = b""

    def _delivered(self, n: int) -> None:
        self.to_board.spend(n)
        if self._hold is not None:
            self._hold -= n

    def _open_to_board(self) -> bool:
        """Whether the link may carry bytes to the board (not held by :meth:`hold`)."""
        return self._hold is None or self._hold > 0

    def _refuse_raw_paste(self) -> bool:
        """Firmware without raw-paste answers its request at the raw prompt with ``R\x00``.
        True while the request is still arriving (nothing may pass meanwhile)."""
        if self.profile.raw_paste or not self._raw_mode or self._tail != b">":
            return False
        head = bytes(self._in[: len(RAW_PASTE_REQUEST)])
        if head == RAW_PASTE_REQUEST:
            del self._in[: len(RAW_PASTE_REQUEST)]
            self._out += RAW_PASTE_REFUSED
            return False
        return RAW_PASTE_REQUEST.startswith(head)

    def _held(self) -> bool:
        """A Ctrl-C is next but must wait (see SIGINT_SPACING)."""
        return self._in[:1] == b"\x03" and time.monotonic() < self._sigint_hold

    def _write_host(self) -> None:
        if self.host_fd < 0:
            self._out.clear()  # nobody listens: a detached adapter's output is lost
            return
        if not self._out:
            return
        n = min(len(self._out), self.to_host.allowance())
        if n <= 0:
            return
        try:
            sent = os.write(self.host_fd, bytes(self._out[:n]))
        except BlockingIOError:
            return
        except OSError:
            self._out.clear()
            return
        del self._out[:sent]
        self.to_host.spend(sent)
