"""Watch and sync on save, against the virtual board and a real folder being edited."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest
from test_sync import files, write

from engine import Device, SyncError, SyncOptions
from engine.events import SyncFailed, WatchStatus
from engine.watch import Watcher


def until(condition: Callable[[], bool], timeout: float = 20) -> None:
    """Wait for a condition on the board's files (the host sees them in board.root)."""
    done = threading.Event()
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        done.wait(0.01)


@pytest.fixture
def folder(tmp_path):
    src = tmp_path / "src"
    write(src, "a.py", "a = 1  # one\n")
    return src


def test_saves_and_deletes_reach_the_board(device, board, folder):
    with Watcher(device, folder) as watcher:
        assert watcher.ready.wait(20)
        assert files(board.root) == {"a.py": b"a=1\n"}
        write(folder, "b.py", "b = 2\n")
        until(lambda: files(board.root).get("b.py") == b"b=2\n")
        write(folder, "a.py", "a = 3\n")
        until(lambda: files(board.root).get("a.py") == b"a=3\n")
        (folder / "b.py").unlink()
        until(lambda: "b.py" not in files(board.root))
        write(folder, "pkg/deep/c.py", "c = 1\n")
        until(lambda: "pkg/deep/c.py" in files(board.root))
        shutil.rmtree(folder / "pkg")
        until(lambda: not (board.root / "pkg").exists())


def test_editor_files_are_ignored(device, board, folder):
    with Watcher(device, folder) as watcher:
        assert watcher.ready.wait(20)
        for name in (".a.py.swp", "a.py~", "4913", ".#a.py", "__pycache__/a.cpython-311.pyc"):
            write(folder, name, "editor noise")
        write(folder, "last.py", "z = 0\n")
        until(lambda: "last.py" in files(board.root))
    assert set(files(board.root)) == {"a.py", "last.py"}


def test_a_failed_sync_is_reported_and_watching_goes_on(device, board, folder, event_log):
    events = event_log(device.events)
    with Watcher(device, SyncOptions.make(folder, mpy_cross_binary=True)) as watcher:
        assert watcher.ready.wait(20)
        write(folder, "broken.py", "x = (\n")
        failed = events.wait_for(lambda e: isinstance(e, SyncFailed))
        assert "broken.py" in failed.message and "\n" not in failed.message
        write(folder, "broken.py", "x = 1\n")
        until(lambda: "broken.mpy" in files(board.root))
    events.wait_for(lambda e: isinstance(e, WatchStatus) and e.state == "stopped")


def test_runs_a_script_after_each_sync(board, folder, tmp_path):
    out: list[str] = []
    script = write(
        tmp_path, "run.py", "import a\nprint('value', a.a)\nwhile True:\n    time.sleep_ms(5)\n"
    )
    with Device(board.port, output=out.append) as device, Watcher(device, folder, run=script):
        until(lambda: "value 1" in "".join(out))
        write(folder, "a.py", "a = 2\n")  # interrupts the running script, syncs, runs again
        until(lambda: "value 2" in "".join(out))


def test_missing_folder(device, tmp_path):
    with pytest.raises(SyncError, match="is not a folder to watch"):
        Watcher(device, tmp_path / "nope")


def test_watch_command_until_ctrl_c(board, folder):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "belay_tui.cli", "watch", board.port, str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout.readline().startswith("synced wrote /a.py")  # the first sync
        assert proc.stdout.readline().startswith(f"watching {folder}")
        write(folder, "new.py", "n = 1\n")
        until(lambda: "new.py" in files(board.root))
        assert "synced wrote /new.py" in proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
