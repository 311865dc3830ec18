"""Sync over WebREPL: files travel on the binary file channel, then are checked and renamed
into place on the board, as in the other modes."""

from __future__ import annotations

import pytest

from engine import Device, SyncError, VirtualBoard

PASSWORD = "syncpw"


@pytest.fixture
def wboard(tmp_path):
    with VirtualBoard(root=tmp_path / "flash", webrepl="127.0.0.1:0", password=PASSWORD) as vb:
        yield vb


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    (root / "lib" / "pkg").mkdir(parents=True)
    (root / "main.py").write_text("import pkg.core\nprint('main')\n")
    (root / "lib" / "pkg" / "__init__.py").write_text("")
    (root / "lib" / "pkg" / "core.py").write_text("def f(x):\n    return x * 2\n" * 50)
    (root / "data.bin").write_bytes(bytes(range(256)) * 40)
    return root


def board_files(board: VirtualBoard) -> dict[str, bytes]:
    return {
        str(p.relative_to(board.root)): p.read_bytes()
        for p in sorted(board.root.rglob("*"))
        if p.is_file()
    }


def test_sync_uses_the_file_channel(wboard, project):
    with Device(wboard.webrepl_url, password=PASSWORD) as device:
        result = device.sync(project, minify=False)
        assert result.mode == "webrepl"
        assert result.files_written == 4
        files = board_files(wboard)
        assert files["data.bin"] == (project / "data.bin").read_bytes()
        assert files["lib/pkg/core.py"] == (project / "lib" / "pkg" / "core.py").read_bytes()
        assert not [name for name in files if name.endswith(".~belay")]
        assert device("import pkg.core; pkg.core.f(21)") == 42

        assert device.sync(project, minify=False).mode == "none"  # nothing changed

        (project / "lib" / "pkg" / "core.py").write_text("def f(x):\n    return x * 3\n")
        (project / "data.bin").unlink()
        again = device.sync(project, minify=False)
        assert (again.mode, again.files_written) == ("webrepl", 1)
        files = board_files(wboard)
        assert "data.bin" not in files
        assert files["lib/pkg/core.py"] == b"def f(x):\n    return x * 3\n"


def test_names_too_long_for_webrepl_go_the_text_way(wboard, project):
    deep = project / "lib" / "a_folder_with_a_long_name" / "and_another_long_one"
    deep.mkdir(parents=True)
    (deep / "module_name.py").write_text("VALUE = 7\n")
    assert len("/lib/a_folder_with_a_long_name/and_another_long_one/module_name.py.~belay") > 63
    with Device(wboard.webrepl_url, password=PASSWORD) as device:
        result = device.sync(project)
        assert result.mode == "webrepl"
        assert result.files_written == 5
    path = wboard.root / "lib" / "a_folder_with_a_long_name" / "and_another_long_one"
    assert (path / "module_name.py").read_text().strip() == "VALUE=7"  # minified, in place


def test_a_leftover_temporary_file_is_replaced(wboard, project):
    (wboard.root / "main.py.~belay").write_bytes(b"half of an old write")
    with Device(wboard.webrepl_url, password=PASSWORD) as device:
        device.sync(project, minify=False)
    files = board_files(wboard)
    assert files["main.py"] == (project / "main.py").read_bytes()
    assert "main.py.~belay" not in files


def test_sync_rides_out_a_dropped_connection(wboard, project):
    cut = []

    def power_cut_once(progress):
        if not cut:
            cut.append(progress)
            wboard.power_cut()  # while the files are on their way: the board reboots

    with Device(wboard.webrepl_url, password=PASSWORD, attempts=10) as device:
        result = device.sync(project, minify=False, progress=power_cut_once)
        assert cut and result.mode == "webrepl"
        assert device.connect_count == 2
    files = board_files(wboard)
    assert files["lib/pkg/core.py"] == (project / "lib" / "pkg" / "core.py").read_bytes()
    assert not [name for name in files if name.endswith(".~belay")]


def test_a_file_the_board_cannot_write_is_reported(wboard, project):
    with Device(wboard.webrepl_url, password=PASSWORD) as device:
        device.sync(project, minify=False)
        (project / "lib" / "pkg" / "core.py").write_text("changed = 1\n")
        plan = device.sync_plan(project, minify=False)
        for path in (wboard.root / "lib" / "pkg").iterdir():
            path.unlink()
        (wboard.root / "lib" / "pkg").rmdir()  # gone after the plan: the put is refused
        with pytest.raises(SyncError, match=r"1 path\(s\) could not be synced: /lib/pkg/core.py"):
            device.sync(plan)
        assert device("1+1") == 2  # the session went on
        assert device.sync(project, minify=False).mode == "webrepl"  # and a new plan mends it
    assert board_files(wboard)["lib/pkg/core.py"] == b"changed = 1\n"
