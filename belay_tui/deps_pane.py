"""The dependencies pane: ``[tool.belay]`` dependencies as a table, and what to do with them.

Each row is one dependency (name, group, source, cached or not, lock hash, status) as the
engine's package manager sees it (``dependency_status``). Update, clean and add work on the
host (downloads do not wait for the board); install goes through the board's lane. While
they run, the engine's ``DependencyStatus`` events update each row: queued, fetching with
bytes, updated, failed with the reason.
"""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from engine import (
    add_dependency,
    clean,
    dependency_status,
    install,
    update,
)
from engine.events import DependencyStatus, Progress
from engine.text import human_bytes

from .actions import bindings
from .messages import Failure
from .session import Session

NO_PROJECT = (
    "No pyproject.toml here or above: `belay-tui new DIR` makes a project, and its "
    "[tool.belay] dependencies show here."
)

COLUMNS = ("name", "group", "status", "cached", "lock", "source")

#: Row states (the engine's) and how they look.
STYLES = {
    "ok": "green",
    "updated": "green",
    "installed": "green",
    "verified": "green",
    "unchanged": "green",
    "not fetched": "yellow",
    "queued": "dim",
    "fetching": "cyan",
    "changed": "yellow",
    "unlocked": "yellow",
    "develop": "blue",
    "modified": "bold red",
    "failed": "bold red",
    "removed": "dim",
}


#: Widest a status cell gets; the whole reason is in the line under the table.
STATUS_WIDTH = 40


def status_text(state: str, detail: str = "", done: int = 0, total: int = 0) -> Text:
    text = Text(state, style=STYLES.get(state, ""))
    if state == "fetching" and done:
        text.append(f" {human_bytes(done)}" + (f" of {human_bytes(total)}" if total else ""))
    elif detail and state in ("failed", "modified", "changed"):
        text.append(f": {detail}")
    text.truncate(STATUS_WIDTH, overflow="ellipsis")
    return text


