"""The paste box (Ctrl-E), as MicroPython's paste mode: code pasted or typed here is taken
exactly as it is — no auto-indent, blank lines kept — and runs as one block on Ctrl-D."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

TITLE = "paste mode; Ctrl-C to cancel, Ctrl-D to finish"


class PasteScreen(ModalScreen[str | None]):
    """Dismisses with the code, or None when cancelled (or left empty)."""

    # Priority: the editor's own Ctrl-C (copy) and Ctrl-D (delete) would take them first.
    BINDINGS = [
        Binding("ctrl+d", "finish", "Run", priority=True),
        Binding("ctrl+c", "dismiss(None)", "Cancel", priority=True),
        Binding("escape", "dismiss(None)", "Cancel"),
    ]
    AUTO_FOCUS = "#paste-code"

    def compose(self) -> ComposeResult:
        with Vertical(id="paste-box"):
            yield Label(TITLE, id="paste-title")
            yield TextArea(
                id="paste-code", tab_behavior="indent", soft_wrap=False, show_line_numbers=True
            )

    def action_finish(self) -> None:
        code = self.query_one(TextArea).text
        self.dismiss(code if code.strip() else None)
