"""The REPL console's scrollback, fast enough for a board printing as fast as it can.

A board prints in pieces that need not end at a line break (``print(".", end="")`` in a
loop), so the last line stays open: streamed text continues it rather than starting a new
one, as in a terminal.

Twenty thousand lines can arrive in a fraction of a second, so the work per line is kept to
a few list appends: streamed output is kept as plain strings (styled lines such as echoes
and tracebacks as Rich ``Text``), each line's height is its length in cells divided by the
width (lines wrap at the last column, as in a terminal, so no layout is needed to know it),
and a running total of heights finds the line under any row by bisection. Only the lines on
screen are rendered, and those renderings are cached until the width changes. Memory is
bounded by ``max_lines``: older lines are dropped in batches.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from .settings import DEFAULT_SCROLLBACK

#: Seconds between moves of the scroll position while lines keep arriving.
SCROLL_EVERY = 0.2
#: Rendered lines kept for redrawing; a screen shows far fewer.
CACHE_LINES = 1_000

Line = str | Text


def _cells(line: Line) -> int:
    return line.cell_len if isinstance(line, Text) else cell_len(line)


class Transcript(ScrollView, can_focus=True):
    """Scrollback of lines with an open last line for streamed output."""

    DEFAULT_CSS = """
    Transcript { background: $surface; overflow-y: auto; overflow-x: hidden; }
    """

    def __init__(self, max_lines: int = DEFAULT_SCROLLBACK, **kwargs) -> None:
        super().__init__(**kwargs)
        self.max_lines = max_lines
        self._lines: list[Line] = []
        self._cell_lens: list[int] = []
        self._ends: list[int] = []  # rows through each line, at _width
        self._open = False  # the last line continues with the next streamed text
        self._open_style = ""
        self._cache: dict[int, list[Strip]] = {}  # line index -> its rows, at _width
        self._width = 0
        self._style: Style | None = None
        self._follow = True  # the view shows the end and stays there as lines arrive
        self._scroll_timer: Timer | None = None
        self._scroll_stale = False

    @property
    def plain(self) -> str:
        """Everything kept, as plain text (what a user would copy)."""
        return "\n".join(line if isinstance(line, str) else line.plain for line in self._lines)

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def last_lines(self, count: int) -> list[str]:
        """The last ``count`` lines as plain text."""
        tail = self._lines[-count:] if count else []
        return [line if isinstance(line, str) else line.plain for line in tail]

    # -- writing -------------------------------------------------------------------------

    def write(self, text: Text | str) -> None:
        """Add complete lines (``text`` may hold several), after any open line."""
        self._open = False
        text = Text(text) if isinstance(text, str) else text
        self._extend(text.split("\n", allow_blank=True))
        self._changed()

    def stream(self, text: str, style: str = "") -> None:
        """Add output as it arrived: continue the open line, open a new one at the end."""
        if not text:
            return
        first, *rest = text.split("\n")
        if self._open:
            self._continue_last(first, style)
        else:
            rest.insert(0, first)
        # Text ending in a line break leaves the cursor on a fresh line: nothing to continue.
        closed = bool(rest) and not rest[-1]
        if closed:
            rest.pop()
        if style:
            self._extend([Text(part, style=style) for part in rest])
        else:  # checked in one pass over the text, not line by line
            self._extend(rest, simple="\t" not in text and text.isascii())
        self._open = not closed
        self._open_style = style
        self._changed()

    def end_stream(self) -> None:
        """Close the open line: what comes next starts on a line of its own."""
        self._open = False

    def clear(self) -> None:
        self._lines.clear()
        self._cell_lens.clear()
        self._ends.clear()
        self._cache.clear()
        self._open = False
        self._changed()

    # -- layout --------------------------------------------------------------------------

    def _height(self, cells: int) -> int:
        width = self._width or 1
        return (cells - 1) // width + 1 if cells else 1

    def _extend(self, lines: list[Line], simple: bool = False) -> None:
        """Append ``lines``; ``simple``: the caller knows them all to be ASCII strings
        without tabs, whose length is their width in cells."""
        if not lines:
            return
        if not simple:
            for i, line in enumerate(lines):
                if "\t" in (line if isinstance(line, str) else line.plain):
                    lines[i] = line.expandtabs() if isinstance(line, str) else _expanded(line)
            simple = all(isinstance(line, str) and line.isascii() for line in lines)
        cells = list(map(len, lines)) if simple else [_cells(line) for line in lines]
        self._lines.extend(lines)
        self._cell_lens.extend(cells)
        total = self._ends[-1] if self._ends else 0
        if max(cells) <= (self._width or 1):  # each on one row, as most output is
            self._ends.extend(range(total + 1, total + len(lines) + 1))
        else:
            self._ends.extend(list(accumulate(map(self._height, cells), initial=total))[1:])
        self._trim()

    def _continue_last(self, more: str, style: str) -> None:
        if not more:
            return
        last = self._lines[-1]
        # Tabs stop every 8 columns of the whole line, not of the piece.
        if isinstance(last, str) and not style and not self._open_style:
            joined: Line = (last + more).expandtabs()
        else:
            joined = Text(last) if isinstance(last, str) else last.copy()
            joined.append_text(Text(more, style=style))
            joined.expand_tabs()
        index = len(self._lines) - 1
        self._lines[index] = joined
        self._cell_lens[index] = _cells(joined)
        before = self._ends[index - 1] if index else 0
        self._ends[index] = before + self._height(self._cell_lens[index])
        self._cache.pop(index, None)

    def _trim(self) -> None:
        """Drop the oldest lines past ``max_lines``, in batches rather than line by line."""
        excess = len(self._lines) - self.max_lines
        if excess <= max(100, self.max_lines // 10):
            return
        rows = self._ends[excess - 1]
        del self._lines[:excess]
        del self._cell_lens[:excess]
        self._ends = [end - rows for end in self._ends[excess:]]
        self._cache.clear()
        if not self._follow:  # keep a reader's place while output flows
            self.scroll_to(
                y=max(0, self.scroll_y - rows), animate=False, immediate=True, force=True
            )

    def _rows(self, index: int) -> list[Strip]:
        rows = self._cache.get(index)
        if rows is None:
            if len(self._cache) >= CACHE_LINES:
                self._cache.clear()
            line = self._lines[index]
            text = Text(line) if isinstance(line, str) else line
            strip = Strip(list(text.render(self.app.console)), self._cell_lens[index])
            cells, width = self._cell_lens[index], self._width or 1
            rows = list(strip.divide([*range(width, cells, width), cells])) if cells else []
            rows = rows or [Strip.blank(0)]
            self._cache[index] = rows
        return rows

    def _changed(self) -> None:
        """Redraw now; move the scroll position (and the scrollbar) at most every
        ``SCROLL_EVERY`` seconds. Setting the virtual size lays the whole screen out again,
        too slow for every frame of a flood; meanwhile a view that follows the end is drawn
        from the end anyway (see :meth:`render_line`)."""
        self.refresh()
        if self._scroll_timer is None:
            self._sync_scroll()
            self._scroll_timer = self.set_timer(SCROLL_EVERY, self._scroll_settled)
        else:
            self._scroll_stale = True

    def _scroll_settled(self) -> None:
        self._scroll_timer = None
        if self._scroll_stale:
            self._changed()

    def _sync_scroll(self) -> None:
        self._scroll_stale = False
        follow = self._follow
        rows = self._ends[-1] if self._ends else 0
        size = Size(self._width, rows)
        overflows = rows > self.container_size.height
        if overflows != self.show_vertical_scrollbar:
            self.virtual_size = size  # the scrollbar comes or goes: a layout
        else:
            # Nothing on screen moves but the scrollbar's thumb, if there is one: no layout.
            self.set_reactive(Transcript.virtual_size, size)
            if overflows:
                self.vertical_scrollbar.window_virtual_size = rows
                self.vertical_scrollbar.refresh()
        if follow:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)

    @property
    def settled(self) -> bool:
        """Whether the scroll position and scrollbar show every line (for screenshots)."""
        return self._scroll_timer is None and not self._scroll_stale

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._follow = new_value >= self.max_scroll_y

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            self._cache.clear()
            self._ends = list(accumulate(map(self._height, self._cell_lens)))
            self._changed()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style = None
        self.refresh()

    def render_line(self, y: int) -> Strip:
        region = self.scrollable_content_region
        width = region.width
        if self._follow:  # the end, even before the scroll position has caught up
            row = max(0, (self._ends[-1] if self._ends else 0) - region.height) + y
        else:
            row = self.scroll_offset.y + y
        if self._style is None:  # looked up once, not per line: it walks the ancestors
            self._style = self.rich_style
        style = self._style
        index = bisect_right(self._ends, row)
        if index >= len(self._lines):
            return Strip.blank(width, style)
        first = self._ends[index - 1] if index else 0
        return self._rows(index)[row - first].crop_extend(0, width, style).apply_style(style)


def _expanded(text: Text) -> Text:
    text.expand_tabs()
    return text
