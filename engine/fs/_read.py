"""Reading files from the board: the whole tree of the asked paths in one command.

The board lists what it will send, then streams every file as frames (kind, length,
payload). Over a binary-safe link the frames are raw bytes with the interrupt character
off, paced by the host's one-byte acknowledgement per frame (at most ``WINDOW`` frames
ahead), so the board can be told to stop between frames and never floods a slow host; on
a link that is not binary-safe (or with ``raw=False``) the same frames come as base64
lines. Chunks arrive deflated when the board can compress and the data shrinks. Each file
ends with its sha256, checked here. A file that arrives damaged (a wrong sha256, a deflated
chunk that does not inflate) stops the read as a cancel does, so the board ends its stream
and the link stays at a clean prompt, and is then a one-line error.

Over WebREPL the listing is one exchange and the bytes come over the binary file channel,
every request sent at once.
"""

from __future__ import annotations

import binascii
import errno
import hashlib
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from .. import codec
from ..exceptions import BoardFileError, DeviceTimeoutError, InternalError
from ..transfers import ProgressCallback, Reporter, deferred_interrupt
from ..transport._webrepl_protocol import MAX_NAME
from . import _board
from ._errors import board_errors, explain
from ._ops import walk

if TYPE_CHECKING:
    from ..connection import Stream
    from ..device import Device

FileSink = Callable[[str, bytes], None]  # (board path, content) of each file read


@dataclass(frozen=True)
class Listing:
    """What a read covered: (board path, size) of each entry, size -1 for a folder."""

    entries: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(size for _path, size in self.entries if size > 0)


def read_paths(
    device: Device,
    paths: list[str],
    on_file: FileSink,
    progress: ProgressCallback | None = None,
    *,
    raw: bool | None = None,
    cancel: threading.Event | None = None,
    folders: bool = True,
) -> Listing:
    """Read every file in or under ``paths`` (absolute board paths), giving each to
    ``on_file`` as it completes; returns the listing (folders included). ``raw=False``:
    base64 frames even where raw bytes would do. ``cancel``: stop between frames
    (raises :class:`BoardFileError`; files already given to ``on_file`` are whole).
    ``folders=False``: a folder among ``paths`` is an error (EISDIR), not walked."""
    with board_errors(paths[0]):
        channel = device.connection.file_channel
        if channel is not None:
            listing = Listing(walk(device, paths))
            if not folders and listing.entries[0][1] < 0:
                raise explain(errno.EISDIR, paths[0])
            files: list[tuple[str, int | None]] = [
                (p, size) for p, size in listing.entries if size >= 0
            ]
            if all(len(p.encode()) <= MAX_NAME for p, _size in files):
                counter = Reporter(device, progress, listing.total, "get")
                contents = channel.get_files(files, lambda n: counter.advance(n, ""))
                for (path, _size), data in zip(files, contents, strict=True):
                    on_file(path, data)
                return listing
            # A name too long for the channel's 64-byte field: the REPL carries the bytes.
        return _Receiver(device, on_file, progress, cancel).run(paths, raw, folders)


