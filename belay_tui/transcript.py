"""The REPL console's scrollback.

A board prints in pieces that need not end at a line break (``print(".", end="")`` in a
loop), so the last line stays open: streamed text continues it rather than starting a new
one, as in a terminal. Lines are Rich ``Text`` (styled echoes, results, tracebacks), wrapped
to the widget's width and re-wrapped when it changes.
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class Transcript(ScrollView, can_focus=True):
    """Scrollback of Rich text lines with an open last line for streamed output."""

    DEFAULT_CSS = """
    Transcript { background: $surface; overflow-y: auto; overflow-x: hidden; }
    """

    def __init__(self, max_lines: int = 5000, **kwargs) -> None:
        super().__init__(**kwargs)
        self.max_lines = max_lines
        self._lines: list[Text] = []
        self._open = False  # the last line continues with the next streamed text
        self._wrapped: list[list[Strip]] = []  # per logical line, at _width
        self._flat: list[Strip] = []
        self._width = 0

    @property
    def plain(self) -> str:
        """Everything shown, as plain text (what a user would copy)."""
        return "\n".join(line.plain for line in self._lines)

    # -- writing -------------------------------------------------------------------------

    def write(self, text: Text | str) -> None:
        """Add complete lines (``text`` may hold several), after any open line."""
        self._open = False
        text = Text(text) if isinstance(text, str) else text
        for line in text.split("\n", allow_blank=True):
            self._append(line)
        self._changed()

    def stream(self, text: str, style: str = "") -> None:
        """Add output as it arrived: continue the open line, open a new one at the end."""
        if not text:
            return
        first, *rest = text.split("\n")
        if self._open:
            joined = self._lines[-1].copy()
            joined.append_text(Text(first, style=style))
            self._replace_last(joined)
        else:
            self._append(Text(first, style=style))
        for part in rest[:-1]:
            self._append(Text(part, style=style))
        if rest and rest[-1]:
            self._append(Text(rest[-1], style=style))
        # Text ending in a line break leaves the cursor on a fresh line: nothing to continue.
        self._open = not rest or bool(rest[-1])
        self._changed()

    def end_stream(self) -> None:
        """Close the open line: what comes next starts on a line of its own."""
        self._open = False

    def clear(self) -> None:
        self._lines.clear()
        self._wrapped.clear()
        self._flat.clear()
        self._open = False
        self._changed()

    # -- layout --------------------------------------------------------------------------

    def _append(self, line: Text) -> None:
        line.expand_tabs()
        self._lines.append(line)
        wrapped = self._wrap(line)
        self._wrapped.append(wrapped)
        self._flat.extend(wrapped)
        if len(self._lines) > self.max_lines * 1.1:  # trim in batches, not per line
            del self._lines[: len(self._lines) - self.max_lines]
            self._rewrap()

    def _replace_last(self, line: Text) -> None:
        line.expand_tabs()
        old = self._wrapped[-1]
        del self._flat[len(self._flat) - len(old) :]
        self._lines[-1] = line
        self._wrapped[-1] = self._wrap(line)
        self._flat.extend(self._wrapped[-1])

    def _wrap(self, line: Text) -> list[Strip]:
        if self._width <= 0:
            return []  # wrapped once the size is known (on_resize)
        console = self.app.console
        options = console.options.update(width=self._width, overflow="fold", no_wrap=False)
        return [Strip(segments) for segments in console.render_lines(line, options, pad=False)]

    def _rewrap(self) -> None:
        self._wrapped = [self._wrap(line) for line in self._lines]
        self._flat = [strip for strips in self._wrapped for strip in strips]

    def _changed(self) -> None:
        at_end = self.scroll_y >= self.max_scroll_y
        self.virtual_size = Size(self._width, len(self._flat))
        if at_end:
            self.scroll_end(animate=False, immediate=False, x_axis=False)
        self.refresh()

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            self._rewrap()
            self._changed()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        style = self.rich_style
        if index >= len(self._flat):
            return Strip.blank(width, style)
        return self._flat[index].crop_extend(0, width, style).apply_style(style)
