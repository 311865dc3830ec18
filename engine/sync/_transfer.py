"""Carrying out a :class:`SyncPlan`: deletions, folders, then each file written under a
temporary name, checked against its hash and renamed into place.

File data travels as raw bytes: the board turns off its interrupt character
(``micropython.kbd_intr(-1)``) and reads ``sys.stdin.buffer`` while the host streams
chunks, each flagged stored or deflated (raw deflate with a 1 KB window, which a board
inflates in little RAM). Flow control is by credit: the host never has more than
``window`` unacknowledged bytes on the wire, and the board sends one ``\\x01`` for each
``unit`` bytes it has consumed, so a board busy writing flash cannot lose data to a full
UART buffer. Boards that cannot read raw stdin get the same writer driven by base64 commands.

A power cut leaves, at worst, a ``.~belay`` temporary file beside the old file; the next
plan lists it for deletion.
"""

from __future__ import annotations

import binascii
import re
import threading
import time
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .. import codec
from .._repl import CTRL_D
from .._reply import ReplyKind, token_prefix_len
from ..events import Synced
from ..exceptions import ConnectionLost, DeviceTimeoutError, SyncError
from ..transfers import ProgressCallback, Reporter, deferred_interrupt
from ._board import ABORT, DEFLATED, STORED, writer_code
from ._paths import parents
from ._plan import SyncEntry, SyncPlan
from ._webrepl import fits, send_webrepl

if TYPE_CHECKING:
    from ..connection import Stream
    from ..device import Device

WBITS = 10  # deflate window: 1 KB of RAM on the board
INFLATE_BUFFER = 1024
CHUNK = 8192  # raw bytes per chunk; each is an independent deflate stream
SMALL_CHUNK = 2048  # for boards with little free memory
SMALL_BOARD = 64 * 1024
TEXT_CHUNK = 2048  # per command in the text fallback (2.7 KB of base64)
FILES_PER_COMMAND = 64  # bounds the size of the file list the board parses at once
# Flow control. A board's UART buffer holds a few hundred bytes; the unix port (the virtual
# board) reads from a pty that holds kilobytes.
UNIT, WINDOW = 128, 256
UNIX_UNIT, UNIX_WINDOW = 1024, 4096
# What a board prints when it restarts (its banner, a soft reboot, the raw REPL's greeting);
# seen mid-stream it means the transfer is lost.
_REBOOT = re.compile(rb"(Micro|Circuit)Python \S+ on \d{4}-\d\d-\d\d|soft reboot|raw REPL; CTRL-B")

ACK = b"\x01"  # the board consumed another ``unit`` bytes

#: How a sync's files travelled: the raw stream, base64 commands, WebREPL's file channel,
#: or not at all (nothing to do).
SyncMode = Literal["raw", "text", "webrepl", "none"]


@dataclass(frozen=True)
class SyncResult:
    """What a sync did: the plan it carried out, and what it cost on the wire."""

    plan: SyncPlan
    files_written: int
    bytes_written: int  # file bytes now on the board
    bytes_sent: int  # bytes the host sent, code included
    seconds: float
    mode: SyncMode
    compressed: bool

    @property
    def not_minified(self) -> dict[str, str]:
        """Files written as they are although minifying was asked for: path -> reason."""
        notes = self.plan.not_minified
        return {e.path: notes[e.path] for e in self.plan.writes if e.path in notes}


@dataclass
class _File:
    path: str
    digest: str
    chunks: list[tuple[int, bytes]]  # (flag, payload)


