"""The app as a whole: start-up, help, palette, quitting, errors and the session log."""

from __future__ import annotations

import gc
import io

import pytest
from pilot_helpers import connected, run_line, until
from rich.console import Console
from textual.command import CommandPalette

from belay_tui.actions import ACTIONS
from belay_tui.app import BelayApp
from belay_tui.cli import main
from belay_tui.help_screen import HelpScreen, keys_table
from belay_tui.screenshots import palette_highlights
from belay_tui.session_log import SessionLog
from belay_tui.status_bar import StatusBar


async def test_fits_80_by_24(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        for widget in (app.repl.transcript, app.repl.input, app.query_one(StatusBar)):
            region = widget.region
            assert region.height > 0 and region.right <= 80 and region.bottom <= 24


async def test_help_screen_opens_and_closes(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(keys_table())
        text = console.export_text()
        assert all(action.title in text for action in ACTIONS)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_palette_offers_every_available_action(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        # Connected and plugged in: no reconnect, no replug; one board: no "sync all".
        expected = {a.title for a in ACTIONS if a.name not in ("replug", "reconnect", "sync_all")}
        assert expected <= titles
        assert not {"Virtual board: replug", "Reconnect"} & titles


async def test_palette_runs_an_action(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Help")
        assert isinstance(app.screen, CommandPalette)
        await until(pilot, lambda: palette_highlights(app, "Help"), "the palette's match")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")


async def test_q_quits_outside_the_input_and_types_inside_it(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("q")
        assert app.repl.input.text == "q"
        app.repl.transcript.focus()
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, "the app to quit")


async def test_ctrl_q_quits_from_the_input(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running, "the app to quit")


async def test_a_port_that_does_not_exist_fails_and_the_app_stays(make_app):
    app = make_app("/dev/no-such-board")
    async with app.run_test(notifications=True) as pilot:
        bar = app.query_one(StatusBar)
        await until(pilot, lambda: bar.status.state == "failed", "the failure")
        assert bar.has_class("-lost")
        assert "no serial port '/dev/no-such-board'" in bar.status.reason
        assert "\n" not in bar.status.reason
        assert any(n.title == "link failed" for n in app._notifications)
        await run_line(pilot, *"1+1", "enter")
        assert app.repl.transcript.plain.splitlines()[-1].startswith("link lost: not connected")


def test_missing_project_folder_is_a_one_line_error(tmp_path, capsys):
    assert main(["--project", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err  # one line, however long the path
    assert err == f"error: project folder {tmp_path / 'nowhere'} does not exist\n"


@pytest.mark.parametrize("own_process", [True, False])
async def test_only_an_app_alone_in_its_process_freezes_its_start_up_heap(project, own_process):
    # Frozen, the objects made at start-up are no longer walked by each full collection.
    # An app sharing its process (tests, screenshots) leaves the collector as it is.
    app = BelayApp("virtual", project, own_process=own_process)
    try:
        async with app.run_test() as pilot:
            await connected(pilot)  # long after the app was ready
            assert (gc.get_freeze_count() > 0) is own_process
    finally:
        gc.unfreeze()


async def test_session_log_records_the_session_without_secrets(project):
    app = BelayApp("virtual", project, password="hunter22")
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"pw = 'hunter22'", "enter")
        await run_line(pilot, *"1/0", "enter")
        version = ".".join(map(str, app.session.device.implementation.version))
    log = (project / ".belay" / "session.log").read_text()
    assert f"connected   virtual board: micropython {version} (1)" in log
    assert "repl        pw = '***'" in log
    assert "repl error  ZeroDivisionError: divide by zero" in log
    assert "hunter22" not in log


async def test_unwritable_session_log_warns_and_the_session_goes_on(project):
    (project / ".belay").write_text("a file where the folder should be")
    app = BelayApp("virtual", project)
    async with app.run_test(notifications=True) as pilot:
        await connected(pilot)
        assert any(n.title == "session log" for n in app._notifications)
        await run_line(pilot, *"1+2", "enter")
        assert app.repl.transcript.plain.splitlines()[-1] == "3"


@pytest.mark.parametrize("secret_env", ["envsecret1"])
def test_log_redacts_the_environment_password(tmp_path, monkeypatch, secret_env):
    monkeypatch.setenv("BELAY_PASSWORD", secret_env)
    log = SessionLog.for_project(tmp_path, None)
    log.write("repl", f"connect('{secret_env}')\nsecond line")
    log.close()
    text = (tmp_path / ".belay" / "session.log").read_text()
    assert secret_env not in text
    assert text.splitlines()[1] == " " * 32 + "second line"


async def test_ctrl_l_clears_the_console(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"1+1", "enter")
        assert app.repl.transcript.plain
        await pilot.press("ctrl+l")
        assert app.repl.transcript.plain == ""


async def test_power_cut_from_the_palette_is_noticed_and_restored(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        bar = app.query_one(StatusBar)
        await pilot.press("ctrl+p", *"power cut")
        await until(pilot, lambda: palette_highlights(app, "power cut"), "the palette's match")
        await pilot.press("enter")
        await until(pilot, lambda: bar.connects == 2, "the board's restart to be restored")
        await until(pilot, lambda: bar.status.state == "connected", "connected again")
        await run_line(pilot, *"2**10", "enter")
        assert app.repl.transcript.plain.splitlines()[-1] == "1024"
        assert "the virtual board lost power" in app.repl.transcript.plain
