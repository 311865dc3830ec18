"""The dependencies pane: a real project, a real HTTP server on 127.0.0.1, a virtual board."""

from __future__ import annotations

from pilot_helpers import connected, show, until
from textual.widgets import DataTable, Input

from belay_tui.add_dependency_screen import AddDependencyScreen


def write_project(project, site, *, broken: bool = False) -> None:
    site_file = site.root / "sensor.py"
    site_file.write_text("def read():\n    return 21\n")
    (project / "vendor").mkdir(exist_ok=True)
    (project / "vendor" / "helpers.py").write_text("def help():\n    return 42\n")
    (project / "demo").mkdir(exist_ok=True)
    (project / "demo" / "__init__.py").write_text("VERSION = 1\n")
    extra = f'\nbroken = "{site.url("missing.py")}"' if broken else ""
    (project / "pyproject.toml").write_text(
        '[tool.belay]\nname = "demo"\n\n[tool.belay.dependencies]\n'
        f'helpers = "vendor/helpers.py"\nsensor = "{site.url("sensor.py")}"{extra}\n'
    )


def rows(app) -> dict[str, list[str]]:
    table = app.query_one("#deps-table", DataTable)
    out = {}
    for key in table.rows:
        cells = [str(c) for c in table.get_row(key)]
        out[key.value] = cells
    return out


def state_line(app) -> str:
    return str(app.query_one("#deps-state").render())


async def show_deps(pilot) -> None:
    app = pilot.app
    await show(pilot, "f4", "#deps-table")
    await until(pilot, lambda: app.deps_pane.rows, "the rows")


async def finished(pilot) -> None:
    pane = pilot.app.deps_pane
    await until(pilot, lambda: pane.busy is None and pilot.app.session.idle, "the operation")
    await pilot.pause()


async def update_all(pilot) -> None:
    """U, then wait for the table to show the fetched rows."""
    app = pilot.app
    await pilot.press("U")
    await finished(pilot)
    await until(pilot, lambda: rows(app)["main/sensor"][2] == "ok", "the reload")


async def test_table_lists_each_dependency(make_app, project, site):
    write_project(project, site)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await show_deps(pilot)
        table = rows(app)
        assert table["main/helpers"][:5] == ["helpers", "main", "not fetched", "no", "–"]
        assert table["main/sensor"][5] == site.url("sensor.py")


async def test_update_all_fetches_locks_and_shows_each_row(make_app, project, site):
    write_project(project, site)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await show_deps(pilot)
        await update_all(pilot)
        for name in ("helpers", "sensor"):
            row = rows(app)[f"main/{name}"]
            assert row[2:4] == ["ok", "1 file"]
            assert len(row[4]) == 8  # the lock's short hash
        assert (project / ".belay" / "lock.toml").is_file()
        assert state_line(app) == "update: done"


async def test_update_selected_updates_only_that_row(make_app, project, site):
    write_project(project, site)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await show_deps(pilot)
        await pilot.press("down", "u")
        await finished(pilot)
        await until(pilot, lambda: rows(app)["main/sensor"][2] == "ok", "the reload")
        assert rows(app)["main/helpers"][2] == "not fetched"


async def test_a_failed_download_is_an_error_on_its_row(make_app, project, site):
    write_project(project, site, broken=True)
    app = make_app()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await show_deps(pilot)
        await update_all(pilot)
        broken = rows(app)["main/broken"]
        assert (
            broken[2].startswith("failed: ") and "404" in app.deps_pane.failed["main/broken"].detail
        )
        assert state_line(app).startswith("update failed: dependency 'main/broken'")
        assert any(n.title == "error" and "broken" in n.message for n in app._notifications)


async def test_clean_removes_what_is_no_longer_listed(make_app, project, site):
    write_project(project, site)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await show_deps(pilot)
        await update_all(pilot)
        cached = project / ".belay" / "dependencies" / "main" / "sensor"
        assert cached.is_dir()
        text = (project / "pyproject.toml").read_text()
        (project / "pyproject.toml").write_text(
            "\n".join(line for line in text.splitlines() if not line.startswith("sensor"))
        )
        await pilot.press("c")
        await finished(pilot)
        await until(pilot, lambda: list(rows(app)) == ["main/helpers"], "the reload")
        assert not cached.exists()


async def test_install_puts_dependencies_and_package_on_the_board(make_app, project, site):
    write_project(project, site)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await connected(pilot)
        await show_deps(pilot)
        await update_all(pilot)
        await pilot.press("i")
        await finished(pilot)
        assert state_line(app) == "install: done"
        root = app.session.board.root
        assert (root / "lib" / "sensor" / "__init__.py").is_file()
        assert (root / "demo" / "__init__.py").read_text() == "VERSION=1\n"
        await show(pilot, "f2", "#repl-input")
        await pilot.press(*"import sensor; sensor.read()", "enter")
        await until(pilot, lambda: app.repl.transcript.plain.endswith("21"), "the import")


async def test_add_dependency_from_the_form(make_app, project, site):
    write_project(project, site)
    (site.root / "extra.py").write_text("X = 3\n")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await show_deps(pilot)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.focused, Input), "the form")
        assert isinstance(app.screen, AddDependencyScreen)
        await pilot.press("enter")  # nothing typed: the form says what is missing
        assert "the name and source is needed" in str(app.screen.query_one("#add-error").render())
        app.screen.query_one("#add-name", Input).value = "extra"
        app.screen.query_one("#add-uri", Input).value = site.url("extra.py")
        await pilot.press("enter")
        await finished(pilot)
        await until(pilot, lambda: "main/extra" in rows(app), "the new row")
        assert "extra = " in (project / "pyproject.toml").read_text()
        assert rows(app)["main/extra"][2] == "ok"


async def test_a_broken_pyproject_is_shown_with_its_line(make_app, project):
    (project / "pyproject.toml").write_text("[tool.belay\nname = 1\n")
    app = make_app()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.press("f4")
        head = app.query_one("#deps-head")
        await until(pilot, lambda: "pyproject.toml" in str(head.render()), "the error")
        assert "line 1" in str(head.render())
        assert any(n.title == "error" for n in app._notifications)


async def test_without_a_pyproject_it_says_how_to_make_one(make_app, project):
    app = make_app()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.press("f4")
        head = app.query_one("#deps-head")
        await until(
            pilot, lambda: "No pyproject.toml here or above" in str(head.render()), "the hint"
        )
        assert not app._notifications
