"""Sync a host folder to a board: plan (one round trip), then transfer and atomic writes.

``Device.sync`` and ``Device.sync_plan`` (Belay's signature) build a :class:`SyncOptions`
and call :func:`sync` and :func:`plan`, which take it whole, plus knobs the watch and the
tests use. The sync drives the board through the device's public contract only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from ..exceptions import ConnectionLost
from ._dependencies import sync_dependencies
from ._local import DEFAULT_IGNORE, ignore_spec, project_ignore
from ._paths import DEFAULT_KEEP
from ._plan import ACTIONS, BoardInfo, SyncEntry, SyncOptions, SyncPlan, make_plan
from ._transfer import ProgressCallback, SyncResult, apply_plan

if TYPE_CHECKING:
    from ..device import Device

__all__ = [
    "ACTIONS",
    "DEFAULT_IGNORE",
    "DEFAULT_KEEP",
    "BoardInfo",
    "SyncEntry",
    "SyncOptions",
    "SyncPlan",
    "SyncReplay",
    "SyncResult",
    "apply_plan",
    "ignore_spec",
    "make_plan",
    "plan",
    "project_ignore",
    "sync",
    "sync_dependencies",
]


def plan(device: Device, options: SyncOptions) -> SyncPlan:
    """What a sync would do to each path; nothing is changed on the board or the host."""
    return make_plan(device, options)


def sync(
    device: Device,
    target: str | Path | SyncOptions | SyncPlan,
    progress: ProgressCallback | None = None,
    *,
    compress: bool | None = None,
    raw: bool | None = None,
    cancel: threading.Event | None = None,
) -> SyncResult:
    """Make the board mirror a folder (``SyncOptions``, or a folder with the defaults), or
    carry out a plan from :func:`plan`.

    ``compress`` / ``raw`` force deflate or the raw binary stream off (default: used when the
    board has them); ``cancel`` stops after the current chunk.
    """
    if isinstance(target, SyncPlan):
        the_plan = target
    else:
        options = target if isinstance(target, SyncOptions) else SyncOptions.make(target)
        the_plan = make_plan(device, options)
    carry_out = partial(
        apply_plan, device, progress=progress, compress=compress, raw=raw, cancel=cancel
    )
    try:
        return carry_out(the_plan)
    except ConnectionLost as e:
        # The link went down mid-transfer. With ``attempts``, reconnect (unless a call has
        # already) and sync again from a fresh plan: what was renamed into place is kept,
        # leftovers are cleaned. Without, say so.
        if not device.connected:
            device.recover(e, "the sync")
        return carry_out(make_plan(device, the_plan.options))


@dataclass(frozen=True)
class SyncReplay:
    """History: a sync, done again after a reconnect (only what changed travels)."""

    kind: ClassVar[str] = "sync"
    options: SyncOptions

    def replay(self, device: Device) -> None:
        sync(device, self.options)
