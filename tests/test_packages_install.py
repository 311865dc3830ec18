"""``install`` onto the virtual board (real MicroPython), from a real HTTP server."""

from __future__ import annotations

import pytest
from pkgsite import Site, make_project

import engine
from belay_tui.cli import main
from engine import Device
from engine.events import DependencyStatus, EventBus, Progress


@pytest.fixture
def site(tmp_path):
    with Site(tmp_path / "www") as s:
        yield s


@pytest.fixture
def printed(board):
    """A device whose board output is collected: ``(device, list of text chunks)``."""
    chunks: list[str] = []
    dev = Device(board.port, output=chunks.append)
    yield dev, chunks
    dev.close()


def test_install_puts_dependencies_package_and_main_on_the_board(tmp_path, site, board, printed):
    device, chunks = printed
    site.package("ntptime", {"ntptime.py": "def when():\n    return 'noon'\n"})
    sensor = site.file("sensor.py", "def read():\n    return 42  # the answer\n")
    tool = site.file("tool.py", "TOOL = 'dev only'\n")
    body = f"""[tool.belay]
name = "app"
package_indices = ["{site.index}"]

[tool.belay.dependencies]
sensor = "{sensor}"
ntptime = "*"

[tool.belay.group.dev]
optional = true
[tool.belay.group.dev.dependencies]
tool = "{tool}"
"""
    root = make_project(tmp_path / "proj", body, package="app")
    (root / "boot_main.py").write_text("print('main ran')\n")
    (root / "check.py").write_text(
        "import sensor, ntptime, app\nprint('read', sensor.read(), ntptime.when(), app.NAME)\n"
    )
    engine.update(root)
    seen = []
    bus = EventBus()
    bus.subscribe(seen.append)
    engine.install(device, root, main=root / "boot_main.py", run=root / "check.py", events=bus)
    assert "read 42 noon app" in "".join(chunks)
    assert (board.root / "lib" / "sensor" / "__init__.py").is_file()
    assert (board.root / "lib" / "ntptime" / "__init__.py").is_file()
    assert not (board.root / "lib" / "tool").exists()  # optional group left out
    assert (board.root / "app" / "__init__.py").is_file()
    assert (board.root / "main.py").read_text().strip() == "print('main ran')"
    states = {(e.name, e.state) for e in seen if isinstance(e, DependencyStatus)}
    assert {("sensor", "verified"), ("sensor", "installed"), ("ntptime", "installed")} <= states
    assert any(isinstance(e, Progress) and e.task == "sync /lib" for e in seen)

    engine.install(device, root, with_groups=["dev"], run=root / "check.py")
    assert (board.root / "lib" / "tool" / "__init__.py").is_file()


def test_a_belay_project_without_lock_installs_as_belay_did(tmp_path, board, printed):
    device, chunks = printed
    root = make_project(tmp_path / "old", '[tool.belay.dependencies]\nold = "https://x/old.py"\n')
    cache = root / ".belay" / "dependencies" / "main" / "old"
    cache.mkdir(parents=True)
    (cache / "__init__.py").write_text("OLD = 'from Belay'\n")
    (root / "run.py").write_text("import old\nprint(old.OLD)\n")
    engine.install(device, root, run=root / "run.py")
    assert "from Belay" in "".join(chunks)


def test_develop_dependency_is_taken_fresh(tmp_path, board, printed):
    device, chunks = printed
    body = '[tool.belay.dependencies]\nlive = {uri = "src/live.py", develop = true}\n'
    root = make_project(tmp_path / "dev", body)
    (root / "src").mkdir()
    (root / "src" / "live.py").write_text("V = 1\n")
    engine.update(root)
    (root / "src" / "live.py").write_text("V = 2\n")  # edited since: no update needed
    (root / "run.py").write_text("import live\nprint('live', live.V)\n")
    engine.install(device, root, run=root / "run.py")
    assert "live 2" in "".join(chunks)


def test_new_project_installs_and_runs_from_the_cli(tmp_path, board, capsys):
    folder = tmp_path / "blinky"
    assert main(["new", str(folder)]) == 0
    assert main(["update", "--project", str(folder)]) == 0
    capsys.readouterr()
    run = ["install", board.port, "--project", str(folder), "--run", str(folder / "main.py")]
    assert main(run) == 0
    assert "blink 3" in capsys.readouterr().out
    assert board.pins.get("25") == 0  # the LED went on and off
    assert (board.root / "blinky" / "__init__.py").is_file()


def test_install_refuses_bad_scripts(tmp_path, device):
    root = make_project(tmp_path / "p", "[tool.belay]\n")
    (root / "notes.txt").write_text("")
    with pytest.raises(engine.BelayException, match=r"--run .*notes.txt: must be a Python file"):
        engine.install(device, root, run=root / "notes.txt")
    with pytest.raises(engine.BelayException, match=r"--main .*nope.py: no such file"):
        engine.install(device, root, main=root / "nope.py")
    with pytest.raises(engine.ConfigError, match="no dependency group 'dev'"):
        engine.install(device, root, with_groups=["dev"])


def test_missing_project_package_is_named(tmp_path, device):
    root = make_project(tmp_path / "p", '[tool.belay]\nname = "ghost"\n')
    with pytest.raises(engine.ConfigError, match="no folder ghost/ beside it"):
        engine.install(device, root)


def test_install_leaves_nothing_for_a_reset_to_replay(tmp_path, site, board, device):
    """Install syncs from folders that vanish after it: a soft reset (which replays the
    device's history) or a reconnect must not try to sync them again."""
    url = site.file("dep.py", "D = 1\n")
    root = make_project(tmp_path / "p", f'[tool.belay.dependencies]\ndep = "{url}"\n')
    (root / "main.py").write_text("print('booted')\n")
    engine.update(root)
    engine.install(device, root, main=root / "main.py")  # ends with a soft reset
    device.soft_reset()
    assert device("import dep; dep.D") == 1
    assert (board.root / "main.py").is_file()
    assert not list((root / ".belay").glob("install-*"))


def test_dependencies_ignore_only_python_byproducts(tmp_path, site, board, device):
    """The project's ignore list is for its own package, not its dependencies (Belay)."""
    url = site.file("data.txt", "payload\n")
    body = '[tool.belay]\nname = "app"\nignore = ["*.txt"]\n[tool.belay.dependencies]\n'
    root = make_project(tmp_path / "p", body + f'blob = ["{url}"]\n', package="app")
    (root / "app" / "notes.txt").write_text("not for the board\n")
    engine.update(root)
    engine.install(device, root)
    assert (board.root / "lib" / "blob" / "data.txt").read_text() == "payload\n"
    assert not (board.root / "app" / "notes.txt").exists()
