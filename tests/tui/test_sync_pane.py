"""The sync pane against a virtual board: the plan tree, sync now, dry run, progress, errors."""

from __future__ import annotations

import random

import pytest
from pilot_helpers import connected, show, until
from textual.widgets import ProgressBar, Tree

from belay_tui.app import BelayApp
from belay_tui.sync_source import NO_SOURCE, find_sync_source
from engine.events import Progress


def board_folder(project, files: dict[str, str | bytes]):
    for name, data in files.items():
        path = project / "board" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())


def tree_lines(app) -> list[str]:
    lines = []

    def walk(node, depth):
        for child in node.children:
            lines.append("  " * depth + str(child.label))
            walk(child, depth + 1)

    walk(app.query_one("#sync-tree", Tree).root, 0)
    return lines


def text_of(app, selector: str) -> str:
    return str(app.query_one(selector).render())


async def show_sync(pilot) -> None:
    await show(pilot, "f3", "#sync-tree")


async def planned(pilot) -> None:
    app = pilot.app
    pane = app.sync_pane
    await until(pilot, lambda: pane.plan and not pane.planning and app.session.idle, "the plan")


def test_sync_source_follows_the_documented_order(project):
    assert find_sync_source(project) is None
    (project / "pkg").mkdir()
    (project / "pyproject.toml").write_text('[tool.belay]\nname = "pkg"\n')
    assert find_sync_source(project).dst == "/pkg"
    (project / "board").mkdir()
    assert find_sync_source(project).folder == project / "board"
    (project / "pyproject.toml").write_text('[tool.belay-tui]\nsync = "src"\n')
    source = find_sync_source(project)
    assert (source.folder, source.dst) == (project / "src", "/")
    assert source.why == "[tool.belay-tui] sync"


