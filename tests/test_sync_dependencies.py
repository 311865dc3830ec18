"""``device.sync_dependencies``: folders shipped inside a Python package, merged, mirrored."""

from __future__ import annotations

import importlib

import pytest
from test_sync import files, write

from engine import SyncError


@pytest.fixture
def package(tmp_path, monkeypatch):
    """An importable package ``shipped`` carrying two dependency groups."""
    root = tmp_path / "site"
    write(root, "shipped/__init__.py", "")
    write(root, "shipped/dependencies/main/sensor/__init__.py", "S=1\n")
    write(root, "shipped/dependencies/main/shared.py", "V='main'\n")
    write(root, "shipped/dependencies/dev/tool.py", "T=1\n")
    write(root, "shipped/dependencies/dev/shared.py", "V='dev'\n")
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()
    yield "shipped"


def test_subfolders_are_merged_and_mirrored_to_lib(device, board, package):
    write(board.root, "lib/stale.py", "old")
    device.sync_dependencies(package, "dependencies/main", "dependencies/dev")
    assert files(board.root / "lib") == {
        "sensor/__init__.py": b"S=1\n",
        "shared.py": b"V='dev'\n",  # the later subfolder wins
        "tool.py": b"T=1\n",
    }
    assert device("import sensor, tool, shared; shared.V") == "dev"


def test_a_module_a_destination_and_sync_options(device, board, package):
    module = importlib.import_module(package)
    device.sync_dependencies(module, "dependencies/main", dst="/deps", ignore=["shared.py"])
    assert set(files(board.root / "deps")) == {"sensor/__init__.py"}


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((), ValueError, "at least one subfolder"),
        (("dependencies/nope",), SyncError, "has no folder dependencies/nope"),
    ],
)
def test_bad_arguments_leave_the_board_alone(device, board, package, args, error, message):
    write(board.root, "lib/keep.py", "k")
    with pytest.raises(error, match=message):
        device.sync_dependencies(package, *args)
    with pytest.raises(SyncError, match="cannot import package 'not_installed_here'"):
        device.sync_dependencies("not_installed_here", "x")
    assert files(board.root / "lib") == {"keep.py": b"k"}
