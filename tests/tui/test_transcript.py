"""The console's scrollback on its own, and floods of output through the whole app."""

from __future__ import annotations

import pytest
from pilot_helpers import connected, run_line, until
from rich.text import Text
from textual.app import App, ComposeResult

from belay_tui.cli import main
from belay_tui.settings import MIN_SCROLLBACK, console_settings
from belay_tui.transcript import Transcript


class TranscriptApp(App):
    def __init__(self, max_lines: int = 1000) -> None:
        super().__init__()
        self.max_lines = max_lines

    def compose(self) -> ComposeResult:
        yield Transcript(self.max_lines)


async def test_lines_wrap_at_the_last_column_like_a_terminal():
    app = TranscriptApp()
    async with app.run_test(size=(20, 10)) as pilot:
        transcript = app.query_one(Transcript)
        await until(pilot, lambda: transcript._width > 0, "a width")
        width = transcript._width
        transcript.stream("x" * (width * 2 + 1) + "\n")
        transcript.write(Text("styled", style="bold"))
        await until(pilot, lambda: transcript.settled, "the scroll position")
        assert transcript.virtual_size.height == 4  # three rows, then one
        assert transcript.last_lines(2) == ["x" * (width * 2 + 1), "styled"]
        transcript.stream("a\n" + "b" * width + "\n")  # each fits on its row
        transcript.stream("c\n" + "d" * (width + 1) + "\n")  # one of them does not
        await until(pilot, lambda: transcript.settled, "the scroll position")
        assert transcript.virtual_size.height == 4 + 2 + 3


async def test_streamed_pieces_join_and_tabs_expand():
    app = TranscriptApp()
    async with app.run_test() as pilot:
        transcript = app.query_one(Transcript)
        for piece in ["a", "b\tc\nd", "e", "\n", "\n"]:
            transcript.stream(piece)
        await pilot.pause()
        assert transcript.plain == "ab      c\nde\n"


async def test_scrollback_keeps_the_last_lines_only():
    app = TranscriptApp(max_lines=MIN_SCROLLBACK)
    async with app.run_test() as pilot:
        transcript = app.query_one(Transcript)
        transcript.stream("".join(f"{i}\n" for i in range(5000)))
        await pilot.pause()
        assert MIN_SCROLLBACK <= transcript.line_count <= 2 * MIN_SCROLLBACK
        assert transcript.last_lines(1) == ["4999"]


def test_console_settings_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.belay-tui]\nscrollback = 500\nlog-output = true\n"
    )
    settings = console_settings(tmp_path)
    assert (settings.scrollback, settings.log_output) == (500, True)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("scrollback = 'lots'", "scrollback must be a whole number of lines, at least 100"),
        ("scrollback = 5", "scrollback must be a whole number of lines, at least 100"),
        ("log-output = 'yes'", "log-output must be true or false, not 'yes'"),
    ],
)
def test_bad_console_setting_is_a_one_line_error(tmp_path, capsys, line, message):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f"[tool.belay-tui]\n{line}\n")
    assert main(["virtual", "--project", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert pyproject.read_text() == f"[tool.belay-tui]\n{line}\n"  # left whole


async def test_a_flood_stays_in_order_bounded_and_logged(make_app, project):
    (project / "pyproject.toml").write_text(
        "[tool.belay-tui]\nscrollback = 1000\nlog-output = true\n"
    )
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"for i in range(5000): print(i)", "enter", "enter")
        await run_line(pilot, *"print('after')", "enter")
        transcript = app.repl.transcript
        assert transcript.last_lines(3) == ["4999", ">>> print('after')", "after"]
        assert transcript.line_count <= 1100
    log = (project / ".belay" / "session.log").read_text()
    assert "\n" + " " * 32 + "4999\n" in log or " 4999\n" in log
    assert log.count("output") >= 1
