"""Several boards in one session: the Boards list (F6), switching, adding, and "Sync all"."""

from __future__ import annotations

from pilot_helpers import connected, run_line, show, until
from textual.widgets import DataTable

from belay_tui.app import BelayApp
from belay_tui.boards_screen import BoardsScreen


def two_boards(project) -> BelayApp:
    return BelayApp("virtual", project, more_ports=["virtual"])


async def all_connected(pilot) -> None:
    app = pilot.app
    await connected(pilot)
    await until(
        pilot,
        lambda: all(s.status.state == "connected" and s.idle for s in app.sessions),
        "every board to connect",
    )


def rows(app) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_the_boards_list_shows_every_board_and_switching_moves_the_repl(project):
    app = two_boards(project)
    async with app.run_test(size=(100, 30)) as pilot:
        await all_connected(pilot)
        first, second = app.sessions
        assert app.status_bar.port_label == "virtual board 1 (1 of 2)"
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, BoardsScreen), "the boards list")
        listed = rows(app)
        assert [row[1] for row in listed] == ["virtual board 1", "virtual board 2"]
        assert [row[0] for row in listed] == ["▶", ""]
        assert [row[3] for row in listed] == ["connected", "connected"]
        assert listed[1][2] == "virtual"
        await pilot.press("down", "enter")
        await until(pilot, lambda: app.session is second, "the switch")
        assert not isinstance(app.screen, BoardsScreen)
        assert app.status_bar.port_label == "virtual board 2 (2 of 2)"
        await run_line(pilot, *"open('here', 'w').close()", "enter")
        assert (second.board.root / "here").exists()
        assert not (first.board.root / "here").exists()


async def test_sync_all_syncs_every_board_with_a_row_each(project):
    (project / "board").mkdir()
    (project / "board" / "main.py").write_text("print('hello')\n")
    app = two_boards(project)
    async with app.run_test(size=(100, 30)) as pilot:
        await all_connected(pilot)
        await show(pilot, "f3", "#sync-tree")
        await pilot.press("A")
        pane = app.sync_pane
        await until(
            pilot,
            lambda: len(pane.board_rows) == 2 and all(r.ended for r in pane.board_rows.values()),
            "both boards' syncs",
        )
        assert not any(row.failed for row in pane.board_rows.values())
        for session in app.sessions:
            assert (session.board.root / "main.py").read_text() == "print('hello')\n"
            assert session.last_sync.endswith("(1 written)")


async def test_a_board_added_from_the_list_connects_and_a_lost_one_shows_there(project):
    app = BelayApp("virtual", project)
    async with app.run_test(size=(100, 30)) as pilot:
        await connected(pilot)
        assert app.status_bar.port_label == "virtual board"
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, BoardsScreen), "the boards list")
        await pilot.press("a", *"virtual", "enter")
        await all_connected(pilot)
        assert len(app.sessions) == 2
        await until(pilot, lambda: rows(app)[1][3] == "connected", "the new board's row")
        app.sessions[1].board.unplug()
        await until(pilot, lambda: rows(app)[1][3] == "lost", "the lost board's row")
        assert app.session.status.state == "connected"  # the board shown is unaffected
        assert app.status_bar.port_label == "virtual board (1 of 2)"
