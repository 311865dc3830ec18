"""The REPL console's input: Python's REPL rules in a multi-line editor.

Enter runs the code when it is complete and opens a new, indented line when it is not
(``for i in range(3):``); a blank line ends a block, as in Python's REPL. Up on the first
line and down on the last walk the history; the draft being typed is kept. Tab after a name
asks for completions (the console asks the board); elsewhere it indents. A multi-line paste
arrives whole and runs on Enter; Ctrl-E asks for the paste box; Ctrl-R searches the history
(kept per project, see :mod:`belay_tui.history`).
"""

from __future__ import annotations

import codeop
import warnings

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import EditResult

from engine.complete import can_complete

from .history import History

INDENT = "    "


def is_complete(code: str) -> bool:
    """Whether Python's REPL would run ``code`` now rather than ask for more lines.

    Code with a syntax error counts as complete: the board's own compiler reports it.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for "is" with a literal
            return codeop.compile_command(code, "<input>", "single") is not None
    except (SyntaxError, ValueError, OverflowError):
        return True


def next_indent(line: str) -> str:
    """The indentation for the line after ``line``: the same, one level deeper after ``:``."""
    indent = line[: len(line) - len(line.lstrip())]
    return indent + INDENT if line.rstrip().endswith(":") else indent


class ReplInput(TextArea):
    """Multi-line code input with history. Posts :class:`ReplInput.Submitted`."""

    BINDINGS = [
        Binding("ctrl+c", "app.interrupt", "Interrupt"),
        Binding("ctrl+d", "app.soft_reset", "Soft reset"),
        Binding("ctrl+r", "search_history", "Search history", show=False),
        Binding("ctrl+e", "paste_mode", "Paste mode", show=False),
    ]

    class Submitted(Message):
        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    class CompletionWanted(Message):
        """Tab after a name: ``line`` is the current line up to the cursor."""

        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    class PasteModeWanted(Message):
        """Ctrl-E: open the paste box."""

    class SearchChanged(Message):
        """The history search started, moved or ended (``ReplInput.search`` says which)."""

    def __init__(self, history: History | None = None, **kwargs) -> None:
        super().__init__(soft_wrap=True, tab_behavior="indent", show_line_numbers=False, **kwargs)
        self.repl_history = history or History()
        self._position = len(self.past)  # index into history; len(history) is the draft
        self._draft = ""
        self._pasted = False  # a multi-line paste is in the input: Enter runs it as it is
        #: The history search's query while Ctrl-R searches, else None.
        self.search: str | None = None
        self.search_failed = False
        self._found = 0  # the history entry the search shows

    @property
    def past(self) -> list[str]:
        return self.repl_history.entries

    async def _on_key(self, event: events.Key) -> None:
        if self.search is not None and self._search_key(event):
            event.stop()
            event.prevent_default()
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self._enter()
            return
        if event.key == "tab" and self.selection.is_empty:
            row, column = self.cursor_location
            before = self.document.get_line(row)[:column]
            if can_complete(before):  # after a name: complete, not indent
                event.stop()
                event.prevent_default()
                self.post_message(self.CompletionWanted(before))
                return
        await super()._on_key(event)

    # Nothing above the input listens for these two. Stopped here, each key's two messages
    # no longer travel up eight containers, a turn of the event loop per step, while the
    # key's echo waits to be drawn (during a flood of output, each turn may wait for the GIL).
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        event.stop()

    async def _on_paste(self, event: events.Paste) -> None:
        """A paste (bracketed by the terminal) arrives whole: its lines as they are, no
        indentation added, and Enter then runs it."""
        event.stop()
        event.prevent_default()
        self._end_search()
        text = event.text.replace("\r\n", "\n").replace("\r", "\n")
        if not self.selection.is_empty:
            self.delete(*self.selection)
        self.insert(text)
        self._pasted = self._pasted or "\n" in text.strip("\n")

    def _enter(self) -> None:
        row, _ = self.cursor_location
        lines = self.text.split("\n")
        last_line_blank = len(lines) > 1 and not lines[-1].strip()
        at_end = row == len(lines) - 1
        if self._pasted and at_end and is_complete(self.text.rstrip() + "\n"):
            self.submit()
        elif not at_end:
            self.insert("\n" + next_indent(lines[row]))  # editing inside a block
        elif last_line_blank or is_complete(self.text):
            self.submit()
        else:
            self.insert("\n" + next_indent(lines[row]))

    def submit(self) -> None:
        """Hand the code over (trailing blank lines dropped), remember it, start afresh."""
        code = self.text.rstrip()
        self.remember(code)
        self.clear()
        self.post_message(self.Submitted(code))

    def remember(self, code: str) -> None:
        """Add ``code`` to the history (and the project's history file); start a new draft."""
        self.repl_history.add(code)
        self._position = len(self.past)
        self._draft = ""
        self._pasted = False

    def clear(self) -> EditResult:
        self._pasted = False
        return super().clear()

    def action_paste_mode(self) -> None:
        self.post_message(self.PasteModeWanted())

    # -- walking and searching the history --------------------------------------------

    def action_cursor_up(self, select: bool = False) -> None:
        if select or not self.cursor_at_first_line or self._position == 0:
            super().action_cursor_up(select)
            return
        if self._position == len(self.past):
            self._draft = self.text
        self._position -= 1
        self._show(self.past[self._position])

    def action_cursor_down(self, select: bool = False) -> None:
        if select or not self.cursor_at_last_line or self._position >= len(self.past):
            super().action_cursor_down(select)
            return
        self._position += 1
        at_draft = self._position == len(self.past)
        self._show(self._draft if at_draft else self.past[self._position])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the link is down, Ctrl-R is the app's reconnect, as the state line says.
        if action == "search_history" and self.app.check_action("reconnect", ()):
            return False
        return super().check_action(action, parameters)

    def action_search_history(self) -> None:
        """Ctrl-R: search the history backwards for what is typed next (again: older, see
        :meth:`_search_key`)."""
        self._draft = self.text
        self.search = ""
        self._found = len(self.past)
        self.post_message(self.SearchChanged())

    def _search_key(self, event: events.Key) -> bool:
        """A key while searching: True when the search used it."""
        if event.key in ("escape", "ctrl+g"):
            self._show(self._draft)
            self._end_search()
        elif event.key == "enter":
            self._end_search()  # the entry found stays, to edit or run
        elif event.key == "ctrl+r":
            self._find(self._found)
        elif event.key == "backspace":
            self.search = self.search[:-1]
            self._find(len(self.past))
        elif event.is_printable and event.character:
            self.search += event.character
            self._find(self._found + 1)
        else:
            self._end_search()
            return False
        self.post_message(self.SearchChanged())
        return True

    def _find(self, before: int) -> None:
        """Show the newest entry older than index ``before`` that holds the query."""
        for index in range(min(before, len(self.past)) - 1, -1, -1):
            if self.search in self.past[index]:
                self._found = self._position = index
                self._show(self.past[index])
                self.search_failed = False
                return
        self.search_failed = True
        self.app.bell()

    def _end_search(self) -> None:
        if self.search is not None:
            self.search = None
            self.search_failed = False
            self.post_message(self.SearchChanged())

    def _show(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)
        self._pasted = False
