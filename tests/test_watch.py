"""Watch and sync on save, against the virtual board and a real folder being edited."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys

import pytest
from test_sync import files, write
from waiting import Lines, until

from engine import Device, SyncError, SyncOptions
from engine.events import SyncFailed, WatchStatus
from engine.watch import Watcher


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
        until(lambda: files(board.root).get("b.py") == b"b=2\n", "b.py on the board")
        write(folder, "a.py", "a = 3\n")
        until(lambda: files(board.root).get("a.py") == b"a=3\n", "the new a.py on the board")
        (folder / "b.py").unlink()
        until(lambda: "b.py" not in files(board.root), "b.py gone from the board")
        write(folder, "pkg/deep/c.py", "c = 1\n")
        until(lambda: "pkg/deep/c.py" in files(board.root), "pkg/deep/c.py on the board")
        shutil.rmtree(folder / "pkg")
        until(lambda: not (board.root / "pkg").exists(), "pkg/ gone from the board")


def test_editor_files_are_ignored(device, board, folder):
    with Watcher(device, folder) as watcher:
        assert watcher.ready.wait(20)
        for name in (".a.py.swp", "a.py~", "4913", ".#a.py", "__pycache__/a.cpython-311.pyc"):
            write(folder, name, "editor noise")
        write(folder, "last.py", "z = 0\n")
        until(lambda: "last.py" in files(board.root), "last.py on the board")
    assert set(files(board.root)) == {"a.py", "last.py"}


def test_a_failed_sync_is_reported_and_watching_goes_on(device, board, folder, event_log):
    events = event_log(device.events)
    with Watcher(device, SyncOptions.make(folder, mpy_cross_binary=True)) as watcher:
        assert watcher.ready.wait(20)
        write(folder, "broken.py", "x = (\n")
        failed = events.wait_for(lambda e: isinstance(e, SyncFailed))
        assert "broken.py" in failed.message and "\n" not in failed.message
        write(folder, "broken.py", "x = 1\n")
        until(lambda: "broken.mpy" in files(board.root), "broken.mpy on the board")
    events.wait_for(lambda e: isinstance(e, WatchStatus) and e.state == "stopped")


def test_runs_a_script_after_each_sync(board, folder, tmp_path):
    out: list[str] = []
    script = write(
        tmp_path, "run.py", "import a\nprint('value', a.a)\nwhile True:\n    time.sleep_ms(5)\n"
    )
    with Device(board.port, output=out.append) as device, Watcher(device, folder, run=script):
        until(lambda: "value 1" in "".join(out), "the run's first output")
        write(folder, "a.py", "a = 2\n")  # interrupts the running script, syncs, runs again
        until(lambda: "value 2" in "".join(out), "the rerun's output")


def test_missing_folder(device, tmp_path):
    with pytest.raises(SyncError, match="is not a folder to watch"):
        Watcher(device, tmp_path / "nope")


@contextlib.contextmanager
def watch_command(*args: str) -> Iterator[Lines]:
    """``belay-tui watch ARGS`` in its own process, as a user runs it: its output lines
    while it runs; then Ctrl-C, which must end it cleanly."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "belay_tui.cli", "watch", *args],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        yield Lines(proc.stdout)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_watch_command_until_ctrl_c(board, folder):
    with watch_command(board.port, str(folder)) as lines:
        assert lines.next("the first sync").startswith("synced wrote /a.py")
        assert lines.next("the watching line").startswith(f"watching {folder}")
        write(folder, "new.py", "n = 1\n")
        until(lambda: "new.py" in files(board.root), "new.py on the board")
        assert "synced wrote /new.py" in lines.next("the sync of new.py")
