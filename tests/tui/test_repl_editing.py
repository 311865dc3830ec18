"""Completion, paste, the paste box and history search, on a virtual board, by keys."""

from __future__ import annotations

import json

from pilot_helpers import connected, run_line, until
from textual import events

from belay_tui.history import KEEP, History
from belay_tui.paste_screen import PasteScreen


def lines(app) -> list[str]:
    return app.repl.transcript.plain.splitlines()


async def test_tab_completes_from_the_board(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"import machine", "enter")
        entry = app.repl.input
        await pilot.press(*"machine.Pin.OU", "tab")
        await until(pilot, lambda: entry.text == "machine.Pin.OUT", "the completion")
        entry.clear()
        await pilot.press(*"machine.Pi", "tab")  # Pin and PinBase: what they share
        await until(pilot, lambda: entry.text == "machine.Pin", "the common part")
        await pilot.press("tab")  # nothing more to add: the names are listed
        await until(pilot, lambda: lines(app)[-1].split() == ["Pin", "PinBase"], "the list")
        assert entry.text == "machine.Pin"


async def test_tab_completes_module_names_after_import(make_app, project):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        entry = app.repl.input
        await pilot.press(*"import mat", "tab")
        await until(pilot, lambda: entry.text == "import math", "the built-in module")
        entry.clear()
        await pilot.press(*"from asyncio import co", "tab")
        await until(pilot, lambda: entry.text == "from asyncio import core", "the submodule")
        entry.clear()
        await pilot.press(*"from ma", "tab")  # machine and math: listed as the REPL lists
        await until(pilot, lambda: {"machine", "math"} <= set(lines(app)[-1].split()), "the list")
        assert entry.text == "from ma"


async def test_tab_after_a_call_or_blank_indents(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await pilot.press(*"if 1:", "enter")
        await pilot.press("tab")
        assert app.repl.input.text == "if 1:\n" + " " * 8
        assert app.session.idle


async def test_a_pasted_block_arrives_whole_and_runs_on_enter(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        entry = app.repl.input
        block = "def f(x):\n    if x:\n        return 'yes'\n\n    return 'no'\nprint(f(1), f(0))"
        entry.post_message(events.Paste(block.replace("\n", "\r\n")))
        await until(pilot, lambda: entry.text == block, "the paste")
        await run_line(pilot, "enter")
        assert lines(app)[-1] == "yes no"
        assert lines(app)[-7] == ">>> def f(x):"


async def test_the_paste_box_runs_its_block_on_ctrl_d(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await pilot.press("ctrl+e")
        await until(pilot, lambda: isinstance(app.screen, PasteScreen), "the paste box")
        box = app.screen.query_one("#paste-code")
        box.insert("for i in range(2):\n    print('pasted', i)\n")
        await pilot.press("ctrl+d")
        await until(pilot, lambda: lines(app)[-1:] == ["pasted 1"], "the block's output")
        assert "=== for i in range(2):" in lines(app)
        await pilot.press("ctrl+e")
        await until(pilot, lambda: isinstance(app.screen, PasteScreen), "the paste box")
        app.screen.query_one("#paste-code").insert("n = 6\nn * 7\n'no value'\nn\n")
        await pilot.press("ctrl+d")
        # As MicroPython's paste mode: each expression's value, but not a lone constant's.
        await until(pilot, lambda: lines(app)[-2:] == ["42", "6"], "the values")
        assert "'no value'" not in lines(app)[-4:]
        await pilot.press("ctrl+e")
        await until(pilot, lambda: isinstance(app.screen, PasteScreen), "the paste box")
        await pilot.press(*"1/0", "ctrl+c")  # cancelled: nothing runs
        await until(pilot, lambda: not isinstance(app.screen, PasteScreen), "the console")
        assert lines(app)[-1] == "6"


async def test_ctrl_r_searches_the_history(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        for line in ("alpha = 1", "beta = 2", "alpha + beta"):
            await run_line(pilot, *line, "enter")
        entry = app.repl.input
        state = app.query_one("#repl-state")
        await pilot.press(*"dra", "ctrl+r", *"alp")
        assert entry.text == "alpha + beta"
        assert "reverse-i-search `alp'" in str(state.render())
        await pilot.press("ctrl+r")
        assert entry.text == "alpha = 1"
        await pilot.press("escape")
        assert entry.text == "dra" and entry.search is None
        entry.clear()
        await pilot.press("ctrl+r", *"bet", "enter")
        assert entry.text == "alpha + beta" and entry.search is None
        await run_line(pilot, "enter")
        assert lines(app)[-1] == "3"


async def test_history_is_kept_per_project(make_app, project):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"x = 41", "enter")
        await pilot.press("ctrl+e")
        await until(pilot, lambda: isinstance(app.screen, PasteScreen), "the paste box")
        app.screen.query_one("#paste-code").insert("if x:\n    x += 1\n")
        await pilot.press("ctrl+d")
        await until(pilot, lambda: app.session.idle and not app.repl.pending, "the block")
    again = make_app()
    async with again.run_test() as pilot:
        await pilot.press("up")
        assert again.repl.input.text == "if x:\n    x += 1"
        await pilot.press("up", "up")  # to the block's first line, then the entry before
        assert again.repl.input.text == "x = 41"


def test_unreadable_history_lines_are_skipped_and_the_file_left_whole(tmp_path):
    path = tmp_path / "history"
    text = json.dumps("ok = 1") + "\nnot json\n" + json.dumps(["a list"]) + "\n"
    path.write_text(text)
    history = History(path)
    assert history.entries == ["ok = 1"]
    assert history.problem == f"2 unreadable lines in {path} skipped"
    history.add("more = 2")
    assert path.read_text() == text + json.dumps("more = 2") + "\n"


def test_a_long_history_is_trimmed_to_the_newest(tmp_path):
    path = tmp_path / "history"
    path.write_text("".join(json.dumps(f"n = {i}") + "\n" for i in range(2 * KEEP)))
    history = History(path)
    assert len(history.entries) == KEEP and history.entries[-1] == f"n = {2 * KEEP - 1}"
    assert History(path).entries == history.entries
