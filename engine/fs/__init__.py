"""The board's files from the host: ``device.fs``.

``ls``, ``stat``, ``tree``, ``df``, ``sha256``, ``mkdir``, ``remove`` and ``rename`` are one
exchange each. Reading streams raw bytes (see ``_read``); writing is the sync's writer: a
temporary file, checked against its hash, renamed into place. Paths are board paths:
relative ones start at ``/``, and ``..`` never climbs above ``/``.
"""

from __future__ import annotations

import errno
import os
import posixpath
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..exceptions import BoardFileError
from ..sync import SyncResult, ignore_spec, put_files, resolve_path, scan
from ._errors import explain
from ._ops import run, walk
from ._read import Listing, ProgressCallback, read_paths

if TYPE_CHECKING:
    from ..device import Device

__all__ = ["BoardFiles", "DiskUsage", "FileInfo"]

HOST_TEMP = ".~belay"  # a file being fetched, renamed into place once whole


@dataclass(frozen=True)
class FileInfo:
    """A board file or folder. ``size`` is 0 for a folder."""

    path: str
    size: int
    is_dir: bool

    @property
    def name(self) -> str:
        return posixpath.basename(self.path) or "/"

    @classmethod
    def of(cls, path: str, size: int) -> FileInfo:
        """From the board's (path, size) pairs, where a folder's size is -1."""
        return cls(path, max(size, 0), size < 0)


@dataclass(frozen=True)
class DiskUsage:
    """The board filesystem's size in bytes."""

    total: int
    used: int
    free: int


def board_path(path: str | os.PathLike) -> str:
    """``path`` as an absolute board path (see the module's rules)."""
    return resolve_path(str(path), BoardFileError)


