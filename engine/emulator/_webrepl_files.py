"""The binary half of a WebREPL session: ``modwebrepl.c``'s file state machine, writing into
the virtual board's filesystem.

Bytes of binary frames form one stream, whatever the framing: an 82-byte request header,
then for a put ``size`` bytes of data, for a get one ``\\0`` per chunk asked for. Paths are
board paths, kept inside the board's root (``..`` stops at ``/``, symlinks may not lead out).

Where a board has no answer, this one gives a status: a board drops the connection when a
file cannot be opened (the exception ends its dupterm); here the request gets ``WB`` + the
errno and the session goes on (a failed put's data is read and discarded).
"""

from __future__ import annotations

import errno
import functools
import posixpath
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ..transport import _webrepl_protocol as wire
from ._interp import micropython_command

_DISCARD = -1  # reading the data of a put whose file could not be opened


class FileChannel:
    """Answers file requests; ``send`` puts one binary frame on the wire."""

    def __init__(self, root: Path, send: Callable[[bytes], None]) -> None:
        self.root = Path(root).resolve()
        self.send = send
        self._header = bytearray()
        self._op: int | None = None  # None: reading a header
        self._file: BinaryIO | None = None
        self._left = 0

    def feed(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self._op is None:
                take = wire.HEADER_SIZE - len(self._header)
                self._header += view[:take]
                view = view[take:]
                if len(self._header) == wire.HEADER_SIZE:
                    self._start(bytes(self._header))
                    self._header.clear()
            elif self._op == wire.GET_FILE:
                view = view[1:]  # each byte (a \0) asks for the next chunk
                self._send_chunk()
            else:
                n = min(self._left, len(view))
                if self._file is not None:
                    self._file.write(view[:n])
                view = view[n:]
                self._left -= n
                if not self._left:
                    self._end_put()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _start(self, header: bytes) -> None:
        _sig, kind, _flags, _offset, size, _len, field = wire.REQUEST.unpack(header)
        if kind == wire.GET_VER:
            self.send(bytes(firmware_version()))
            return
        try:
            if kind not in (wire.PUT_FILE, wire.GET_FILE):
                raise OSError(errno.EINVAL, "unknown request")
            path = self._host_path(field)
            self._file = open(path, "wb" if kind == wire.PUT_FILE else "rb")  # noqa: SIM115
        except OSError as e:
            self.send(wire.reply(e.errno or errno.EIO))
            if kind == wire.PUT_FILE and size:
                self._op, self._left = _DISCARD, size
            return
        self.send(wire.reply(0))
        self._op, self._left = kind, size
        if kind == wire.PUT_FILE and not size:
            self._end_put()

    def _end_put(self) -> None:
        if self._op == wire.PUT_FILE:
            self.close()
            self.send(wire.reply(0))
        self._op = None

    def _send_chunk(self) -> None:
        data = self._file.read(wire.CHUNK) if self._file is not None else b""
        self.send(len(data).to_bytes(2, "little") + data)
        if not data:
            self.close()
            self._op = None
            self.send(wire.reply(0))

    def _host_path(self, field: bytes) -> Path:
        """The host path of a request's name: a C string in its 64-byte field."""
        name, nul, _ = field.partition(b"\0")
        try:
            text = name.decode()
        except UnicodeDecodeError:
            text = ""
        if not nul or not text:
            raise OSError(errno.EINVAL, "bad file name")
        board_path = posixpath.normpath(posixpath.join("/", text))  # the board's cwd is /
        path = (self.root / board_path.lstrip("/")).resolve()
        if path != self.root and self.root not in path.parents:
            raise OSError(errno.EACCES, "outside the board's filesystem")
        return path


@functools.cache
def firmware_version() -> tuple[int, int, int]:
    """(major, minor, micro) of the MicroPython that runs the board, asked once."""
    done = subprocess.run(
        [*micropython_command(), "-c", "import sys;print(*sys.implementation.version[:3])"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    major, minor, micro = (int(x) for x in done.stdout.split()[:3])
    return major, minor, micro
