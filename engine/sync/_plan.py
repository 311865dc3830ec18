"""``SyncPlan``: what a sync will do to every path, learned in one round trip to the board.

The host scans and transforms the folder (minify or mpy-cross) and hashes the results; the
board hashes every file under ``dst`` in one command. Comparing the two says, for each path,
added / changed / deleted / unchanged / ignored / kept, with sizes, and whether it all fits.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .. import codec
from ..exceptions import SyncError
from ..text import human_bytes
from ._board import HASH_HEX, HASHES, TEMP_SUFFIX, scan_code
from ._local import DEFAULT_IGNORE, LocalTree, ignore_spec, project_ignore, scan
from ._paths import (
    board_path,
    check_relative,
    is_kept,
    normalize_dst,
    normalize_keep,
    parents,
)
from ._transform import Transform, mpy_cross_command, transform_all

if TYPE_CHECKING:
    from ..device import Device

Action = Literal["added", "changed", "deleted", "unchanged", "ignored", "kept"]
ACTIONS: tuple[Action, ...] = ("added", "changed", "deleted", "unchanged", "kept", "ignored")


@dataclass(frozen=True)
class SyncOptions:
    """What was asked for: enough to plan the same sync again (a reconnect replays it).

    ``only``: paths below the folder to look at instead of the whole tree (a watch syncing
    what was saved); deletions are then limited to those paths.
    """

    folder: Path
    dst: str = "/"
    keep: tuple[str, ...] | bool | None = None
    ignore: tuple[str, ...] | None = None
    minify: bool = True
    mpy_cross_binary: str | bool | None = None
    only: tuple[str, ...] | None = None
    follow_links: bool = False  # follow symlinks that lead out of the project too

    @classmethod
    def make(
        cls,
        folder: str | os.PathLike,
        dst: str = "/",
        keep: list[str] | tuple[str, ...] | str | bool | None = None,
        ignore: list[str] | tuple[str, ...] | str | None = None,
        minify: bool = True,
        mpy_cross_binary: str | os.PathLike | bool | None = None,
        only: list[str] | tuple[str, ...] | None = None,
        follow_links: bool = False,
    ) -> SyncOptions:
        """Belay's argument forms (a string or a list) turned into hashable values."""
        return cls(
            folder=Path(folder).expanduser().absolute(),
            dst=str(dst),
            keep=_tuple(keep),
            ignore=_tuple(ignore),
            minify=minify,
            mpy_cross_binary=os.fspath(mpy_cross_binary)
            if isinstance(mpy_cross_binary, os.PathLike)
            else mpy_cross_binary,
            only=None if only is None else tuple(only),
            follow_links=follow_links,
        )

    def whole(self) -> SyncOptions:
        """The same sync over the whole folder (what a reconnect replays)."""
        return replace(self, only=None)


