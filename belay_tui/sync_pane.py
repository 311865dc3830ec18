"""The sync pane: the project's board folder against the board, and syncing it.

The tree is the engine's sync plan (``device.sync_plan``): every path marked added, changed,
deleted, unchanged, kept or ignored, with sizes, and the totals above it. Sync now carries
out a fresh plan (``device.sync``) with a progress bar fed by the engine's progress events;
the last sync's figures stay below the bar.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import ProgressBar, Static, Tree
from textual.widgets.tree import TreeNode

from engine import BelayException, SyncEntry, SyncPlan, SyncResult
from engine.events import Progress, Synced, WatchStatus
from engine.text import human_bytes

from .actions import bindings
from .messages import Failure
from .session import Session
from .sync_source import NO_SOURCE, SyncSource, find_sync_source

#: How each action is marked in the tree, and in the totals.
MARKS = {
    "added": ("+", "green"),
    "changed": ("~", "yellow"),
    "deleted": ("-", "red"),
    "unchanged": ("=", "dim"),
    "kept": ("k", "blue"),
    "ignored": ("·", "dim italic"),
}


def entry_label(name: str, entry: SyncEntry | None) -> Text:
    """``+ main.py  1.2 KB  added`` — mark, name, size, action (and why, if ignored)."""
    if entry is None:  # a folder the plan does not list by itself
        return Text(name, style="bold")
    mark, style = MARKS.get(entry.action, ("?", ""))
    text = Text.assemble((f"{mark} ", style), (name, "bold" if entry.is_dir else ""))
    if not entry.is_dir and entry.action != "ignored":
        text.append(f"  {human_bytes(entry.size)}", style="dim")
    text.append(f"  {entry.action}", style=style)
    if entry.reason and entry.reason != entry.action:
        text.append(f" ({entry.reason})", style="dim")
    return text


def totals(plan: SyncPlan) -> Text:
    counts = {action: 0 for action in MARKS}
    for entry in plan.entries:
        if not entry.is_dir:
            counts[entry.action] = counts.get(entry.action, 0) + 1
    text = Text()
    for action, (mark, style) in MARKS.items():
        if counts[action] or action in ("added", "changed", "deleted", "unchanged"):
            text.append(f"{mark}{counts[action]} {action}", style=style)
            text.append("  ")
    text.append(f"│ to write {human_bytes(plan.bytes_to_write)}")
    if not plan.fits:
        text.append(f" (needs {human_bytes(plan.room_needed)}, board has ", style="bold red")
        text.append(f"{human_bytes(plan.room_free or 0)})", style="bold red")
    return text


def result_line(result: SyncResult, link_rate: int, when: str) -> str:
    """``12:03:04 · 3 files, 12.3 KB in 0.31 s · 39.7 KB/s = 3.4× the link``."""
    seconds = max(result.seconds, 1e-6)
    rate = result.bytes_written / seconds
    line = (
        f"{when} · {result.files_written} file{'s' * (result.files_written != 1)}, "
        f"{human_bytes(result.bytes_written)} in {result.seconds:.2f} s"
    )
    if result.files_written:
        line += f" · {human_bytes(int(rate))}/s"
        if link_rate:
            line += f" = {rate / link_rate:.1f}× the link ({human_bytes(link_rate)}/s)"
        line += f" · sent {human_bytes(result.bytes_sent)}"
    if result.not_minified:
        line += f" · {len(result.not_minified)} not minified"
    return line


class SyncPane(Vertical):
    """Plan tree, totals, progress and the last sync's figures."""

    BINDINGS = bindings("sync")

    class Planned(Message):
        """A new plan is shown (the Files pane marks the board's files from it)."""

        def __init__(self, plan: SyncPlan) -> None:
            super().__init__()
            self.plan = plan

    class WatchChanged(Message):
        """Watch-on-save went on or off."""

        def __init__(self, on: bool) -> None:
            super().__init__()
            self.on = on

    def __init__(self, session: Session, project: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.project = project
        self.source: SyncSource | None = find_sync_source(project)
        self.plan: SyncPlan | None = None
        self.syncing = False
        self.planning = False
        self.last: SyncResult | None = None
        self.board_rows: dict[Session, BoardProgress] = {}  # the last "sync all"

    def compose(self) -> ComposeResult:
        yield Static(self._head_text(), id="sync-head")
        yield Static("", id="sync-totals")
        tree: Tree[SyncEntry | None] = Tree("board", id="sync-tree")
        tree.show_root = False
        yield tree
        with Horizontal(id="sync-progress-row"):
            yield ProgressBar(total=1, show_eta=False, id="sync-progress")
            yield Static("", id="sync-item")
            yield Static("watch: off", id="sync-watch")
        yield Static("last sync: none in this session", id="sync-last")
        yield Vertical(id="sync-boards")

    def _head_text(self) -> Text:
        if self.source is None:
            return Text(NO_SOURCE, style="yellow")
        return Text.assemble(
            ("sync ", "dim"),
            (self.source.label(self.project), "bold"),
            (f"  ({self.source.why})", "dim"),
        )

    # -- plan ----------------------------------------------------------------------------

    def _find_source(self) -> SyncSource | None:
        """Look again: the user may have made the folder since the last look."""
        self.source = find_sync_source(self.project)
        self.query_one("#sync-head", Static).update(self._head_text())
        return self.source

    def dry_run(self) -> None:
        """Compare the folder with the board again (one round trip); nothing is written.

        Not while a sync runs (it compares again when done), a comparison is pending, or
        there is no board to compare with (a reconnect compares again)."""
        source = self._find_source()
        if source is None or self.syncing or self.planning or not self.session.status.usable:
            return
        self.planning = True
        if self.plan is None:
            self.query_one("#sync-totals", Static).update(Text("comparing…", style="dim"))
        self.session.submit(
            "sync plan",
            lambda device: device.sync_plan(source.folder, source.dst),
            on_done=self.show_plan,
            on_error=self._plan_failed,
        )

    def _plan_failed(self, error: BaseException) -> None:
        self.planning = False
        reason = self.session.reason(error)
        self.query_one("#sync-totals", Static).update(Text(f"cannot compare: {reason}", "red"))
        self.post_message(Failure("sync plan", reason))

    def show_plan(self, plan: SyncPlan) -> None:
        self.planning = False
        self.plan = plan
        self.post_message(self.Planned(plan))
        self.query_one("#sync-totals", Static).update(totals(plan))
        tree = self.query_one("#sync-tree", Tree)
        tree.clear()
        nodes: dict[str, TreeNode] = {"": tree.root}
        for entry in plan.entries:
            parts = entry.path.strip("/").split("/")
            parent = nodes[""]
            for depth, name in enumerate(parts[:-1]):
                key = "/".join(parts[: depth + 1])
                if key not in nodes:
                    nodes[key] = parent.add(entry_label(name, None), expand=True)
                parent = nodes[key]
            key = "/".join(parts)
            if entry.is_dir:
                if key in nodes:
                    nodes[key].set_label(entry_label(parts[-1], entry))
                    nodes[key].data = entry
                else:
                    nodes[key] = parent.add(entry_label(parts[-1], entry), entry, expand=True)
            else:
                parent.add_leaf(entry_label(parts[-1], entry), entry)

    # -- sync ----------------------------------------------------------------------------

    def sync_now(self) -> None:
        source = None if self.syncing else self._find_source()
        if source is None:
            return
        self.syncing = True
        self._progress(0, 1, "comparing…")
        self.session.log.write("sync", source.label(self.project))
        self.session.submit(
            "sync",
            lambda device: device.sync(source.folder, source.dst),
            on_done=self._synced,
            on_error=self._sync_failed,
        )

    def _synced(self, result: SyncResult) -> None:
        self.syncing = False
        self.last = result
        when = time.strftime("%H:%M:%S")
        line = result_line(result, self.session.link_rate(), when)
        self.query_one("#sync-last", Static).update(f"last sync: {line}")
        total = max(result.bytes_sent, 1)
        self._progress(total, total, "done")
        self.session.log.write("synced", line)
        self.dry_run()  # the board now mirrors the folder: the tree should say so

    def _sync_failed(self, error: BaseException) -> None:
        self.syncing = False
        reason = self.session.reason(error)
        self._progress(0, 1, "failed")
        self.query_one("#sync-last", Static).update(Text(f"last sync failed: {reason}", "red"))
        self.post_message(Failure("sync", reason))

    def show_synced(self, event: Synced) -> None:
        """Any sync's end (this pane's, a watch's, an install's): the short figures. This
        pane's own sync then adds bytes and rate (``_synced``)."""
        when = time.strftime("%H:%M:%S", time.localtime(event.at))
        line = (
            f"{when} · {event.dst}: {len(event.written)} written, "
            f"{len(event.deleted)} deleted in {event.seconds:.2f} s"
        )
        self.query_one("#sync-last", Static).update(f"last sync: {line}")
        if self.session.watcher is not None:
            self.dry_run()

    # -- watch ---------------------------------------------------------------------------

    def toggle_watch(self) -> None:
        """Start or stop syncing on every save (``engine.watch``; it syncs everything first)."""
        if self.session.watcher is not None:
            self.session.unwatch()
            self._watch_state("off")
            return
        source = self._find_source()
        if source is None:
            self.post_message(Failure("watch", "no folder to sync"))
            return
        try:
            self.session.watch(source.folder, source.dst)
        except BelayException as e:
            self.post_message(Failure("watch", self.session.reason(e)))
            return
        self._watch_state("starting")

    def show_watch_status(self, event: WatchStatus) -> None:
        if self.session.watcher is not None:
            self._watch_state(event.state)

    def _watch_state(self, state: str) -> None:
        on = self.session.watcher is not None
        self.query_one("#sync-watch", Static).update(
            Text(f"watch: {state}", style="bold green" if on else "dim")
        )
        self.post_message(self.WatchChanged(on))

    # -- every board -----------------------------------------------------------------------

    def sync_all(self, sessions: list[Session]) -> None:
        """Sync the project to every board at once (each in its own session's turn), with a
        progress row per board below the chosen board's plan."""
        source = self._find_source()
        if source is None:
            self.post_message(Failure("sync all", "no folder to sync"))
            return
        rows = self.query_one("#sync-boards", Vertical)
        rows.remove_children()
        self.board_rows = {}
        self.session.log.write("sync all", f"{source.label(self.project)} to {len(sessions)}")
        for session in sessions:
            row = BoardProgress(session.label)
            self.board_rows[session] = row
            rows.mount(row)
            session.submit(
                "sync",
                lambda device: device.sync(source.folder, source.dst),
                on_done=lambda result, s=session: self._board_synced(s, result),
                on_error=lambda error, s=session: self._board_failed(s, error),
            )

    def show_board_progress(self, session: Session, event: Progress) -> None:
        row = self.board_rows.get(session)
        if row is not None and event.task == "sync":
            row.show(event.done, event.total, event.item)

    def _board_synced(self, session: Session, result: SyncResult) -> None:
        row = self.board_rows[session]
        row.finish(result_line(result, session.link_rate(), time.strftime("%H:%M:%S")))
        if session is self.session:
            self._synced(result)
        self._all_done()

    def _board_failed(self, session: Session, error: BaseException) -> None:
        reason = session.reason(error)
        self.board_rows[session].fail(reason)
        self.post_message(Failure(f"sync {session.label}", reason))
        self._all_done()

    def _all_done(self) -> None:
        rows = self.board_rows.values()
        if all(row.ended for row in rows):
            failed = sum(row.failed for row in rows)
            line = f"sync all: {len(rows) - failed} of {len(rows)} boards synced"
            self.session.log.write("synced all", line)
            self.notify(line, severity="error" if failed else "information")

    def show_progress(self, event: Progress) -> None:
        if event.task == "sync":
            self._progress(event.done, event.total, event.item)

    def _progress(self, done: int, total: int, item: str) -> None:
        self.query_one("#sync-progress", ProgressBar).update(total=max(total, 1), progress=done)
        label = f"{human_bytes(done)} of {human_bytes(total)}" if total > 1 else ""
        self.query_one("#sync-item", Static).update(f"{item}  {label}".strip())


class BoardProgress(Horizontal):
    """One board's row under "sync all": its name, a bar, and what it is doing or did."""

    def __init__(self, label: str) -> None:
        super().__init__(classes="sync-board")
        self.label = label
        self.ended = False
        self.failed = False

    def compose(self) -> ComposeResult:
        yield Static(self.label, classes="sync-board-name")
        yield ProgressBar(total=None, show_eta=False, show_percentage=False)
        yield Static("waiting", classes="sync-board-item")

    def show(self, done: int, total: int, item: str) -> None:
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)
        self.query_one(".sync-board-item", Static).update(item)

    def finish(self, line: str) -> None:
        self.ended = True
        bar = self.query_one(ProgressBar)
        bar.update(total=1, progress=1)
        self.query_one(".sync-board-item", Static).update(line)

    def fail(self, reason: str) -> None:
        self.ended = self.failed = True
        self.query_one(".sync-board-item", Static).update(Text(f"failed: {reason}", "red"))
