"""The headless subcommands, run as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from waiting import Lines

from belay_tui.cli import main


def test_exec_prints_final_value(board, capsys):
    assert main(["exec", board.port, "print('side'); 6 * 7"]) == 0
    out = capsys.readouterr().out
    assert "side" in out and "42" in out


def test_exec_shows_board_error_in_one_line(board, capsys):
    assert main(["exec", board.port, "1/0"]) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == "error: ZeroDivisionError: divide by zero"


def test_missing_port_is_one_line_error(capsys):
    assert main(["exec", "/dev/no-such-port", "1"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no serial port '/dev/no-such-port'; ports here:")
    assert "\n" not in err


def test_run_streams_a_file(board, tmp_path, capsys):
    script = tmp_path / "hello.py"
    script.write_text("for i in range(3):\n    print('line', i)\n")
    assert main(["run", board.port, str(script)]) == 0
    assert capsys.readouterr().out.splitlines() == ["line 0", "line 1", "line 2"]


def test_run_missing_file(board, tmp_path, capsys):
    assert main(["run", board.port, str(tmp_path / "nope.py")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_info_json(board, capsys):
    assert main(["info", board.port, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["implementation"] == "micropython"
    assert info["mem_free"] > 0


def test_bench_json(capsys):
    assert main(["bench", "--bps", "0", "--suite", "calls", "--seconds", "0.2", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["calls"]["calls_per_s"] > 0
    assert result["calls"]["bytes_sent_per_call"] < 20


def test_emulator_command_serves_a_port(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "belay_tui.cli", "emulator", "--root", str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = Lines(proc.stdout).next("the emulator's port").strip()
        assert os.path.exists(port)
        r = subprocess.run(
            [sys.executable, "-m", "mpremote", "connect", port, "exec", "open('f','w').write('1')"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "f").read_text() == "1"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert not os.path.exists(port)


def test_console_bench_refuses_a_throttled_virtual_link(capsys):
    assert main(["bench", "--bps", "11520", "--suite", "console"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "error: the console figure runs on an unlimited virtual link"
