"""Belay 0.30's command line and configuration, as Belay's users write them."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pathspec
import pytest

import engine
from belay_tui.cli import main
from belay_tui.session_log import SessionLog


def test_info_says_where_dependencies_go(board, tmp_path, capsys):
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "pyproject.toml").write_text(
        '[tool.belay]\ndependencies_path = "../shared-deps"\n'
    )
    assert main(["info", board.port, "--json", "--project", str(tmp_path / "proj")]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["dependencies_path"] == str(tmp_path / "shared-deps")
    assert info["dependencies_on_board"] == "/lib"


def test_unknown_key_warns_in_one_line_and_strict_refuses(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool.belay]\nnmae = 'x'\n")
    assert main(["clean", "--project", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "unknown key tool.belay.nmae; did you mean 'name'?" in err
    assert main(["clean", "--project", str(tmp_path), "--strict"]) == 1
    assert "error:" in capsys.readouterr().err


def test_emulator_detach_prints_the_port_and_returns(tmp_path):
    root = tmp_path / "flash"
    root.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "belay_tui.cli", "emulator", "--detach", "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    port = done.stdout.strip()
    pid = int(re.search(r"kill (\d+)", done.stderr)[1])
    try:
        assert main(["exec", port, "open('f','w').write('1')"]) == 0
        assert (root / "f").read_text() == "1"
    finally:
        os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not os.path.exists(port), "the detached emulator's port to go")


def test_emulator_port_file(tmp_path):
    port_file = tmp_path / "port"
    proc = subprocess.Popen(
        [sys.executable, "-m", "belay_tui.cli", "emulator", "--port-file", str(port_file)],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for(port_file.exists, "the port file")
        assert os.path.exists(port_file.read_text().strip())
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert not port_file.exists()


def test_usb_specs_print_as_typed_and_webrepl_asks_for_password(capsys):
    assert main(["exec", "usb:1234:5678", "1"]) == 1
    assert "usb:1234:5678" in capsys.readouterr().err
    with socket.socket() as s:  # a closed port: the password is checked before connecting
        s.bind(("127.0.0.1", 0))
        url = f"ws://127.0.0.1:{s.getsockname()[1]}"
    os.environ.pop("BELAY_PASSWORD", None)
    assert main(["exec", url, "1"]) == 1
    assert "pass --password or set BELAY_PASSWORD" in capsys.readouterr().err


def test_help_lists_attempts(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--attempts" in capsys.readouterr().out


def test_session_log_rotates(tmp_path):
    log = SessionLog(tmp_path / "session.log", max_bytes=200)
    for n in range(20):
        log.write("repl", f"line {n}")
    log.close()
    current = (tmp_path / "session.log").read_text()
    previous = (tmp_path / "session.log.1").read_text()
    assert "line 19" in current and "line 0" not in current + previous
    assert len(previous) >= 200 and len(current) < 200


def test_new_projects_ignore_the_session_log(tmp_path):
    engine.new_project(tmp_path / "p")
    spec = pathspec.GitIgnoreSpec.from_lines(
        (tmp_path / "p" / ".gitignore").read_text().splitlines()
    )
    assert spec.match_file(".belay/session.log") and spec.match_file(".belay/session.log.1")
    assert not spec.match_file(".belay/lock.toml")


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        pause.wait(0.05)