async def test_without_a_board_folder_it_says_what_to_do(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await show_sync(pilot)
        assert text_of(app, "#sync-head") == NO_SOURCE
        await pilot.press("s")
        await pilot.pause()
        assert app.session.idle and app.sync_pane.plan is None


async def test_tree_marks_every_path_with_sizes_and_totals(make_app, project):
    board_folder(project, {"main.py": "print(1)\n", "lib/util.py": "X = 1\n", "junk.pyc": "x"})
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await connected(pilot)
        root = app.session.board.root
        (root / "old.txt").write_text("stale")
        await show_sync(pilot)
        await planned(pilot)
        lines = tree_lines(app)
        assert "· junk.pyc  ignored" in lines
        assert "- old.txt  5 B  deleted" in lines
        assert "+ main.py  9 B  added" in lines
        assert "+ lib  added" in lines
        assert "  + util.py  4 B  added" in lines  # "X = 1\n", minified to "X=1\n"
        totals = text_of(app, "#sync-totals")
        assert totals.startswith("+2 added  ~0 changed  -1 deleted  =0 unchanged  ·1 ignored")
        assert "to write 13 B" in totals


async def sync_now(pilot) -> None:
    """Press sync now and wait for the last sync's figures."""
    app = pilot.app
    await pilot.press("s")
    last = app.query_one("#sync-last")
    await until(pilot, lambda: app.sync_pane.last, lambda: f"the sync: {last.render()}")


async def test_sync_now_mirrors_the_folder_and_reports_figures(make_app, project):
    board_folder(project, {"main.py": "print(1)\n", "lib/util.py": "X = 1\n"})
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await connected(pilot)
        await show_sync(pilot)
        await planned(pilot)
        await sync_now(pilot)
        await planned(pilot)
        root = app.session.board.root
        assert (root / "main.py").read_text() == "print(1)\n"
        assert (root / "lib" / "util.py").read_text() == "X=1\n"  # minified
        files = [line for line in tree_lines(app) if "." in line]
        assert files == ["  = util.py  4 B  unchanged", "= main.py  9 B  unchanged"], files
        assert text_of(app, "#sync-last").startswith("last sync: ")
        assert "2 files, 13 B in" in text_of(app, "#sync-last")
        assert "(2 written)" in str(app.status_bar.render())
        assert "synced" in (project / ".belay" / "session.log").read_text()


async def test_a_file_sent_unminified_is_counted_in_the_last_sync(make_app, project):
    board_folder(project, {"odd.py": "print 'python 2'\n"})
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await connected(pilot)
        await show_sync(pilot)
        await planned(pilot)
        await sync_now(pilot)
        assert (app.session.board.root / "odd.py").read_text() == "print 'python 2'\n"
        assert text_of(app, "#sync-last").endswith(" · 1 not minified")


async def test_dry_run_sees_a_changed_file(make_app, project):
    board_folder(project, {"main.py": "print(1)\n"})
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await connected(pilot)
        await show_sync(pilot)
        await pilot.press("s")
        await until(pilot, lambda: app.sync_pane.last is not None, "the sync")
        await planned(pilot)
        (project / "board" / "main.py").write_text("print(2)\n")
        app.sync_pane.plan = None
        await pilot.press("d")
        await planned(pilot)
        assert "~ main.py  9 B  changed" in tree_lines(app)


async def test_repl_waits_while_a_sync_runs_and_progress_follows(make_app, project):
    blob = random.Random(7).randbytes(24_000)  # incompressible: several chunks
    board_folder(project, {"a.py": "A = 1\n", "blob.bin": blob})
    # The held sync waits for the board as long as the checks below take on a loaded machine.
    app = make_app(timeout=60)
    async with app.run_test(size=(100, 30)) as pilot:
        await connected(pilot)
        await show_sync(pilot)
        await planned(pilot)
        board = app.session.board

        def hold_after_first_file(event) -> None:
            # On the sync's thread, before the blob's first chunk can reach the board: the
            # sync stays running until the release, however slow the machine.
            if isinstance(event, Progress) and event.item == "/a.py":
                board.hold()

        app.session.events.subscribe(hold_after_first_file)
        await pilot.press("s")
        bar = app.query_one("#sync-progress", ProgressBar)
        await until(pilot, lambda: bar.progress > 0, "the first file's progress")
        assert app.session.running is not None and app.session.running.label == "sync"
        # Keys are slow to deliver while the app is this busy: submit the line directly.
        app.repl.input.load_text("1+1")
        app.repl.input.submit()
        queued = "input waits: the board is busy with sync · 1 line queued"
        await until(pilot, lambda: text_of(app, "#repl-state") == queued, "the line to queue")
        assert "busy: sync" in str(app.status_bar.render())
        assert bar.progress < bar.total and app.repl.pending == 1
        board.release()
        await until(pilot, lambda: not app.repl.pending, "the queued line")
        assert app.sync_pane.last is not None, text_of(app, "#sync-last")
        assert app.repl.transcript.plain.splitlines()[-2:] == [">>> 1+1", "2"]
        assert (board.root / "blob.bin").read_bytes() == blob
        assert bar.progress == bar.total > 20_000  # it followed the progress to the end


@pytest.mark.parametrize("folder", ["missing"])
async def test_a_sync_folder_that_does_not_exist_is_a_clear_error(make_app, project, folder):
    (project / "pyproject.toml").write_text(f'[tool.belay-tui]\nsync = "{folder}"\n')
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await connected(pilot)
        await until(pilot, lambda: "cannot compare" in text_of(app, "#sync-totals"), "error")
        assert folder in text_of(app, "#sync-totals")
        notified = lambda: any("sync plan" in n.message for n in app._notifications)  # noqa: E731
        await until(pilot, notified, "the notification")
        assert isinstance(app, BelayApp) and app.is_running


async def test_watch_syncs_each_save_until_turned_off(make_app, project):
    board_folder(project, {"main.py": "print(1)\n"})
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await connected(pilot)
        await show_sync(pilot)
        await planned(pilot)
        await pilot.press("w")
        await until(pilot, lambda: text_of(app, "#sync-watch") == "watch: watching", "watching")
        assert "watch on" in str(app.status_bar.render())
        root = app.session.board.root
        assert (root / "main.py").read_text() == "print(1)\n"  # the first, full sync
        (project / "board" / "saved.py").write_text("N = 1\n")
        await until(pilot, lambda: (root / "saved.py").is_file(), "the save to reach the board")
        await until(pilot, lambda: "/: 1 written" in text_of(app, "#sync-last"), "the figures")
        await pilot.press("w")
        assert "watch off" in str(app.status_bar.render())
        assert "watch" in (project / ".belay" / "session.log").read_text()
