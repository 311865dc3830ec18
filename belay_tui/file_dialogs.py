"""The Files pane's two questions: a line of text (a name, a path), and yes or no."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class AskScreen(ModalScreen[str | None]):
    """Dismisses with the text entered (stripped, not empty), or None when cancelled."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    AUTO_FOCUS = "#ask-input"

    def __init__(self, question: str, value: str = "", action: str = "OK") -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.action = action

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-form", classes="dialog"):
            yield Label(self.question)
            yield Input(value=self.value, id="ask-input")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.action, variant="primary", id="ask-ok")
                yield Button("Cancel", id="ask-cancel")

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        self._answer()

    def on_button_pressed(self, message: Button.Pressed) -> None:
        message.stop()
        if message.button.id == "ask-ok":
            self._answer()
        else:
            self.dismiss(None)

    def _answer(self) -> None:
        text = self.query_one("#ask-input", Input).value.strip()
        if text:
            self.dismiss(text)


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True only when the (dangerous) action is confirmed."""

    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel"), Binding("y", "dismiss(True)")]
    AUTO_FOCUS = "#confirm-cancel"

    def __init__(self, question: str, action: str) -> None:
        super().__init__()
        self.question = question
        self.action = action

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-form", classes="dialog"):
            yield Label(self.question)
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.action, variant="error", id="confirm-ok")
                yield Button("Cancel", id="confirm-cancel")

    def on_button_pressed(self, message: Button.Pressed) -> None:
        message.stop()
        self.dismiss(message.button.id == "confirm-ok")