class _Receiver:
    """Runs the board's reader and takes its frames apart."""

    def __init__(
        self,
        device: Device,
        on_file: FileSink,
        progress: ProgressCallback | None,
        cancel: threading.Event | None,
    ) -> None:
        self.device = device
        self.on_file = on_file
        self.progress = progress
        self.cancel = cancel
        self.interrupted = threading.Event()
        self.damaged: str | None = None  # the path of a file that arrived damaged

    def stopped(self) -> bool:
        cancelled = self.cancel is not None and self.cancel.is_set()
        return self.interrupted.is_set() or cancelled or self.damaged is not None

    def run(self, paths: list[str], raw: bool | None, folders: bool) -> Listing:
        what = f"reading {paths[0]}" if len(paths) == 1 else f"reading {len(paths)} paths"
        link = self.device.connection
        use_raw = raw is not False and link.binary_safe
        args = ",".join([codec.to_literal(paths, "the paths"), str(int(use_raw))])
        args += f",{_board.WINDOW},{_board.ABORT},{int(folders)}"
        code = _board.reader_code() + _board.guarded(f"_BKg({args})")
        token = link.token_bytes
        with deferred_interrupt() as self.interrupted, link.hold(what) as stream:
            s = _Reader(stream)
            stream.send_code(code, what)
            stream.accept(what)
            stray = s.read_until(token, f"the board to start {what}")[: -len(token)]
            go = s.read_exact(3, f"the board to start {what}")
            if go not in (b"Y0:", b"Y1:"):  # the command failed first: its reply says why
                stream.buf[:0] = token + go
                reply = stream.read_reply(what, accepted=True, output=stray)
                self.device.decode(reply, what)
                raise InternalError(f"the board's reader sent {go!r} instead of its stream")
            try:
                listing = self._frames(s, go == b"Y1:")
            except BaseException:
                stream.abandon()
                raise
            self.device.decode(stream.read_reply(what, accepted=True, output=stray), what)
        if self.interrupted.is_set():
            raise KeyboardInterrupt
        if self.damaged is not None:
            raise BoardFileError(f"{self.damaged} arrived damaged; read it again")
        if self.stopped():
            raise BoardFileError("cancelled; the files already read are whole")
        return listing

    def _frames(self, s: _Reader, raw: bool) -> Listing:
        kind, payload = self._frame(s, raw)
        if kind != _board.LISTING:
            raise InternalError(f"the board's reader began with frame kind {kind}")
        entries = cast(list, codec.from_literal(payload.decode(), "the listing"))
        listing = Listing([(path, size) for path, size in entries])
        counter = Reporter(self.device, self.progress, listing.total, "get")
        files = iter(p for p, size in listing.entries if size >= 0)
        path, data = next(files, ""), bytearray()
        while kind != _board.END:
            if raw:  # one acknowledgement per frame (none for the end)
                s.write(bytes([_board.ABORT if self.stopped() else 1]))
            kind, payload = self._frame(s, raw)
            if self.damaged is not None:
                continue  # the board was told to stop: what it sent meanwhile is not kept
            if kind in (_board.STORED, _board.DEFLATED):
                chunk = _inflate(payload) if kind == _board.DEFLATED else payload
                if chunk is None:
                    self.damaged = path
                    continue
                data += chunk
                counter.advance(len(chunk), path)
            elif kind == _board.FILE_END:
                if not self.stopped():
                    if payload and hashlib.sha256(data).hexdigest() != payload.decode():
                        self.damaged = path
                        continue
                    self.on_file(path, bytes(data))
                path, data = next(files, ""), bytearray()
        return listing

    @staticmethod
    def _frame(s: _Reader, raw: bool) -> tuple[int, bytes]:
        if raw:
            head = s.read_exact(5, "the next frame of the file stream")
            size = int.from_bytes(head[1:], "little")
            return head[0], s.read_exact(size, "the file stream") if size else b""
        frame = binascii.a2b_base64(s.read_until(b"\n", "the next line of the file stream"))
        return frame[0], frame[5:]


def _inflate(payload: bytes) -> bytes | None:
    """A deflated chunk's bytes, or None for one that is not a whole raw DEFLATE stream
    (noise on the line, a faulty compressor): damage, as a wrong sha256 is."""
    try:
        return zlib.decompress(payload, -15)
    except zlib.error:
        return None


class _Reader:
    """Exact reads on a held stream."""

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        self.write = stream.write

    def read_until(self, marker: bytes, what: str) -> bytes:
        return self.stream.read_until(marker, what)

    def read_exact(self, n: int, what: str) -> bytes:
        """``n`` bytes; each wait for more may take the link's timeout."""
        buf = self.stream.buf
        while len(buf) < n:
            if not self.stream.fill(self.stream.timeout):
                raise DeviceTimeoutError(f"timed out waiting for {what}")
        out = bytes(buf[:n])
        del buf[:n]
        return out
