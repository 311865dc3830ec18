"""The Plot pane: numbers the board prints, as a live chart.

Every line of board output that is a line of numbers (see :mod:`belay_tui.numbers`) adds a
point to each of its series: one per column, or per name. The x axis counts those lines.
The chart is textual-plot's ``PlotWidget`` (a native Textual widget drawing lines in
braille dots).

Output keeps arriving while the tab is hidden, and costs next to nothing then: lines are
only kept, in a queue as long as the window, and read when the tab is shown. While shown,
the chart is redrawn a few times a second with what came meanwhile, however fast it came.
"""

from __future__ import annotations

from collections import deque

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Static
from textual_plot import HiResMode, LegendLocation, PlotWidget

from .actions import bindings
from .numbers import numbers

#: Window lengths (points per series) that ``w`` steps through.
WINDOWS = (50, 100, 200, 500, 1000)
DEFAULT_WINDOW = 200
#: Seconds between redraws while the tab is shown.
REDRAW_EVERY = 0.2
#: Series colours, in the order the series first appear.
COLOURS = ("cyan", "magenta", "yellow", "green", "red", "blue", "white")


class PlotPane(Vertical):
    """A header saying what is plotted, and the chart."""

    BINDINGS = bindings("plot")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.window = DEFAULT_WINDOW
        self.paused = False
        #: Points per series: (x, y) pairs, at most ``window`` of each.
        self.series: dict[str, deque[tuple[int, float]]] = {}
        self.count = 0  # lines of numbers read so far: the x of the next point
        self._lines: deque[str] = deque(maxlen=self.window)  # complete lines not yet read
        self._partial = ""  # the last line, until its line break arrives
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="plot-header")
        yield PlotWidget(id="plot-chart")

    @property
    def chart(self) -> PlotWidget:
        return self.query_one(PlotWidget)

    def on_mount(self) -> None:
        self._timer = self.set_interval(REDRAW_EVERY, self.redraw, pause=True)  # until shown
        self.chart.show_legend(LegendLocation.TOPLEFT)
        self._show_header()

    def on_show(self) -> None:
        if self._timer is not None:
            self._timer.resume()
        self.redraw()

    def on_hide(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    # -- input -----------------------------------------------------------------------------

    def feed(self, text: str) -> None:
        """Board output as it is shown in the console (pieces need not end a line)."""
        if self.paused:
            return
        *complete, self._partial = (self._partial + text).split("\n")
        self._lines.extend(complete)

    @property
    def unread(self) -> int:
        """Lines received and not yet read into the series."""
        return len(self._lines)

    def redraw(self) -> None:
        """Read the lines that came since the last redraw and draw the chart again."""
        if not self._lines:
            return
        while self._lines:
            values = numbers(self._lines.popleft())
            if values is None:
                continue
            for name, value in values.items():
                points = self.series.get(name)
                if points is None:
                    points = self.series[name] = deque(maxlen=self.window)
                points.append((self.count, value))
            self.count += 1
        self._draw()

    def _draw(self) -> None:
        chart = self.chart
        chart.clear()
        for i, (name, points) in enumerate(self.series.items()):
            if points:
                xs, ys = zip(*points, strict=True)
                colour = COLOURS[i % len(COLOURS)]
                chart.plot(xs, ys, line_style=colour, hires_mode=HiResMode.BRAILLE, label=name)
        self._show_header()

    def _show_header(self) -> None:
        names = ", ".join(self.series) or "none yet"
        state = " · paused" if self.paused else ""
        self.query_one("#plot-header", Static).update(
            f"series: {names} · window {self.window} points{state}"
        )

    # -- the pane's keys ---------------------------------------------------------------

    def toggle_pause(self) -> None:
        self.paused = not self.paused
        self._partial = ""  # what arrives after a pause starts on a line of its own
        self._show_header()

    def clear(self) -> None:
        self.series.clear()
        self._lines.clear()
        self.count = 0
        self._draw()

    def next_window(self) -> None:
        """The next window length: longer, then back to the shortest."""
        self.window = WINDOWS[(WINDOWS.index(self.window) + 1) % len(WINDOWS)]
        self._lines = deque(self._lines, maxlen=self.window)
        for name, points in self.series.items():
            self.series[name] = deque(points, maxlen=self.window)
        self._draw()