class DepsPane(Vertical):
    """Table of dependencies with update / clean / install / add."""

    BINDINGS = bindings("deps")

    def __init__(self, session: Session, project: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.project = project
        self.rows: dict[str, object] = {}  # "group/name" -> DependencyInfo
        self.failed: dict[str, DependencyStatus] = {}  # the last operation's failures
        self.busy: str | None = None  # the operation running, if any

    def compose(self) -> ComposeResult:
        yield Static("", id="deps-head")
        table: DataTable = DataTable(id="deps-table", cursor_type="row", zebra_stripes=True)
        for column in COLUMNS:
            table.add_column(column, key=column)
        yield table
        yield Static("", id="deps-state")

    @property
    def table(self) -> DataTable:
        return self.query_one("#deps-table", DataTable)

    # -- the table -----------------------------------------------------------------------

    def reload(self) -> None:
        """Read pyproject.toml, the cache and the lock again (host only, off the UI thread)."""
        if not any((p / "pyproject.toml").is_file() for p in (self.project, *self.project.parents)):
            # Not an error: plenty of sessions are just a board and a REPL.
            self.query_one("#deps-head", Static).update(Text(NO_PROJECT, style="yellow"))
            return
        self.session.submit(
            "dependency status",
            lambda _device: dependency_status(self.project),
            on_done=self._show_rows,
            on_error=self._config_failed,
            lane=False,
        )

    def _show_rows(self, infos: list) -> None:
        pyproject = self.project / "pyproject.toml"
        self.query_one("#deps-head", Static).update(
            Text.assemble(
                (f"{pyproject.name}", "bold"),
                (f" · {len(infos)} dependenc{'y' if len(infos) == 1 else 'ies'}", "dim"),
            )
        )
        table = self.table
        selected = self.selected_key()
        self.rows = {f"{info.group}/{info.name}": info for info in infos}
        cells = [self._cells(key, info) for key, info in self.rows.items()]
        _fit_columns(table, cells)
        table.clear()
        for key, row in zip(self.rows, cells, strict=True):
            table.add_row(*row, key=key)
        if selected in self.rows:
            table.move_cursor(row=table.get_row_index(selected))

    def _cells(self, key: str, info) -> tuple[str | Text, ...]:
        """One row: name, group, status, cached, lock, source."""
        group = info.group + (" (optional)" if info.optional else "")
        files = f"{info.files} file{'s' * (info.files != 1)}"
        return (
            info.name,
            group,
            self._row_status(key, info),
            "no" if info.state == "not fetched" else files,
            info.digest[:8] or "–",
            " ".join(info.uris),
        )

    def _row_status(self, key: str, info) -> Text:
        """The row's state, or why the last operation failed for it (kept until the next)."""
        failed = self.failed.get(key)
        if failed is not None:
            return status_text(failed.state, failed.detail)
        return status_text(info.state, info.detail)

    def _config_failed(self, error: BaseException) -> None:
        reason = self.session.reason(error)
        self.table.clear()
        self.rows = {}
        self.query_one("#deps-head", Static).update(Text(reason, style="bold red"))
        self.post_message(Failure("dependencies", reason))

    def selected_key(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value

    def show_dependency_status(self, event: DependencyStatus) -> None:
        key = f"{event.group}/{event.name}"
        if event.state == "failed":
            self.failed[key] = event
        if key in self.rows:
            text = status_text(event.state, event.detail, event.done, event.total)
            self.table.update_cell(key, "status", text)

    def show_progress(self, event: Progress) -> None:
        if self.busy == "install" and event.task.startswith("sync "):
            self._state(
                f"install: {event.task} {human_bytes(event.done)} of "
                f"{human_bytes(event.total)} {event.item}"
            )

    def _state(self, text: str, style: str = "") -> None:
        self.query_one("#deps-state", Static).update(Text(text, style=style))

    # -- actions -------------------------------------------------------------------------

    def _run(self, what: str, work, *, board: bool = False) -> None:
        """Run a package-manager operation; one at a time, its rows updating meanwhile."""
        if self.busy is not None:
            self._state(f"{self.busy} is still running", "yellow")
            return
        self.busy = what
        self.failed.clear()
        self._state(f"{what}…")
        self.session.log.write("dependencies", what)
        self.session.submit(
            what,
            lambda device: work(device),
            on_done=lambda _result: self._finished(what, None),
            on_error=lambda error: self._finished(what, error),
            lane=board,
        )

    def _finished(self, what: str, error: BaseException | None) -> None:
        self.busy = None
        if error is None:
            self._state(f"{what}: done", "green")
        else:
            reason = self.session.reason(error)
            self._state(f"{what} failed: {reason}", "bold red")
            self.post_message(Failure(what, reason))
        self.reload()

    def update_selected(self) -> None:
        key = self.selected_key()
        if key is None:
            self._state("no dependency selected", "yellow")
            return
        self._run(f"update {key}", lambda _d: update(self.project, [key], events=self.events))

    def update_all(self) -> None:
        self._run("update", lambda _d: update(self.project, events=self.events))

    def clean(self) -> None:
        self._run("clean", lambda _d: clean(self.project, events=self.events))

    def install(self) -> None:
        self._run(
            "install", lambda device: install(device, self.project, events=self.events), board=True
        )

    def add(self, name: str, uri: str, group: str) -> None:
        self._run(
            f"add {name}",
            lambda _d: add_dependency(name, uri, self.project, group=group, events=self.events),
        )

    @property
    def events(self):
        return self.session.events


def _fit_columns(table: DataTable, rows: list[tuple[str | Text, ...]]) -> None:
    """Each column as wide as its label or widest cell, set before the rows go in. The
    table's own measuring waits until it is next idle, and lines it draws before that are
    kept at the old widths (a lock column left showing 4 of its 8 characters)."""
    for index, column in enumerate(table.ordered_columns):
        cells = (row[index] for row in rows)
        widths = (c.cell_len if isinstance(c, Text) else cell_len(c) for c in cells)
        column.auto_width = False
        column.width = max([column.label.cell_len, *widths])