def _tuple(value):
    """None and booleans as they are, a string as a 1-tuple, any other iterable as a tuple."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str | Path):
        return (str(value),)
    return tuple(str(v) for v in value)


@dataclass(frozen=True)
class SyncEntry:
    """One path and what the sync does to it.

    ``path`` is the board path (folders end with ``/``). ``size``: bytes the file has on the
    board after the sync (for added, changed, unchanged) or now (deleted, kept); 0 for
    folders. ``board_size``: its size on the board now, None if absent. ``source``: the host
    file. ``reason``: why a path is ignored, or a note (a leftover temporary file).
    """

    path: str
    action: Action
    size: int = 0
    board_size: int | None = None
    source: Path | None = None
    reason: str = ""

    @property
    def is_dir(self) -> bool:
        return self.path.endswith("/")


@dataclass(frozen=True)
class BoardInfo:
    """What the scan learned about the board besides its files."""

    dst_exists: bool
    deflate: bool  # can inflate compressed data
    raw: bool  # can read raw binary from stdin (kbd_intr and sys.stdin.buffer)
    hash: str  # how the board hashed its files: sha256, crc32 or fnv1a32 (see _board.HASHES)
    statvfs: tuple[int, ...] | None  # (bsize, frsize, blocks, bfree, bavail)
    mem_free: int
    read_only: bool = False  # CircuitPython's filesystem until boot.py remounts it

    @property
    def block_size(self) -> int:
        if not self.statvfs:
            return 1
        return self.statvfs[1] or self.statvfs[0] or 1

    @property
    def free_bytes(self) -> int | None:
        return None if not self.statvfs else self.statvfs[4] * self.block_size


@dataclass
class SyncPlan:
    """Every path of a sync with its action; ``device.sync(plan)`` carries it out.

    ``entries`` are sorted by path. ``room_needed`` is the most extra space the sync uses at
    any moment (a file's new copy is written before its old one goes); ``room_free`` what the
    board has (None when it cannot say). ``contents`` and ``hashes``: what each file to
    write becomes on the board, by board path.
    """

    options: SyncOptions
    dst: str
    entries: list[SyncEntry]
    board: BoardInfo
    room_needed: int
    contents: dict[str, bytes] = field(default_factory=dict, repr=False)
    hashes: dict[str, str] = field(default_factory=dict, repr=False)
    not_minified: dict[str, str] = field(default_factory=dict)

    def by_action(self, action: Action) -> list[SyncEntry]:
        return [e for e in self.entries if e.action == action]

    @property
    def added(self) -> list[SyncEntry]:
        return self.by_action("added")

    @property
    def changed(self) -> list[SyncEntry]:
        return self.by_action("changed")

    @property
    def deleted(self) -> list[SyncEntry]:
        return self.by_action("deleted")

    @property
    def unchanged(self) -> list[SyncEntry]:
        return self.by_action("unchanged")

    @property
    def ignored(self) -> list[SyncEntry]:
        return self.by_action("ignored")

    @property
    def kept(self) -> list[SyncEntry]:
        return self.by_action("kept")

    @property
    def writes(self) -> list[SyncEntry]:
        """Files to send, in the order they are sent."""
        return [e for e in self.entries if e.action in ("added", "changed") and not e.is_dir]

    @property
    def room_free(self) -> int | None:
        return self.board.free_bytes

    @property
    def fits(self) -> bool:
        free = self.room_free
        return free is None or self.room_needed <= free

    @property
    def is_noop(self) -> bool:
        return not any(e.action in ("added", "changed", "deleted") for e in self.entries)

    @property
    def bytes_to_write(self) -> int:
        return sum(e.size for e in self.writes)

    def summary(self) -> str:
        """Files: ``"2 added, 1 changed, 0 deleted, 40 unchanged"``, plus kept and ignored
        paths when any."""
        counts = Counter(e.action for e in self.entries if not e.is_dir or e.action == "ignored")
        parts = [f"{counts[a]} {a}" for a in ("added", "changed", "deleted", "unchanged")]
        parts += [f"{counts[a]} {a}" for a in ("kept", "ignored") if counts[a]]
        return ", ".join(parts)

    def check_digest(self, path: str) -> str:
        """What the board's writer checks ``path`` against once written, in the hash the
        board has; "" where only FNV-1a in plain Python is left, too slow to run twice."""
        if self.board.hash == "sha256":
            return self.hashes[path]
        if self.board.hash == "crc32":
            return _digest(self.contents[path], "crc32")
        return ""

    def check_room(self) -> None:
        """Raise :class:`SyncError` saying how much is needed when the files do not fit."""
        if self.fits:
            return
        raise SyncError(
            f"not enough room on the board: this sync needs {human_bytes(self.room_needed)} but "
            f"{self.dst} has {human_bytes(self.room_free or 0)} free; nothing was written"
        )


def make_plan(device: Device, options: SyncOptions) -> SyncPlan:
    """Scan the folder and (in one round trip) the board, and compare."""
    dst = normalize_dst(options.dst)
    keep = normalize_keep(options.keep, dst)
    patterns = DEFAULT_IGNORE + project_ignore(options.folder)
    if options.ignore is not None:
        patterns = options.ignore
    only = None
    if options.only is not None:
        only = sorted({check_relative(p, "path") for p in options.only})
    tree = scan(options.folder, ignore_spec(patterns), only, options.follow_links)
    if tree.single:
        keep = {""}  # a single file: everything else on the board stays
        only = list(tree.files)
    local = _Local.build(tree, _transform(device, options))
    look = None if only is None else _look_paths(only, local.names)
    skip = sorted(k for k in keep if k and k not in tree.dirs and k not in local.contents)
    info, board_files, board_dirs = _scan_board(device, dst, look, skip)

    entries = _compare(local, board_files, board_dirs, keep, look, info.hash)
    if not info.dst_exists and dst != "/":
        entries.append(SyncEntry("/", "added"))
    for skipped in tree.skipped:
        entries.append(SyncEntry(skipped.rel, "ignored", reason=skipped.reason))
    entries = sorted((_under(dst, e) for e in entries), key=lambda e: e.path)
    plan = SyncPlan(
        options,
        dst,
        entries,
        info,
        0,
        {board_path(dst, n): data for n, data in local.contents.items()},
        {board_path(dst, n): digest for n, digest in local.hashes.items()},
        {board_path(dst, n): note for n, note in local.notes.items()},
    )
    plan.room_needed = _room_needed(plan)
    return plan


@dataclass
class _Local:
    """The folder as the board will have it: contents and hashes by board name."""

    names: dict[str, str]  # host rel -> board rel (a .py may become .mpy)
    contents: dict[str, bytes]
    hashes: dict[str, str]
    sources: dict[str, Path]
    dirs: set[str]  # every folder the board needs
    notes: dict[str, str]  # why a file is not minified

    @classmethod
    def build(cls, tree: LocalTree, transform: Transform) -> _Local:
        names = _board_names(tree, transform)
        data = transform_all(list(tree.files.values()), transform)
        contents = {names[rel]: done.data for rel, done in data.items()}
        dirs = set(tree.dirs)
        for name in contents:
            dirs.update(parents(name))
        return cls(
            names,
            contents,
            {name: _digest(content) for name, content in contents.items()},
            {names[rel]: f.path for rel, f in tree.files.items()},
            dirs,
            {names[rel]: done.note for rel, done in data.items() if done.note},
        )

    def digest(self, name: str, kind: str) -> str:
        """The digest of file ``name`` made as a board with hash ``kind`` makes it."""
        if kind == "sha256":
            return self.hashes[name]
        return _digest(self.contents[name], kind)


def _compare(
    local: _Local,
    board_files: dict[str, tuple[int, str]],
    board_dirs: set[str],
    keep: set[str],
    look: list[str] | None,
    board_hash: str,
) -> list[SyncEntry]:
    """An entry for every path on either side; paths relative to dst (see :func:`_under`).
    ``board_hash``: the hash the board's digests were made with."""
    entries: list[SyncEntry] = []
    for name, data in local.contents.items():
        old = board_files.get(name)
        action: Action
        if old is None:
            action = "added"
        elif old == (len(data), local.digest(name, board_hash)):
            action = "unchanged"
        else:
            action = "changed"
        size = None if old is None else old[0]
        note = local.notes.get(name, "")
        entries.append(SyncEntry(name, action, len(data), size, local.sources[name], note))
    kept_dirs: set[str] = set()
    for name, (size, _) in board_files.items():
        if name in local.contents:
            continue
        if name.endswith(TEMP_SUFFIX):
            entries.append(SyncEntry(name, "deleted", size, size, None, "leftover temporary file"))
        elif name in local.dirs:
            entries.append(SyncEntry(name, "deleted", size, size, None, "replaced by a folder"))
        elif is_kept(name, keep):
            entries.append(SyncEntry(name, "kept", size, size))
            kept_dirs.update(parents(name))
        else:
            entries.append(SyncEntry(name, "deleted", size, size))
    # Deepest first, so a kept folder keeps the folders above it.
    for name in sorted(board_dirs | local.dirs, key=lambda n: -n.count("/")):
        path = name + "/"
        if name in local.dirs:
            if name in board_dirs:
                entries.append(SyncEntry(path, "unchanged"))
            elif look is None or name in look:
                entries.append(SyncEntry(path, "added"))
        elif name in local.contents:
            entries.append(SyncEntry(path, "deleted", 0, 0, None, "replaced by a file"))
        elif is_kept(name, keep) or name in kept_dirs:
            entries.append(SyncEntry(path, "kept"))
            kept_dirs.update(parents(name))
        else:
            entries.append(SyncEntry(path, "deleted", 0, 0))
    return entries


def _under(dst: str, entry: SyncEntry) -> SyncEntry:
    """``entry`` with its path made absolute below ``dst`` (``"/"`` is dst itself)."""
    path = board_path(dst, entry.path.strip("/"))
    if entry.path.endswith("/"):
        path = path.rstrip("/") + "/"
    return replace(entry, path=path)


def _transform(device: Device, options: SyncOptions) -> Transform:
    if not options.mpy_cross_binary:
        return Transform(minify=options.minify)
    impl = device.implementation
    if impl is None:
        raise SyncError("mpy-cross needs the board's implementation, which is not known yet")
    command = mpy_cross_command(options.mpy_cross_binary, impl.mpy_version, impl.mpy_sub, impl.arch)
    return Transform(minify=options.minify, mpy_cross=command)


def _board_names(tree: LocalTree, transform: Transform) -> dict[str, str]:
    names: dict[str, str] = {}
    seen: dict[str, str] = {}
    for rel in tree.files:
        name = transform.board_name(rel)
        if name in seen:
            raise SyncError(f"{seen[name]} and {rel} would both be {name} on the board")
        seen[name] = rel
        names[rel] = name
    return names


def _look_paths(only: list[str], names: dict[str, str]) -> list[str]:
    """Board paths a partial scan looks at: the paths, what they become, their temp files."""
    look = set(only)
    for rel in only:
        look.add(names.get(rel, rel))
        if rel.endswith(".py"):
            look.add(rel[:-3] + ".mpy")
    look.update([p + TEMP_SUFFIX for p in list(look)])
    return sorted(look)


def _digest(data: bytes, kind: str = "sha256") -> str:
    """``data``'s digest as the board's scan writes it with hash ``kind``."""
    if kind == "sha256":
        return hashlib.sha256(data).hexdigest()[:HASH_HEX]
    if kind == "crc32":
        return f"{zlib.crc32(data):08x}"
    return f"{fnv1a32(data):08x}"


def fnv1a32(data: bytes) -> int:
    """32-bit FNV-1a, the hash a board without hashlib or binascii.crc32 computes."""
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def _scan_board(
    device: Device, dst: str, look: list[str] | None, skip: list[str]
) -> tuple[BoardInfo, dict[str, tuple[int, str]], set[str]]:
    """Files (rel -> (size, hash)) and folders under ``dst``, in one round trip."""
    args = ",".join(codec.to_literal(v, "scan argument") for v in (dst, look, tuple(skip)))
    code = scan_code() + f"try:\n _BSs({args})\nexcept Exception as e:\n _BE(e)\n".encode()
    caps, listing = device.call(code, f"the scan of {dst}")
    kind, deflate, raw, hash_kind, statvfs, mem, read_only = caps
    if kind == 0:
        raise SyncError(f"dst {dst!r} is a file on the board, not a folder")
    info = BoardInfo(
        dst_exists=kind is not None,
        deflate=bool(deflate),
        raw=bool(raw),
        hash=HASHES[hash_kind],
        read_only=bool(read_only),
        statvfs=tuple(statvfs) if statvfs else None,
        mem_free=mem,
    )
    files: dict[str, tuple[int, str]] = {}
    dirs: set[str] = set()
    walked = None if look is None else set(look)
    for folder, items in listing:
        if folder and (walked is None or folder in walked):
            dirs.add(folder)  # a folder asked for by name (a partial scan)
        for name, size, digest in items:
            rel = f"{folder}/{name}" if folder else name
            if size < 0:
                dirs.add(rel)
            else:
                files[rel] = (size, digest)
    return info, files, dirs


def _blocks(size: int, block: int) -> int:
    return -(-size // block)


def _room_needed(plan: SyncPlan) -> int:
    """Peak extra bytes while syncing: deletions first, then each file's new copy is
    written whole before the old one is replaced; new folders take a block each."""
    block = plan.board.block_size
    freed = sum(_blocks(e.size, block) for e in plan.deleted if not e.is_dir)
    running = peak = 0
    for e in plan.writes:
        running += _blocks(e.size, block)
        peak = max(peak, running)
        running -= _blocks(e.board_size or 0, block)
    dirs = sum(1 for e in plan.added if e.is_dir)
    return max(0, peak + dirs - freed) * block
