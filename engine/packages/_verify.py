"""The cache checked against the lock: per-dependency rows for a UI, and the bytes
``install`` may push (read once, hashed, then staged, so nothing changes in between)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ._config import Dependency, Project, ProjectLike, as_project
from ._lock import Lock
from ._store import cached_files, sha256


class Mismatch(Exception):
    """The cache does not match the lock. ``state`` is the row state, ``detail`` says what."""

    def __init__(self, state: str, detail: str) -> None:
        super().__init__(detail)
        self.state = state
        self.detail = detail


@dataclass(frozen=True)
class DependencyInfo:
    """One dependency as a UI row shows it.

    ``state``: ``ok`` (cache matches the lock), ``not fetched``, ``changed`` (pyproject.toml
    lists other sources than were fetched), ``modified`` (a cached file differs from the
    lock, is missing, or is not in it), ``unlocked`` (cached by Belay, no lock yet) or
    ``develop`` (fetched afresh at every install). ``digest``: a short hash of the locked
    files, to tell versions apart at a glance.
    """

    group: str
    name: str
    uris: tuple[str, ...]
    optional: bool
    develop: bool
    state: str
    detail: str
    digest: str
    files: int


def verified_files(project: Project, dep: Dependency, lock: Lock) -> dict[str, bytes]:
    """``dep``'s cached files (group-relative path -> bytes) if they match the lock, or,
    with no lock at all (a Belay project), whatever its folder holds."""
    folder = project.group_folder(dep.group)
    if not lock.exists:
        paths = [f"{dep.name}/{p}" for p in cached_files(folder / dep.name)]
        if not paths:
            raise Mismatch("not fetched", "is not fetched")
        return {p: (folder / p).read_bytes() for p in paths}
    entry = lock.entries.get(dep.key)
    if entry is None:
        raise Mismatch("not fetched", f"is not in {_lock_name(project)}")
    if entry.uris != tuple(dep.uris):
        raise Mismatch("changed", "lists other sources in pyproject.toml than were fetched")
    files = {}
    for f in entry.files:
        try:
            data = (folder / f.path).read_bytes()
        except OSError:
            raise Mismatch("modified", f"has {f.path} missing from the cache") from None
        if sha256(data) != f.sha256:
            raise Mismatch(
                "modified",
                f"has {f.path} changed since the last update "
                f"(sha256 {sha256(data)[:12]}, {_lock_name(project)} says {f.sha256[:12]})",
            )
        files[f.path] = data
    locked = {f.path for e in lock.entries.values() if e.group == dep.group for f in e.files}
    for top in sorted({p.split("/", 1)[0] for p in files}):
        for rel in cached_files(folder / top):
            if f"{top}/{rel}" not in locked:
                raise Mismatch("modified", f"has {top}/{rel} in the cache but not in the lock")
    return files


def dependency_status(project: ProjectLike = None) -> list[DependencyInfo]:
    """Every dependency of every group, checked against the lock (nothing is fetched)."""
    project = as_project(project)
    lock = Lock.load(project.lock_path)
    rows = []
    for group in project.groups:
        for dep in group.dependencies:
            entry = lock.entries.get(dep.key)
            try:
                verified_files(project, dep, lock)
                state, detail = ("develop" if dep.develop else "ok"), ""
                if not lock.exists:
                    state = "unlocked"
            except Mismatch as m:
                state, detail = m.state, m.detail
            files = len(entry.files) if entry else 0
            digest = _digest(entry.files) if entry else ""
            rows.append(
                DependencyInfo(
                    group=group.name,
                    name=dep.name,
                    uris=tuple(dep.uris),
                    optional=group.optional,
                    develop=dep.develop,
                    state=state,
                    detail=detail,
                    digest=digest,
                    files=files,
                )
            )
    return rows


def _digest(files) -> str:
    lines = "".join(f"{f.path} {f.sha256}\n" for f in sorted(files, key=lambda f: f.path))
    return hashlib.sha256(lines.encode()).hexdigest()[:12]


def _lock_name(project: Project) -> str:
    return project.lock_path.relative_to(project.root).as_posix()