class BoardFiles:
    """The board's filesystem, as ``device.fs``."""

    def __init__(self, device: Device) -> None:
        self.device = device

    # -- looking ---------------------------------------------------------------------------

    def ls(self, path: str = "/") -> list[FileInfo]:
        """The entries of a folder, folders first, then by name."""
        path = board_path(path)
        items = run(self.device, "list", "_BKl", path)
        infos = [FileInfo.of(posixpath.join(path, name), size) for name, size in items]
        return sorted(infos, key=lambda i: (not i.is_dir, i.name))

    def stat(self, path: str) -> FileInfo:
        """A file's size, or that it is a folder; :class:`BoardFileError` if missing."""
        path = board_path(path)
        return FileInfo.of(path, run(self.device, "stat", "_BKs", path))

    def exists(self, path: str) -> bool:
        try:
            self.stat(path)
        except BoardFileError as e:
            if e.errno == errno.ENOENT:
                return False
            raise
        return True

    def tree(self, path: str = "/") -> list[FileInfo]:
        """Everything under ``path`` (a folder), depth first, in one exchange."""
        path = board_path(path)
        entries = walk(self.device, [path])
        if entries[0][1] >= 0:
            raise explain(errno.ENOTDIR, path)
        return [FileInfo.of(p, size) for p, size in entries[1:]]

    def df(self, path: str = "/") -> DiskUsage:
        """Total, used and free bytes of the filesystem holding ``path``."""
        return DiskUsage(*run(self.device, "df", "_BKd", board_path(path)))

    def sha256(self, path: str) -> str:
        """The file's sha256 in hex, computed on the board (nothing else travels)."""
        return run(self.device, "hash", "_BKh", board_path(path))

    # -- reading ---------------------------------------------------------------------------

    def read_bytes(
        self,
        path: str,
        progress: ProgressCallback | None = None,
        *,
        raw: bool | None = None,
        cancel: threading.Event | None = None,
    ) -> bytes:
        """The content of a board file."""
        got: list[bytes] = []
        path = board_path(path)
        read_paths(
            self.device,
            [path],
            lambda _path, data: got.append(data),
            progress,
            raw=raw,
            cancel=cancel,
            folders=False,
        )
        return got[0]

    def get(
        self,
        src: str,
        dst: str | os.PathLike | None = None,
        progress: ProgressCallback | None = None,
        *,
        raw: bool | None = None,
        cancel: threading.Event | None = None,
    ) -> Listing:
        """Fetch a board file, or a folder with all it holds, to ``dst`` here (default: its
        name in the current folder; into ``dst`` when that is a folder, as ``cp`` does).
        Each file appears whole or not at all. Returns what was read."""
        src = board_path(src)
        target = Path(dst if dst is not None else posixpath.basename(src) or ".")
        if target.is_dir():
            target = target / (posixpath.basename(src) or "board")
        root = src.rstrip("/")

        def place(path: str, data: bytes) -> None:
            rel = path[len(root) :].lstrip("/")
            out = target / rel if rel else target
            out.parent.mkdir(parents=True, exist_ok=True)
            temp = out.with_name(out.name + HOST_TEMP)
            temp.write_bytes(data)
            os.replace(temp, out)

        listing = read_paths(self.device, [src], place, progress, raw=raw, cancel=cancel)
        for path, size in listing.entries:
            if size < 0:  # empty folders too
                (target / path[len(root) :].lstrip("/")).mkdir(parents=True, exist_ok=True)
        return listing

    # -- writing ---------------------------------------------------------------------------

    def write_bytes(
        self, path: str, data: bytes, progress: ProgressCallback | None = None
    ) -> SyncResult:
        """Write a board file atomically (its folders are made if missing)."""
        path = board_path(path)
        if path == "/":
            raise explain(errno.EISDIR, path)
        folder, name = posixpath.split(path)
        return put_files(self.device, folder, {name: bytes(data)}, {}, progress)

    def put(
        self,
        src: str | os.PathLike,
        dst: str = "/",
        progress: ProgressCallback | None = None,
        *,
        cancel: threading.Event | None = None,
    ) -> SyncResult:
        """Send a file or a folder from here; into ``dst`` when that is a board folder (or
        ends with ``/``), else as ``dst``, as ``cp`` does. Atomic per file, as a sync
        writes; files with the same bytes already there are not sent again."""
        source = Path(src)
        if not source.exists():
            raise BoardFileError(f"{source} does not exist here")
        target = board_path(dst)
        there = self._kind(target)
        if dst.endswith("/") or (there is not None and there.is_dir):
            target = posixpath.join(target, source.name)
            there = self._kind(target)
        if source.is_dir():
            if there is not None and not there.is_dir:
                raise BoardFileError(f"{target} is a file on the board, not a folder")
            tree = scan(source, ignore_spec([]))
            contents = {rel: f.path.read_bytes() for rel, f in tree.files.items()}
            sources = {rel: f.path for rel, f in tree.files.items()}
            return put_files(self.device, target, contents, sources, progress, cancel=cancel)
        if there is not None and there.is_dir:
            raise explain(errno.EISDIR, target)
        folder, name = posixpath.split(target)
        contents, sources = {name: source.read_bytes()}, {name: source}
        return put_files(self.device, folder, contents, sources, progress, cancel=cancel)

    def _kind(self, path: str) -> FileInfo | None:
        try:
            return self.stat(path)
        except BoardFileError as e:
            if e.errno in (errno.ENOENT, errno.ENOTDIR):
                return None
            raise

    # -- changing --------------------------------------------------------------------------

    def mkdir(self, path: str, parents: bool = False) -> None:
        """Make a folder; with ``parents``, its missing parents too, and an existing
        folder is no error."""
        path = board_path(path)
        if path == "/":
            if parents:
                return
            raise explain(errno.EEXIST, path)
        run(self.device, "mkdir", "_BKm", path, parents)

    def remove(self, path: str, recursive: bool = False) -> None:
        """Remove a file; a folder only with ``recursive`` (with everything in it). The
        root folder itself is never removed."""
        path = board_path(path)
        if path == "/":
            raise BoardFileError("the board's root folder cannot be removed")
        run(self.device, "remove", "_BKr", path, recursive)

    def rename(self, src: str, dst: str) -> None:
        """Rename or move a file or folder; ``dst`` must not exist."""
        src, dst = board_path(src), board_path(dst)
        if self.exists(dst):
            raise explain(errno.EEXIST, dst)
        run(self.device, "rename", "_BKn", src, dst)
