"""The host side of a plan: which files of the folder go to the board, and which are left out.

Folders are walked with symlinks followed when they stay inside the project (a linked
shared library syncs like a copy). A link leading out of it (``board/etc -> /etc``, a link
to ``~/.ssh`` in a cloned project) is skipped with a :class:`~engine.exceptions.LinkWarning`
naming it, unless ``follow_links`` is set. A link back to a folder already being walked is a
loop and is skipped, as are broken links and names the board could not store. Host files are
only read.
"""

from __future__ import annotations

import os
import tomllib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pathspec

from ..exceptions import LinkWarning, SyncError
from ._board import TEMP_SUFFIX

# Belay's defaults: never worth a board's flash.
DEFAULT_IGNORE = ("*.pyc", "__pycache__", ".DS_Store", ".pytest_cache")


@dataclass(frozen=True)
class LocalFile:
    """A file to sync: ``rel`` is its path below the folder, with ``/`` separators."""

    rel: str
    path: Path
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Skipped:
    """A path left out, and why ("ignored", "symlink loop", ...). Folders end with ``/``."""

    rel: str
    reason: str


@dataclass
class LocalTree:
    files: dict[str, LocalFile]
    dirs: set[str]
    skipped: list[Skipped]
    single: bool  # the folder argument was a single file
    boundary: Path | None = None  # links may lead anywhere below it; None: anywhere at all

    def leads_out(self, path: Path, rel: str) -> bool:
        """True (and a warning, and a skipped entry) when ``path`` is a symlink whose target
        lies outside the boundary."""
        if self.boundary is None or not path.is_symlink():
            return False
        target = path.resolve()
        if target.is_relative_to(self.boundary):
            return False
        self.skipped.append(Skipped(rel, f"symlink out of the project to {target}"))
        warnings.warn(
            f"skipped {path}: a symlink leading out of the project to {target} "
            "(--follow-links, or follow_links=True, syncs it)",
            LinkWarning,
            stacklevel=2,
        )
        return True


def project_root(folder: Path) -> Path:
    """The folder of the nearest ``pyproject.toml`` at or above ``folder`` (resolved), else
    ``folder`` itself: what links must stay inside."""
    folder = folder.resolve()
    start = folder if folder.is_dir() else folder.parent
    for parent in (start, *start.parents):
        if (parent / "pyproject.toml").is_file():
            return parent
    return start


def project_ignore(folder: Path) -> tuple[str, ...]:
    """``[tool.belay] ignore`` of the nearest ``pyproject.toml`` at or above ``folder``."""
    for parent in (folder, *folder.parents):
        candidate = parent / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise SyncError(f"cannot read the ignore list in {candidate}: {e}") from None
        patterns = data.get("tool", {}).get("belay", {}).get("ignore", [])
        if isinstance(patterns, str):
            patterns = [patterns]
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise SyncError(f"[tool.belay] ignore in {candidate} must be a list of patterns")
        return tuple(patterns)
    return ()


def ignore_spec(patterns: Iterable[str]) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


def scan(
    folder: Path,
    spec: pathspec.PathSpec,
    only: Iterable[str] | None = None,
    follow_links: bool = False,
) -> LocalTree:
    """Walk ``folder`` (or, with ``only``, just those relative paths below it).
    ``follow_links``: follow symlinks that lead out of the project too."""
    boundary = None if follow_links else project_root(folder)
    if folder.is_file():
        tree = LocalTree({}, set(), [], single=True, boundary=boundary)
        _add_file(tree, folder.name, folder)
        return tree
    if not folder.is_dir():
        what = "is not a folder or a file" if folder.exists() else "does not exist"
        raise SyncError(f"{folder} {what}")
    tree = LocalTree({}, set(), [], single=False, boundary=boundary)
    root_id = _dir_id(folder)
    if only is None:
        _walk(tree, folder, "", spec, {root_id})
        return tree
    for rel in only:
        path = folder / rel
        if _ignored(spec, rel, path.is_dir()):
            tree.skipped.append(Skipped(rel, "ignored"))
        elif tree.leads_out(path, rel):
            continue
        elif path.is_dir():
            tree.dirs.add(rel)
            _walk(tree, path, rel, spec, {root_id, _dir_id(path)})
        elif path.is_file():
            _add_file(tree, rel, path)
    return tree


def _walk(tree: LocalTree, path: Path, rel: str, spec: pathspec.PathSpec, seen: set) -> None:
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as e:
        tree.skipped.append(Skipped(rel + "/", f"cannot read: {e.strerror}"))
        return
    for entry in entries:
        child = f"{rel}/{entry.name}" if rel else entry.name
        reason = _bad_name(entry.name)
        try:
            is_dir = entry.is_dir()
            is_file = entry.is_file()
        except OSError:
            is_dir = is_file = False
        if reason is None and not (is_dir or is_file):
            reason = "broken symlink" if entry.is_symlink() else "not a regular file"
        if reason is None and _ignored(spec, child, is_dir):
            reason = "ignored"
        if reason is not None:
            tree.skipped.append(Skipped(child + ("/" if is_dir else ""), reason))
        elif entry.is_symlink() and tree.leads_out(Path(entry.path), child):
            continue
        elif is_dir:
            ident = _dir_id(Path(entry.path))
            if ident in seen:
                tree.skipped.append(Skipped(child + "/", "symlink loop"))
                continue
            tree.dirs.add(child)
            _walk(tree, Path(entry.path), child, spec, seen | {ident})
        else:
            _add_file(tree, child, Path(entry.path))


def _add_file(tree: LocalTree, rel: str, path: Path) -> None:
    reason = _bad_name(path.name)
    if reason is not None:
        tree.skipped.append(Skipped(rel, reason))
        return
    try:
        st = path.stat()
    except OSError as e:
        tree.skipped.append(Skipped(rel, f"cannot read: {e.strerror}"))
        return
    tree.files[rel] = LocalFile(rel, path, st.st_size, st.st_mtime_ns)


def _bad_name(name: str) -> str | None:
    """Why the board cannot take a file of this name, or None."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "name is not valid UTF-8"
    if name.endswith(TEMP_SUFFIX):
        return f"names ending {TEMP_SUFFIX} are sync's temporary files"
    return None


def _ignored(spec: pathspec.PathSpec, rel: str, is_dir: bool) -> bool:
    return spec.match_file(rel + "/" if is_dir else rel)


def _dir_id(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_dev, st.st_ino
