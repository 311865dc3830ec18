"""The form behind "add dependency": a name, where it comes from, and its group."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class AddDependencyScreen(ModalScreen[tuple[str, str, str] | None]):
    """Dismisses with (name, uri, group), or None when cancelled."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    AUTO_FOCUS = "#add-name"

    def compose(self) -> ComposeResult:
        with Vertical(id="add-form"):
            yield Label("Add a dependency to pyproject.toml (it is fetched first)")
            yield Input(placeholder="name, e.g. ssd1306", id="add-name")
            yield Input(
                placeholder="source: URL, github:user/repo/file.py, path, or *", id="add-uri"
            )
            yield Input(value="main", placeholder="group", id="add-group")
            yield Static("", id="add-error")
            with Horizontal(id="add-buttons"):
                yield Button("Add", variant="primary", id="add-ok")
                yield Button("Cancel", id="add-cancel")

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        self._submit()

    def on_button_pressed(self, message: Button.Pressed) -> None:
        message.stop()
        if message.button.id == "add-ok":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        name, uri, group = (
            self.query_one(f"#add-{field}", Input).value.strip()
            for field in ("name", "uri", "group")
        )
        missing = [what for what, value in (("name", name), ("source", uri)) if not value]
        if missing:
            self.query_one("#add-error", Static).update(f"the {' and '.join(missing)} is needed")
            self.query_one(f"#add-{'name' if not name else 'uri'}", Input).focus()
            return
        self.dismiss((name, uri, group or "main"))
