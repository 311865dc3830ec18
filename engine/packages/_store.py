"""The dependencies folder: ``<dependencies_path>/<group>/<package>/...``, changed only by
:func:`commit` (a dependency's complete new files) and :func:`remove_unlisted`.

New bytes are written to a staging folder beside the cache and renamed into place, so a
file is never torn, and nothing is touched until every download of a dependency succeeded.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from ._collect import Fetched
from ._config import Dependency, Project
from ._lock import Lock, LockedFile, LockEntry

STAGING_PREFIX = ".staging-"
_IGNORED = ("__pycache__", ".DS_Store")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cached_files(folder: Path) -> list[str]:
    """Paths of the files below ``folder`` (relative, ``/``-separated), Python's own
    byproducts left out: pytest runs from the cache and leaves ``__pycache__`` behind."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if path.is_file() and not path.name.endswith(".pyc") and not set(rel.parts) & {*_IGNORED}:
            found.append(rel.as_posix())
    return sorted(found)


def commit(project: Project, dep: Dependency, files: list[Fetched], lock: Lock) -> bool:
    """Put ``files`` in place as ``dep``'s new content and record them in ``lock``.
    Returns whether anything changed. Files ``dep`` had before and no longer has are
    deleted unless another dependency of the group also holds them."""
    group_folder = project.group_folder(dep.group)
    old = lock.entries.get(dep.key)
    if old is not None:
        old_paths = {f.path for f in old.files}
    else:  # a project Belay managed: the dependency's folder is all it had
        old_paths = {f"{dep.name}/{p}" for p in cached_files(group_folder / dep.name)}
    new = {f.path: f for f in files}
    changed = old_paths != new.keys()
    group_folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=project.dependencies_folder))
    try:
        staged = []
        for i, f in enumerate(files):
            target = group_folder / f.path
            if target.is_file() and target.read_bytes() == f.content:
                continue
            changed = True
            tmp = staging / str(i)
            tmp.write_bytes(f.content)
            staged.append((tmp, target))
        for rel in old_paths - new.keys():
            if not [k for k in lock.owners(rel, dep.group) if k != dep.key]:
                _remove(group_folder / rel, group_folder)
        for tmp, target in staged:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    lock.entries[dep.key] = LockEntry(
        group=dep.group,
        name=dep.name,
        uris=tuple(dep.uris),
        files=tuple(LockedFile(f.path, sha256(f.content), f.source) for f in files),
        develop=dep.develop,
    )
    return changed


def remove_unlisted(project: Project, lock: Lock, removed: Callable[[str, str], None]) -> list[str]:
    """Delete what no listed dependency holds: unknown groups, unlisted packages, files of
    dependencies dropped from ``pyproject.toml`` and leftover staging folders. Drops their
    lock entries too. ``removed(group, name)`` is told of each; returns ``group/name``s."""
    gone: list[str] = []
    listed = {d.key for d in project.dependencies()}
    stale = [lock.entries.pop(k) for k in list(lock.entries) if k not in listed]
    folder = project.dependencies_folder
    for entry in stale:
        for f in entry.files:
            if not lock.owners(f.path, entry.group):
                _remove(project.group_folder(entry.group) / f.path, folder / entry.group)
    if folder.is_dir():
        groups = {g.name: g for g in project.groups}
        for child in sorted(folder.iterdir()):
            if child.name.startswith(STAGING_PREFIX):
                _remove(child, folder)
            elif child.name not in groups and child.is_dir():  # files may be anyone's
                _remove(child, folder)
                removed(child.name, "")
                gone.append(child.name)
        for group in project.groups:
            keep = {d.name for d in group.dependencies} | lock.top_levels(group.name)
            group_folder = folder / group.name
            for child in sorted(group_folder.iterdir()) if group_folder.is_dir() else []:
                if child.name not in keep and child.name not in _IGNORED:
                    _remove(child, group_folder)
                    removed(group.name, child.name)
                    gone.append(f"{group.name}/{child.name}")
    if stale and lock.exists:
        lock.save(project.lock_path)
    return gone


def _remove(path: Path, stop: Path) -> None:
    """Delete a file or folder, then the folders it leaves empty, up to ``stop``."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    parent = path.parent
    while parent != stop and parent.is_relative_to(stop):
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent
