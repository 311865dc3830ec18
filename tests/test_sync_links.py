"""Symlinks in a synced folder: followed inside the project, skipped (with a warning naming
them) when they lead out of it, unless ``follow_links``."""

from __future__ import annotations

import pytest
from test_sync import write

import engine
import engine.sync
from engine import SyncOptions
from engine.exceptions import LinkWarning
from engine.watch import Watcher


@pytest.fixture
def project(tmp_path):
    """A project whose board folder links inside (a shared module) and out (a host folder)."""
    root = tmp_path / "proj"
    write(root, "pyproject.toml", "[tool.belay]\n")
    write(root, "shared/util.py", "U=1\n")
    write(root, "board/main.py", "M = 1\n")
    write(tmp_path, "secrets/key", "private\n")
    (root / "board" / "util.py").symlink_to(root / "shared" / "util.py")
    (root / "board" / "keys").symlink_to(tmp_path / "secrets")
    return root


def test_links_out_are_skipped_with_a_warning_naming_them(device, board, project):
    with pytest.warns(LinkWarning, match=r"skipped .*board/keys: a symlink leading out"):
        result = device.sync(project / "board")
    assert (board.root / "util.py").read_text() == "U=1\n"
    assert not (board.root / "keys").exists()
    skipped = [e for e in result.plan.entries if e.path == "/keys"]
    assert skipped and "symlink out of the project" in skipped[0].reason


def test_follow_links_syncs_them(device, board, project):
    plan = engine.sync.plan(device, SyncOptions.make(project / "board", follow_links=True))
    device.sync(plan)
    assert (board.root / "keys" / "key").read_text() == "private\n"


def test_watch_and_install_skip_them_too(device, board, project):
    with pytest.warns(LinkWarning):
        with Watcher(device, project / "board") as watcher:
            assert watcher.ready.wait(30), "the watch's first sync"
    assert (board.root / "main.py").exists() and not (board.root / "keys").exists()
    (project / "pyproject.toml").write_text('[tool.belay]\nname = "board"\n')
    with pytest.warns(LinkWarning):
        engine.install(device, project, run=_script(project))
    assert (board.root / "board" / "util.py").exists()
    assert not (board.root / "board" / "keys").exists()


def _script(project):
    path = project / "noop.py"
    path.write_text("pass\n")
    return path
