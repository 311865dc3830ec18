"""The subcommands' flags, each run as a user types it (``install --with/--main``,
``update --timeout``, ``add --develop``, ``watch --run/--no-reset``, ``emulator --bps``)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pkgsite import make_project, silent_port
from test_emulator import reply_rate
from test_sync import write
from test_watch import watch_command
from waiting import Lines

from belay_tui.cli import main
from engine import load_project


def test_install_with_an_optional_group_and_a_main(tmp_path, board, capsys):
    body = """[tool.belay.dependencies]
sensor = "src/sensor.py"

[tool.belay.group.dev]
optional = true
[tool.belay.group.dev.dependencies]
tool = "src/tool.py"
"""
    root = make_project(tmp_path / "proj", body)
    write(root, "src/sensor.py", "READ = 42\n")
    write(root, "src/tool.py", "TOOL = 'dev only'\n")
    write(root, "start.py", "print('main ran')\n")
    assert main(["update", "--project", str(root)]) == 0
    install = ["install", board.port, "--project", str(root)]
    assert main(install) == 0, capsys.readouterr().err
    assert (board.root / "lib" / "sensor" / "__init__.py").is_file()
    assert not (board.root / "lib" / "tool").exists()  # optional: only with --with
    assert not (board.root / "main.py").exists()
    assert main([*install, "--with", "dev", "--main", str(root / "start.py")]) == 0
    assert (board.root / "lib" / "tool" / "__init__.py").read_text() == "TOOL='dev only'\n"
    assert (board.root / "main.py").read_text() == "print('main ran')\n"


def test_update_timeout_is_the_wait_per_request(tmp_path, capsys):
    sock = silent_port()
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/slow.py"
        root = make_project(tmp_path / "p", f'[tool.belay.dependencies]\nslow = "{url}"\n')
        assert main(["update", "--project", str(root), "--timeout", "0.2"]) == 1
    finally:
        sock.close()
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert f"{url}: timed out after 0.2 s" in err


def test_update_timeout_must_be_a_number(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["update", "--project", str(tmp_path), "--timeout", "soon"])
    assert "invalid float value: 'soon'" in capsys.readouterr().err


def test_add_develop_marks_the_dependency(tmp_path, capsys):
    root = make_project(tmp_path / "p", "[tool.belay]\n")
    write(root, "src/live.py", "V = 1\n")
    assert main(["add", "live", "src/live.py", "--develop", "--project", str(root)]) == 0
    assert main(["add", "fixed", "src/live.py", "--project", str(root)]) == 0
    deps = {d.name: d for d in load_project(root).group("main").dependencies}
    assert deps["live"].develop and not deps["fixed"].develop
    assert "develop = true" in (root / "pyproject.toml").read_text()


RUNS = "try:\n    runs += 1\nexcept NameError:\n    runs = 1\nprint('run', runs)\n"


@pytest.mark.parametrize(("flags", "second"), [([], "run 1"), (["--no-reset"], "run 2")])
def test_watch_runs_a_script_after_each_sync(board, tmp_path, flags, second):
    """--run FILE runs after every sync, on a freshly reset board unless --no-reset, where
    the board's globals live on from one run to the next."""
    folder = tmp_path / "src"
    write(folder, "a.py", "a = 1\n")
    script = write(tmp_path, "runs.py", RUNS)
    with watch_command(board.port, str(folder), "--run", str(script), *flags) as lines:
        while lines.next("the first run's output").strip() != "run 1":
            pass
        write(folder, "a.py", "a = 2\n")
        while not lines.next("the sync after the edit").startswith("synced"):
            pass
        assert lines.next("the second run's output").strip() == second


def test_emulator_bps_paces_its_link(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "belay_tui.cli", "emulator", "--root", str(tmp_path)]
        + ["--bps", "4000"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = Lines(proc.stdout).next("the emulator's port").strip()
        # A bound a loaded machine cannot break: within 10 % of the rate, or slower.
        assert reply_rate(port) / 4000 <= 1.1
    finally:
        proc.terminate()
        proc.wait(10)
