"""The Boards list (F6): every board in the session, with its state, its port and its last
sync. Enter makes the chosen board the one the REPL, the panes and the status bar follow;
a port typed below adds one more board."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label

from .session import Session
from .status_bar import STATE_STYLE

if TYPE_CHECKING:
    from .app import BelayApp


class BoardsScreen(ModalScreen[Session | None]):
    """Dismisses with the chosen session, or None."""

    BINDINGS = [
        Binding("escape,f6", "dismiss(None)", "Close"),
        Binding("a", "add", "Add a board"),
    ]
    AUTO_FOCUS = "#boards-table"

    app: BelayApp

    def compose(self) -> ComposeResult:
        with Vertical(id="boards"):
            yield Label("Boards · enter: show this board · a: add a board", id="boards-title")
            table: DataTable = DataTable(id="boards-table", cursor_type="row")
            table.add_columns("", "board", "port", "state", "last sync")
            yield table
            yield Input(
                placeholder="a port to add: /dev/ttyACM1, rfc2217://host:4001, virtual",
                id="boards-add",
            )

    def on_mount(self) -> None:
        self.refresh_rows()
        table = self.query_one(DataTable)
        table.move_cursor(row=self.app.sessions.index(self.app.session))

    def refresh_rows(self) -> None:
        """Show every board as it stands now (the app calls this on news of any board)."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for session in self.app.sessions:
            status = session.status
            table.add_row(
                "▶" if session is self.app.session else "",
                session.label,
                _where(session),
                Text(status.state, style=STATE_STYLE.get(status.state, "")),
                session.last_sync,
                key=str(id(session)),
            )
        if row < table.row_count:
            table.move_cursor(row=row)

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        self.dismiss(self.app.sessions[message.cursor_row])

    def action_add(self) -> None:
        self.query_one("#boards-add", Input).focus()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        port = message.value.strip()
        if not port:
            return
        message.input.value = ""
        self.app.add_board(port)
        self.refresh_rows()
        self.query_one(DataTable).focus()


def _where(session: Session) -> str:
    """The port: where a USB board was found last; ``virtual`` for a virtual board (its
    pseudo-terminal's path says nothing)."""
    if session.is_virtual or session.device is None:
        return session.port
    return session.device.path
