"""The Plot pane on a virtual board: numbers printed become series, hidden costs nothing."""

from __future__ import annotations

import pytest
from pilot_helpers import connected, run_line, show, until

from belay_tui.numbers import numbers
from belay_tui.plot_pane import DEFAULT_WINDOW, WINDOWS


@pytest.mark.parametrize(
    ("line", "values"),
    [
        ("12.5", {"1": 12.5}),
        ("1, 2.5, 3", {"1": 1.0, "2": 2.5, "3": 3.0}),
        ("1 2.5\t-3e2", {"1": 1.0, "2": 2.5, "3": -300.0}),
        ("t=21.3 h=40", {"t": 21.3, "h": 40.0}),
        ("t: 21.3, h: 40", {"t": 21.3, "h": 40.0}),
        ("temperature 21.3", None),
        ("x=1 2", None),
        ("1.2.3", None),
        ("", None),
    ],
)
def test_lines_of_numbers(line, values):
    assert numbers(line) == values


async def test_printed_numbers_become_series_and_keys_work(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"import time", "enter")
        # 200 lines a second, more than a window's worth.
        loop = "for i in range(300): print('t=%d h=%d' % (i, 2 * i)); time.sleep(0.005)"
        await run_line(pilot, *loop, "enter", "enter")
        pane = app.plot_pane
        await show(pilot, "f7", "#plot-chart")
        await until(pilot, lambda: pane.count == DEFAULT_WINDOW and not pane.unread, "points")
        assert list(pane.series) == ["t", "h"]
        assert pane.series["h"][-1] == (DEFAULT_WINDOW - 1, 598.0)  # the newest lines
        await pilot.press("w")
        assert pane.window == WINDOWS[WINDOWS.index(DEFAULT_WINDOW) + 1]
        await pilot.press("p")
        await pilot.press("f2")
        await run_line(pilot, *"print(1, 2)", "enter")
        await show(pilot, "f7", "#plot-chart")
        assert pane.paused and pane.count == DEFAULT_WINDOW and not pane.unread
        await pilot.press("p", "c")
        assert not pane.series and pane.count == 0
        await pilot.press("f2")
        await run_line(pilot, *"print(1, 2)", "enter")
        await show(pilot, "f7", "#plot-chart")
        await until(pilot, lambda: pane.count == 1, "the point after the pause")
        assert list(pane.series) == ["1", "2"]


async def test_a_hidden_plot_only_keeps_the_last_lines(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"for i in range(5000): print(i)", "enter", "enter")
        pane = app.plot_pane
        assert pane.count == 0 and not pane.series  # nothing read while hidden
        assert pane.unread == DEFAULT_WINDOW
        await show(pilot, "f7", "#plot-chart")
        await until(pilot, lambda: pane.count == DEFAULT_WINDOW, "the window's points")
        assert pane.series["1"][-1] == (DEFAULT_WINDOW - 1, 4999.0)