def apply_plan(
    device: Device,
    plan: SyncPlan,
    progress: ProgressCallback | None = None,
    *,
    compress: bool | None = None,
    raw: bool | None = None,
    cancel: threading.Event | None = None,
) -> SyncResult:
    """Carry out ``plan``. ``compress`` / ``raw``: force deflate or the raw stream off (or
    on, where the board can); by default each is used when the board has it. ``cancel``:
    set it to stop after the current chunk (the file being written is dropped)."""
    plan.check_room()
    start = time.perf_counter()
    link = device.connection
    sent0 = link.stats.bytes_out
    board = plan.board
    use_raw = board.raw and link.binary_safe if raw is None else raw and board.raw
    use_deflate = board.deflate if compress is None else compress and board.deflate
    if plan.is_noop:
        seconds = time.perf_counter() - start
        device.events.publish(Synced(plan.dst, (), (), seconds))
        return SyncResult(plan, 0, 0, 0, seconds, "none", False)
    if board.read_only:
        raise SyncError(READ_ONLY)
    chunk = CHUNK if board.mem_free >= SMALL_BOARD else SMALL_CHUNK
    prepare = _prepare_call(plan)
    channel = link.file_channel
    direct = [e for e in plan.writes if fits(e)] if channel else []
    mode: SyncMode
    if channel is not None and direct:
        # WebREPL's file channel; a name too long for it goes the text way.
        mode, use_raw, use_deflate = "webrepl", False, False
        files = [_encode(e, plan, TEXT_CHUNK, False) for e in plan.writes if not fits(e)]
        total = sum(len(plan.contents[e.path]) for e in direct) + sum(map(_wire, files))
        report = Reporter(device, progress, total, "sync")
        errors = send_webrepl(device, channel, plan, direct, prepare, report, cancel)
        if files:
            errors += _send_text(device, prepare, files, report, cancel)
    else:
        mode = "raw" if use_raw else "text"
        if not use_raw:
            chunk = min(chunk, TEXT_CHUNK)
        files = [_encode(e, plan, chunk, use_deflate) for e in plan.writes]
        report = Reporter(device, progress, sum(_wire(f) for f in files), "sync")
        if use_raw and files:
            unix = device.implementation is not None and device.implementation.platform == "linux"
            errors = _RawSender(device, report, cancel, unix).run(prepare, files)
        else:
            errors = _send_text(device, prepare, files, report, cancel)
    if any(_read_only(why) for _, why in errors):
        raise SyncError(READ_ONLY)
    if errors:
        shown = "; ".join(f"{path}: {why}" for path, why in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise SyncError(f"{len(errors)} path(s) could not be synced: {shown}{more}")
    sent = link.stats.bytes_out - sent0
    seconds = time.perf_counter() - start
    written = tuple(e.path for e in plan.writes)
    deleted = tuple(e.path for e in plan.deleted)
    device.events.publish(Synced(plan.dst, written, deleted, seconds))
    return SyncResult(
        plan,
        len(plan.writes),
        plan.bytes_to_write,
        sent,
        seconds,
        mode if plan.writes else "none",
        use_deflate,
    )


# CircuitPython lends its filesystem to the USB drive and keeps it read-only to code until
# boot.py says otherwise (Belay's CircuitPython page asks for the same two lines).
READ_ONLY = (
    "the board's filesystem is read-only to code, as CircuitPython keeps it while the "
    "CIRCUITPY drive is writable: put 'import storage; storage.remount(\"/\", False)' in "
    "boot.py on the CIRCUITPY drive and reset the board; nothing was written"
)


def _read_only(why: str) -> bool:
    """Whether a board error is EROFS (errno 30): the filesystem refuses every write."""
    return why.startswith(("OSError(30,", "[Errno 30]")) or "EROFS" in why


def _prepare_call(plan: SyncPlan) -> bytes:
    """``_BSb(...)``: remove files and folders (deepest first), make folders (shallowest
    first, including ``dst`` and every folder a written file lives in)."""
    remove = [e.path for e in plan.deleted if not e.is_dir]
    rmdirs = sorted(
        (e.path.rstrip("/") for e in plan.deleted if e.is_dir), key=lambda p: -p.count("/")
    )
    make = {e.path.rstrip("/") for e in plan.added if e.is_dir}
    for e in plan.writes:
        make.update("/" + p for p in parents(e.path.lstrip("/")))
    if plan.dst != "/":
        make.update("/" + p for p in parents(plan.dst.lstrip("/") + "/x"))
    mkdirs = sorted(make, key=lambda p: (p.count("/"), p))
    args = ",".join(codec.to_literal(v, "the sync") for v in (remove, rmdirs, mkdirs))
    return f"_BSb({args},{WBITS},{INFLATE_BUFFER})\n".encode()


def _encode(entry: SyncEntry, plan: SyncPlan, chunk: int, deflate: bool) -> _File:
    data = plan.contents[entry.path]
    chunks = []
    for i in range(0, len(data), chunk):
        piece = data[i : i + chunk]
        if deflate:
            z = zlib.compressobj(9, zlib.DEFLATED, -WBITS)
            packed = z.compress(piece) + z.flush()
            if len(packed) < len(piece) - 16:  # deflate only where it helps
                chunks.append((DEFLATED, packed))
                continue
        chunks.append((STORED, piece))
    return _File(entry.path, plan.check_digest(entry.path), chunks)


def _wire(f: _File) -> int:
    return sum(1 + len(data) for _flag, data in f.chunks)


def call(device: Device, code: bytes, what: str) -> Any:
    """One command of the writer. Not sent again after a reconnect (the writer's state is
    gone with the reset): the sync as a whole is redone instead."""
    return device.call(code, what, resend=False)


class _RawSender:
    """Streams files to ``_BSr`` on the board with credit-based flow control."""

    def __init__(
        self, device: Device, report: Reporter, cancel: threading.Event | None, unix: bool
    ) -> None:
        self.device = device
        self.report = report
        self.cancel = cancel
        self.unit, self.window = (UNIX_UNIT, UNIX_WINDOW) if unix else (UNIT, WINDOW)
        self.token = device.connection.token_bytes
        self.stream: Stream  # set for each batch
        self.credit = 0  # bytes we may still send before the next acknowledgement
        self.unsent = 0  # bytes of this batch not yet sent
        self.stray = bytearray()  # board output that is not flow control

    def run(self, prepare: bytes, files: list[_File]) -> list[tuple[str, str]]:
        errors: list[tuple[str, str]] = []
        head = writer_code() + prepare
        with deferred_interrupt() as interrupted:
            for i in range(0, len(files), FILES_PER_COMMAND):
                batch = files[i : i + FILES_PER_COMMAND]
                last = i + FILES_PER_COMMAND >= len(files)
                errors += self._batch(head, batch, last, interrupted)
                head = b""
                if self._stopped(interrupted):
                    break
        if interrupted.is_set():
            raise KeyboardInterrupt
        if self.cancel is not None and self.cancel.is_set():
            raise SyncError("sync cancelled; files already renamed into place are complete")
        return errors

    def _stopped(self, interrupted: threading.Event) -> bool:
        return interrupted.is_set() or (self.cancel is not None and self.cancel.is_set())

    def _batch(
        self, head: bytes, batch: list[_File], last: bool, interrupted: threading.Event
    ) -> list[tuple[str, str]]:
        listing = [(f.path, f.digest, [len(d) for _, d in f.chunks]) for f in batch]
        biggest = max((len(d) for f in batch for _, d in f.chunks), default=0)
        call = f"_BSr({codec.to_literal(listing, 'the file list')},{self.unit},{biggest})"
        tail = "\n _BSS.clear()" if last else ""
        code = head + f"try:\n {call}{tail}\nexcept Exception as e:\n _BE(e)\n".encode()
        with self.device.connection.hold("the sync") as stream:
            self.stream = stream
            stream.send_code(code, "the sync")
            stream.accept("the sync")
            self.unsent = sum(_wire(f) for f in batch)
            try:
                if self._wait_ready():
                    self._stream(batch, interrupted)
            except _Replied:
                if self.unsent > 0:
                    # The writer ended early: what was sent after it reached the raw REPL
                    # as code, so the next exchange starts from a fresh prompt.
                    stream.abandon()
            return self._finish()

    def _stream(self, batch: list[_File], interrupted: threading.Event) -> None:
        self.credit = self.window
        for f in batch:
            for flag, data in f.chunks:
                if self._stopped(interrupted):
                    self.unsent = 1  # the abort byte is all the board still reads
                    self._send(bytes([ABORT]))
                    return
                self._send(bytes([flag]) + data)
                self.report.advance(1 + len(data), f.path)

    def _wait_ready(self) -> bool:
        """Wait for ``_BSr``'s go-ahead; False if the command ended before it (an error)."""
        marker = self.token + ReplyKind.READY.encode() + b"0:"  # an empty payload
        buf = self.stream.buf
        while True:
            i = buf.find(marker)
            if i >= 0:
                self.stray += buf[:i]
                del buf[: i + len(marker)]
                return True
            if CTRL_D in buf:
                return False
            if not self.stream.fill(self.stream.timeout):
                raise DeviceTimeoutError("timed out waiting for the board to start the sync")

    def _send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            while self.credit <= 0:
                if not self.stream.fill(self.stream.timeout):
                    raise DeviceTimeoutError(
                        "timed out: the board stopped taking sync data (is it still running?)"
                    )
                self._take()
            n = min(self.credit, len(view))
            self.stream.write(view[:n])
            self.credit -= n
            self.unsent -= n
            view = view[n:]
            if self.stream.fill(0):
                self._take()

    def _take(self) -> None:
        """Turn acknowledgements in the receive buffer into credit; keep other output aside,
        and leave a reply (the token onwards) in the buffer for :meth:`_finish`."""
        buf = self.stream.buf
        end = buf.find(self.token)
        if end < 0:
            end = len(buf) - token_prefix_len(buf, self.token)
        acks = buf.count(1, 0, end)
        self.credit += acks * self.unit
        if acks != end:
            self.stray += buf[:end].replace(ACK, b"")
        del buf[:end]
        if buf.startswith(self.token):
            raise _Replied
        self._check_reboot(self.stray)

    @staticmethod
    def _check_reboot(output: bytes | bytearray) -> None:
        if _REBOOT.search(output):
            raise ConnectionLost(
                "the board restarted during the sync; files already renamed into place are "
                "complete and the rest untouched: sync again"
            )

    def _finish(self) -> list[tuple[str, str]]:
        """Read ``_BSr``'s reply (the list of files that failed), passing other output on."""
        buf = self.stream.buf
        while self.token not in buf and CTRL_D not in buf:
            self._check_reboot(bytes(buf))
            if not self.stream.fill(self.stream.timeout):
                raise DeviceTimeoutError("timed out waiting for the board to finish the sync")
        cut = buf.find(self.token)
        if cut < 0 or CTRL_D in buf[:cut]:
            cut = buf.find(CTRL_D)
        output = bytes(self.stray) + bytes(buf[:cut]).replace(ACK, b"")
        del buf[:cut]
        self.stray.clear()
        reply = self.stream.read_reply("the sync", accepted=True, output=output)
        return [tuple(e) for e in self.device.decode(reply, "the sync")]


class _Replied(Exception):
    """The board's writer replied (normally after the last byte; earlier after an error)."""


def _send_text(
    device: Device,
    prepare: bytes,
    files: list[_File],
    report: Reporter,
    cancel: threading.Event | None,
) -> list[tuple[str, str]]:
    """The fallback: the same writer, fed one base64 chunk per command."""
    head = writer_code() + b"from binascii import a2b_base64 as _BSd\n" + prepare
    final = b"_BF('R',repr(_BSS['e']))\n_BSS.clear()"
    if not files:
        return [tuple(e) for e in call(device, head + final, "the sync")]
    call(device, head + b"_BF('R','0')", "the sync")
    for f in files:
        for step, size in _text_steps(f):
            if cancel is not None and cancel.is_set():
                call(device, b"_BSS['k']='cancelled'\n_BSc()\n_BF('R','0')", "the sync")
                raise SyncError("sync cancelled; files already renamed into place are complete")
            call(device, step + b"\n_BF('R','0')", f"the sync of {f.path}")
            if size:
                report.advance(size, f.path)
    return [tuple(e) for e in call(device, final, "the sync")]


def _text_steps(f: _File) -> list[tuple[bytes, int]]:
    """Commands for one file, with their wire bytes: open with the first chunk, close with
    the last."""
    steps: list[list[str]] = [[]]
    sizes = [0]
    for n, (flag, data) in enumerate(f.chunks):
        text = binascii.b2a_base64(data, newline=False).decode()
        if n:
            steps.append([])
            sizes.append(0)
        steps[-1].append(f"_BSw(_BSd({text!r}),{int(flag == DEFLATED)})")
        sizes[-1] = 1 + len(data)
    steps[0].insert(0, f"_BSo({f.path!r},{f.digest!r})")
    steps[-1].append("_BSc()")
    return [("\n".join(lines).encode(), size) for lines, size in zip(steps, sizes, strict=True)]
