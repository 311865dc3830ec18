"""Sync a host folder to a board: plan (one round trip), then transfer and atomic writes.

``Device.sync`` and ``Device.sync_plan`` are thin wrappers around :func:`sync` and
:func:`plan`; these take the same arguments plus knobs the TUI, the watch and the tests use.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

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
    "SyncResult",
    "apply_plan",
    "ignore_spec",
    "make_plan",
    "plan",
    "project_ignore",
    "sync",
    "sync_dependencies",
]


def plan(
    device: Device,
    folder: str | Path,
    dst: str = "/",
    keep: list[str] | str | bool | None = None,
    ignore: list[str] | str | None = None,
    minify: bool = True,
    mpy_cross_binary: str | Path | bool | None = None,
    only: list[str] | None = None,
    *,
    follow_links: bool = False,
) -> SyncPlan:
    """What a sync would do to each path; nothing is changed on the board or the host.
    ``follow_links``: follow symlinks that lead out of the project too (skipped with a
    warning by default)."""
    options = SyncOptions.make(
        folder, dst, keep, ignore, minify, mpy_cross_binary, only, follow_links
    )
    return make_plan(device, options)


def sync(
    device: Device,
    folder: str | Path | SyncPlan | SyncOptions,
    dst: str = "/",
    keep: list[str] | str | bool | None = None,
    ignore: list[str] | str | None = None,
    minify: bool = True,
    mpy_cross_binary: str | Path | bool | None = None,
    progress: ProgressCallback | None = None,
    *,
    only: list[str] | None = None,
    compress: bool | None = None,
    raw: bool | None = None,
    cancel: threading.Event | None = None,
    follow_links: bool = False,
) -> SyncResult:
    """Make the board's ``dst`` mirror ``folder``, or carry out a plan from :func:`plan`.

    ``compress`` / ``raw`` force deflate or the raw binary stream off (default: used when the
    board has them); ``cancel`` stops after the current chunk.
    """
    if isinstance(folder, SyncPlan):
        the_plan = folder
    else:
        options = (
            folder
            if isinstance(folder, SyncOptions)
            else SyncOptions.make(
                folder, dst, keep, ignore, minify, mpy_cross_binary, only, follow_links
            )
        )
        the_plan = make_plan(device, options)
    knobs = {"compress": compress, "raw": raw, "cancel": cancel}
    try:
        return apply_plan(device, the_plan, progress, **knobs)
    except ConnectionLost as e:
        # The link went down mid-transfer. With ``attempts``, reconnect (unless a call has
        # already) and sync again from a fresh plan: what was renamed into place is kept,
        # leftovers are cleaned. Without, say so.
        if not device.connected:
            device._recover(e, "the sync", resend=True)
        return apply_plan(device, make_plan(device, the_plan.options), progress, **knobs)
