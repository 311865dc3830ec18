"""Watch a folder and sync each save to the board: the edit-save-see loop.

A :class:`Watcher` syncs the whole folder once, then, for each burst of changes that
watchfiles reports (grouped over a brief quiet period), syncs just the changed paths,
deleting on the board what was deleted on the host. Editors' swap, backup and temporary
files are ignored. With ``run``, each sync is followed by a soft reset and the script, its
output streaming; the next save interrupts it. A failing sync is reported (a
:class:`~engine.events.SyncFailed` event) and the watch goes on.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import watchfiles

from .events import SyncFailed, WatchState, WatchStatus
from .exceptions import BelayException, SyncError
from .sync import DEFAULT_IGNORE, SyncOptions, ignore_spec, project_ignore, sync
from .text import last_line

if TYPE_CHECKING:
    from .device import Device

# Files editors write beside the one being saved: vim swap files and its 4913 probe,
# backups (~), Emacs locks and autosaves, JetBrains safe-write copies, gedit, Kate.
EDITOR_FILES = (
    "*.swp",
    "*.swo",
    "*.swx",
    "*~",
    ".#*",
    "#*#",
    "4913",
    "*.tmp",
    "*.kate-swp",
    "*___jb_tmp___",
    "*___jb_old___",
    ".goutputstream-*",
)


class Watcher:
    """Keep the board's ``dst`` in step with ``folder`` while it is being edited.

    ``what``: the sync to keep doing, as a :class:`~engine.sync.SyncOptions`, or a folder
    to sync to ``/`` with the defaults. ``run``: a host file to run on the board after
    each sync (after a soft reset unless ``reset`` is False). ``step_ms``: how long the
    folder must be quiet before a sync. Call :meth:`run` (blocks until :meth:`stop`) or
    :meth:`start` (a thread).
    """

    def __init__(
        self,
        device: Device,
        what: str | os.PathLike | SyncOptions,
        *,
        run: str | os.PathLike | None = None,
        reset: bool = True,
        step_ms: int = 30,
    ) -> None:
        self.device = device
        options = what if isinstance(what, SyncOptions) else SyncOptions.make(what)
        self.folder = options.folder.resolve()
        if not self.folder.is_dir():
            raise SyncError(f"{self.folder} is not a folder to watch")
        ignore = options.ignore
        if ignore is None:
            ignore = DEFAULT_IGNORE + project_ignore(self.folder)
        patterns = (*ignore, *EDITOR_FILES)
        self.options = replace(options, folder=self.folder, ignore=patterns)
        self._spec = ignore_spec(patterns)
        self.script = Path(run) if run is not None else None
        self.reset = reset
        self.step_ms = step_ms
        self.ready = threading.Event()  # set once the first sync is done and saves are seen
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._runner: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> Watcher:
        self._thread = threading.Thread(target=self.run, name="belay-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._stop_script()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(10)

    def __enter__(self) -> Watcher:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def run(self) -> None:
        """Sync everything, then each change, until :meth:`stop` (or Ctrl-C)."""
        # yield_on_timeout: the first (empty) yield says the watcher is live, so nothing
        # saved during the first sync is missed.
        changes_seen = watchfiles.watch(
            self.folder,
            watch_filter=None,
            debounce=1600,
            step=self.step_ms,
            stop_event=self._stop,
            rust_timeout=100,
            yield_on_timeout=True,
        )
        first = True
        try:
            for changes in changes_seen:
                if first:
                    first = False
                    self._sync(None)
                    self.ready.set()
                    continue
                paths = self._relevant(path for _change, path in changes)
                if paths:
                    self._sync(paths)
        finally:
            self._stop_script()
            self._status("stopped")

    # -- work ----------------------------------------------------------------------------

    def _relevant(self, paths: Iterable[str]) -> list[str]:
        """Changed paths relative to the folder, without editor files and ignored ones."""
        out = set()
        for path in paths:
            rel = os.path.relpath(path, self.folder).replace(os.sep, "/")
            if rel == "." or rel.startswith("../") or self._spec.match_file(rel):
                continue
            out.add(rel)
        return sorted(out)

    def _sync(self, paths: list[str] | None) -> None:
        self._stop_script()
        self._status("syncing")
        try:
            if paths is None:
                self.device.sync(self.options)
            else:
                sync(self.device, replace(self.options, only=tuple(paths)))
        except BelayException as e:
            self.device.events.publish(SyncFailed(str(self.folder), last_line(e)))
        else:
            self._start_script()
        self._status("watching")

    # -- the script ----------------------------------------------------------------------

    def _start_script(self) -> None:
        if self.script is None or self._stop.is_set():
            return
        try:
            code = self.script.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            self.device.events.publish(SyncFailed(str(self.folder), f"cannot read {e}"))
            return
        try:
            if self.reset:
                self.device.soft_reset()
        except BelayException as e:
            self.device.events.publish(SyncFailed(str(self.folder), last_line(e)))
            return
        self._runner = threading.Thread(
            target=self._run_script, args=(code,), name="belay-watch-run", daemon=True
        )
        self._runner.start()

    def _run_script(self, code: str) -> None:
        self._status("running")
        try:
            self.device(code, record=False, minify=False)
        except KeyboardInterrupt:
            pass  # stopped for the next sync
        except BelayException as e:
            self.device.emit(str(e).rstrip() + "\n", "stderr")
            self.device.events.publish(SyncFailed(str(self.folder), last_line(e)))

    def _stop_script(self) -> None:
        runner = self._runner
        if runner is None or not runner.is_alive():
            return
        self.device.interrupt()
        runner.join(5)

    def _status(self, state: WatchState) -> None:
        self.device.events.publish(WatchStatus(str(self.folder), state))
