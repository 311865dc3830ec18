"""``update``: fetch dependencies (in parallel), put each complete one in place, lock, clean.

A dependency whose download fails keeps its old files and lock entry; the others still
update, and the error afterwards names every failure (the first one in its message).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from ..events import DependencyStatus, EventBus
from ._collect import Fetched, collect
from ._config import Dependency, Project, ProjectLike, as_project
from ._errors import DependencyError, IntegrityError
from ._fetch import Fetcher
from ._index import HashMismatch
from ._lock import Lock, LockedFile, LockEntry
from ._sources import SourceProblem
from ._store import cached_files, commit, remove_unlisted, sha256


@dataclass
class UpdateResult:
    """``group/name`` keys of what changed, what was already current, and what ``clean``
    removed."""

    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def update(
    project: ProjectLike = None,
    names: Iterable[str] = (),
    *,
    events: EventBus | None = None,
    timeout: float = 10.0,
    retries: int = 2,
    jobs: int = 8,
) -> UpdateResult:
    """Fetch the named dependencies (``name`` or ``group/name``; all when none), then
    :func:`clean`. ``events`` receives a :class:`~engine.events.DependencyStatus` for each
    step. Raises :class:`DependencyError` (after doing all it can) if any failed."""
    project = as_project(project)
    deps = project.select(names)
    bus = events or EventBus()
    lock = Lock.load(project.lock_path)
    result = UpdateResult()
    failures: list[tuple[str, str, str]] = []
    kinds: list[type[DependencyError]] = []

    def status(dep: Dependency, state: str, detail: str = "", done: int = 0, total: int = 0):
        bus.publish(DependencyStatus(dep.group, dep.name, state, detail, done, total))

    def fail(dep: Dependency, reason: str, kind: type[DependencyError] = DependencyError) -> None:
        failures.append((dep.group, dep.name, f"dependency {dep.key!r}: {reason}"))
        kinds.append(kind)
        status(dep, "failed", reason)

    for dep in deps:
        status(dep, "queued", " ".join(dep.uris))
    fetched = _fetch_all(project, deps, status, fail, timeout, retries, jobs)
    if not lock.exists:
        _adopt(project, lock, [d for d in project.dependencies() if d not in deps])
    clashes = _clashes(project, deps, fetched, lock)
    for dep in deps:
        if dep.key not in fetched:
            continue
        if dep.key in clashes:
            fail(dep, clashes[dep.key])
            continue
        try:
            changed = commit(project, dep, fetched[dep.key], lock)
        except OSError as e:
            fail(dep, f"cannot write {e.filename}: {e.strerror}")
            continue
        (result.updated if changed else result.unchanged).append(dep.key)
        status(dep, "updated" if changed else "unchanged")
    if lock.entries or lock.exists:
        lock.save(project.lock_path)
    result.removed = remove_unlisted(project, lock, _removed_reporter(bus))
    if failures:
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        raise kinds[0](failures[0][2] + more, failures)
    return result


def clean(project: ProjectLike = None, *, events: EventBus | None = None) -> list[str]:
    """Delete cached packages no longer listed in ``pyproject.toml`` (and their lock
    entries); ``update`` ends with this. Returns the removed ``group/name``s."""
    project = as_project(project)
    lock = Lock.load(project.lock_path)
    return remove_unlisted(project, lock, _removed_reporter(events or EventBus()))


def _fetch_all(project, deps, status, fail, timeout, retries, jobs) -> dict[str, list[Fetched]]:
    fetched: dict[str, list[Fetched]] = {}
    if not deps:
        return fetched
    with (
        Fetcher(timeout=timeout, retries=retries) as fetcher,
        ThreadPoolExecutor(max_workers=max(1, min(jobs, len(deps)))) as pool,
    ):

        def one(dep: Dependency) -> list[Fetched]:
            def report(url: str, done: int, total: int) -> None:
                status(dep, "fetching", url, done, total)

            return collect(dep, project, fetcher, report)

        futures = {pool.submit(one, dep): dep for dep in deps}
        for future in as_completed(futures):
            dep = futures[future]
            try:
                fetched[dep.key] = future.result()
            except SourceProblem as e:
                kind = IntegrityError if isinstance(e, HashMismatch) else DependencyError
                fail(dep, f"{e.url}: {e.reason}", kind)
    return fetched


def _adopt(project: Project, lock: Lock, deps: list[Dependency]) -> None:
    """The first lock of a project Belay managed records the cached copies of dependencies
    this update did not fetch as they are, so a partial update does not orphan them."""
    for dep in deps:
        folder = project.group_folder(dep.group)
        paths = [f"{dep.name}/{p}" for p in cached_files(folder / dep.name)]
        if paths:
            files = [LockedFile(p, sha256((folder / p).read_bytes()), "cached") for p in paths]
            lock.entries[dep.key] = LockEntry(
                dep.group, dep.name, tuple(dep.uris), tuple(files), dep.develop
            )


def _clashes(
    project: Project, deps: list[Dependency], fetched: dict[str, list[Fetched]], lock: Lock
) -> dict[str, str]:
    """Dependencies whose files land where another's differ: all groups share ``/lib``.
    The first in ``pyproject.toml`` order keeps the path; the later one fails."""
    listed = {d.key for d in project.dependencies()}
    claims: dict[str, tuple[str, str]] = {}
    for key, entry in lock.entries.items():
        if key in listed and key not in fetched:
            for f in entry.files:
                claims.setdefault(f.path, (key, f.sha256))
    clashes: dict[str, str] = {}
    for dep in deps:
        files = [(f.path, sha256(f.content)) for f in fetched.get(dep.key, [])]
        for path, digest in files:
            owner = claims.get(path)
            if owner and owner[0] != dep.key and owner[1] != digest:
                clashes[dep.key] = (
                    f"{path} already belongs to {owner[0]!r}, with other content "
                    "(groups share /lib)"
                )
                break
        else:
            for path, digest in files:
                claims.setdefault(path, (dep.key, digest))
    return clashes


def _removed_reporter(bus: EventBus):
    def removed(group: str, name: str) -> None:
        bus.publish(DependencyStatus(group, name, "removed"))

    return removed
