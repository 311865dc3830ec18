"""The help screen (F1): what each pane is for, and every key, from the action table."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from .actions import ACTIONS

PANES = (
    (
        "REPL console",
        "Python on the board. Enter runs complete code; a blank line ends a "
        "block; Tab completes names from the board; a pasted block runs whole on Enter; "
        "Ctrl-E opens a paste box (Ctrl-D runs it); ↑/↓ walk the history, Ctrl-R searches it "
        "(kept per project); Ctrl-C interrupts, Ctrl-D soft-resets. While a sync or an install "
        "runs, typed code waits and the console says so.",
    ),
    (
        "Sync",
        "The project folder against the board: each file added, changed, deleted, "
        "unchanged or ignored, with sizes and totals. Sync now, dry run, watch-on-save.",
    ),
    (
        "Dependencies",
        "The [tool.belay] dependencies of pyproject.toml: update, clean, "
        "install to the board, add.",
    ),
    (
        "Plot",
        "Lines the board prints that are numbers (12.5 · 1, 2.5, 3 · t=21.3 h=40) as a live "
        "chart, one series per column or name: pause, clear, window length in points.",
    ),
    (
        "Files",
        "The board's files, folder by folder, with sizes; files that differ from the project "
        "(as the Sync pane's plan says) are marked. Open, edit and save (warned if the board's "
        "copy changed), download, upload, delete, new folder, rename.",
    ),
    (
        "Boards (F6)",
        "Every board of the session with its state, port and last sync; Enter shows one "
        "(the REPL, the panes and the status bar follow it), a adds one by its port.",
    ),
    (
        "Status bar",
        "Link state (red when lost), port, board, connections, free memory, "
        "watch, last sync and, on the virtual board, its pins.",
    ),
)

SCOPES = {
    None: "anywhere",
    "sync": "sync pane",
    "deps": "dependencies pane",
    "plot": "plot pane",
    "files": "files pane",
}


def keys_table() -> Table:
    table = Table(box=None, expand=True, pad_edge=False, show_header=True)
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("action", style="bold")
    table.add_column("where", style="dim", no_wrap=True)
    table.add_column("what it does")
    for action in ACTIONS:
        key = action.key or "palette"
        if action.name == "quit":
            key = "q, ctrl+q"
        table.add_row(key, action.title, SCOPES[action.pane], action.help)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,f1,q", "dismiss", "Close help"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text("belay-tui help", style="bold"), id="help-title")
            for name, what in PANES:
                yield Static(Text.assemble((name, "bold"), " — ", what), classes="help-pane")
            yield Static(keys_table(), id="help-keys")
            yield Static(
                "Every action is also in the command palette (ctrl+p). Esc closes this.",
                id="help-footer",
            )
