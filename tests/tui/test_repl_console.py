"""The REPL console against a virtual board, driven by keys as a person would."""

from __future__ import annotations

import pytest
from pilot_helpers import connected, run_line, until

from belay_tui.app import RESTARTED
from belay_tui.repl_input import ReplInput, is_complete, next_indent


def lines(app) -> list[str]:
    return app.repl.transcript.plain.splitlines()


@pytest.mark.parametrize(
    ("code", "complete"),
    [
        ("1+1", True),
        ("x = 5", True),
        ("for i in range(3):", False),
        ("for i in range(3):\n    print(i)", False),
        ("for i in range(3):\n    print(i)\n", True),
        ("def f(:", True),  # a syntax error: the board reports it
        ("(1,\n2", False),
    ],
)
def test_completeness_follows_pythons_repl(code, complete):
    assert is_complete(code) is complete


def test_indent_deepens_after_a_colon():
    assert next_indent("    if x:") == " " * 8
    assert next_indent("    y = 1") == " " * 4


async def test_console_has_focus_and_echoes_the_value(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        assert isinstance(app.focused, ReplInput)
        await connected(pilot)
        await run_line(pilot, *"6*7", "enter")
        assert lines(app)[-2:] == [">>> 6*7", "42"]


async def test_statements_echo_nothing_and_state_persists(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"x = 5", "enter")
        await run_line(pilot, *"x * 2", "enter")
        assert lines(app)[-3:] == [">>> x = 5", ">>> x * 2", "10"]


async def test_multi_line_block_runs_after_a_blank_line(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await pilot.press(*"for i in range(3):", "enter", *"print(i * 10)", "enter")
        assert app.repl.input.text == "for i in range(3):\n    print(i * 10)\n    "
        await run_line(pilot, "enter")
        assert lines(app)[-5:] == [
            ">>> for i in range(3):",
            "...     print(i * 10)",
            "0",
            "10",
            "20",
        ]
        assert app.repl.input.text == ""


async def test_traceback_is_highlighted(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"1/0", "enter")
        assert lines(app)[-1] == "ZeroDivisionError: divide by zero"
        last = app.repl.transcript._lines[-1]
        assert last.spans, "the exception line carries colour"


async def test_syntax_error_is_shown_not_raised(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"def f(:", "enter")
        assert lines(app)[-1] == "SyntaxError: invalid syntax"


async def test_output_streams_while_the_code_runs(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"from machine import Pin", "enter")
        await pilot.press(*"def wait():", "enter", *"print('waiting', end='!')", "enter")
        await run_line(pilot, *"while not Pin('GO', Pin.IN).value(): pass", "enter", "enter")
        await pilot.press(*"wait()", "enter")
        await until(pilot, lambda: "waiting!" in lines(app), "streamed output")
        assert app.session.running is not None, "the output arrived before the call ended"
        assert "running" in str(app.query_one("#repl-state").render())
        app.session.board.set_input("GO", 1)
        await until(pilot, lambda: app.session.idle and not app.repl.pending)
        await run_line(pilot, *"print('after')", "enter")
        assert lines(app)[-2:] == [">>> print('after')", "after"]


async def test_partial_lines_join_like_a_terminal(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"print('a', end=''); print('b')", "enter")
        assert lines(app)[-1] == "ab"


async def test_output_shows_even_when_the_refresh_it_waited_for_never_comes(make_app, monkeypatch):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        # Output is taken after the next refresh of the screen on top; a dialog that closes
        # before refreshing takes that request along. Here every request is lost.
        monkeypatch.setattr(app.repl, "call_after_refresh", lambda *args, **kwargs: True)
        await pilot.press(*"print('still shown')", "enter")
        await until(pilot, lambda: lines(app)[-1:] == ["still shown"], "the output")


async def test_history_walks_up_and_down_keeping_the_draft(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"1+1", "enter")
        await run_line(pilot, *"2+2", "enter")
        entry = app.repl.input
        await pilot.press(*"dra")
        await pilot.press("up")
        assert entry.text == "2+2"
        await pilot.press("up")
        assert entry.text == "1+1"
        await pilot.press("up")
        assert entry.text == "1+1"
        await pilot.press("down", "down")
        assert entry.text == "dra"


async def test_ctrl_c_interrupts_running_code(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await pilot.press(*"while True: pass", "enter", "enter")
        await until(pilot, lambda: app.session.running is not None, "the loop to start")
        await pilot.press("ctrl+c")
        await until(pilot, lambda: not app.repl.pending, "the interrupt")
        assert lines(app)[-1] == "KeyboardInterrupt"
        await run_line(pilot, *"3+4", "enter")
        assert lines(app)[-1] == "7"


async def test_ctrl_c_with_nothing_running_drops_the_line(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await pilot.press(*"half typed")
        await pilot.press("ctrl+c")
        assert app.repl.input.text == ""
        assert lines(app)[-1] == "KeyboardInterrupt"


async def test_ctrl_d_soft_resets_the_board(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"x = 1", "enter")
        await pilot.press("ctrl+d")
        await until(pilot, lambda: RESTARTED in lines(app), "the soft reboot")
        await run_line(pilot, *"x", "enter")
        assert lines(app)[-1] == "NameError: name 'x' isn't defined"


async def test_input_waits_while_the_board_is_busy_and_says_so(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"from machine import Pin", "enter")
        await pilot.press(*"while not Pin('GO', Pin.IN).value(): pass", "enter", "enter")
        await until(pilot, lambda: app.session.running is not None, "the wait to start")
        await pilot.press(*"'next'", "enter")
        state = str(app.query_one("#repl-state").render())
        assert state == "input waits: the board is busy with REPL · 1 line queued"
        assert ">>> 'next'" not in lines(app), "a waiting line is echoed when it runs"
        app.session.board.set_input("GO", 1)
        await until(pilot, lambda: not app.repl.pending, "the queued line")
        assert lines(app)[-2:] == [">>> 'next'", "'next'"]


async def test_a_line_that_resets_the_board_says_so_once(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"x = 5", "enter")
        await run_line(pilot, *"import machine; machine.soft_reset()", "enter")
        await until(pilot, lambda: RESTARTED in lines(app), "the note")
        assert lines(app)[-2:] == [">>> import machine; machine.soft_reset()", RESTARTED]
        await run_line(pilot, *"x", "enter")
        assert lines(app)[-1] == "NameError: name 'x' isn't defined"
