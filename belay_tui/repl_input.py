"""The REPL console's input: Python's REPL rules in a multi-line editor.

Enter runs the code when it is complete and opens a new, indented line when it is not
(``for i in range(3):``); a blank line ends a block, as in Python's REPL. Up on the first
line and down on the last walk the history; the draft being typed is kept.
"""

from __future__ import annotations

import codeop
import warnings

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

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
    ]

    class Submitted(Message):
        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, tab_behavior="indent", show_line_numbers=False, **kwargs)
        self.past: list[str] = []
        self._position = 0  # index into history; len(history) is the draft
        self._draft = ""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self._enter()
            return
        await super()._on_key(event)

    def _enter(self) -> None:
        row, _ = self.cursor_location
        lines = self.text.split("\n")
        last_line_blank = len(lines) > 1 and not lines[-1].strip()
        if row < len(lines) - 1:
            self.insert("\n" + next_indent(lines[row]))  # editing inside a block
        elif last_line_blank or is_complete(self.text):
            self.submit()
        else:
            self.insert("\n" + next_indent(lines[row]))

    def submit(self) -> None:
        """Hand the code over (trailing blank lines dropped), remember it, start afresh."""
        code = self.text.rstrip()
        if code and (not self.past or self.past[-1] != code):
            self.past.append(code)
        self._position = len(self.past)
        self._draft = ""
        self.clear()
        self.post_message(self.Submitted(code))

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

    def _show(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)
