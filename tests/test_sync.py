"""Sync against the virtual board: plans, deletes and keeps, ignore, compression, fallbacks."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
from pathlib import Path

import pytest

from engine import Device, SyncError, SyncPlan
from engine.events import Progress, Synced
from engine.minify import minify
from engine.sync import sync


def files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative posix path. A file the board removes between
    the listing and the read (a test waiting for that very removal) is left out."""
    found = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        with contextlib.suppress(FileNotFoundError):
            found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def dirs(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()}


def write(folder: Path, rel: str, data: str | bytes) -> Path:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


@pytest.fixture
def project(tmp_path) -> Path:
    """A small project: a module with comments, a package, and binary data."""
    src = tmp_path / "src"
    write(src, "main.py", "import app\n# run it\napp.run()\n")
    write(src, "app/__init__.py", '"""The app."""\n\ndef run():\n    return 42  # answer\n')
    write(src, "app/data.bin", random.Random(3).randbytes(20000))
    write(src, "app/zeros.bin", bytes(30000))
    write(src, "readme.txt", "hello\n")
    return src


def test_first_sync_mirrors_the_folder(device, board, project):
    plan = device.sync_plan(project)
    assert isinstance(plan, SyncPlan)
    assert {e.path: e.action for e in plan.entries} == {
        "/app/": "added",
        "/app/__init__.py": "added",
        "/app/data.bin": "added",
        "/app/zeros.bin": "added",
        "/main.py": "added",
        "/readme.txt": "added",
    }
    assert files(board.root) == {}  # planning writes nothing
    result = device.sync(plan)
    on_board = files(board.root)
    assert on_board["app/data.bin"] == (project / "app/data.bin").read_bytes()
    assert on_board["app/zeros.bin"] == bytes(30000)
    assert on_board["readme.txt"] == b"hello\n"
    source = (project / "app/__init__.py").read_text()
    assert on_board["app/__init__.py"] == minify(source).encode()
    assert result.files_written == 5 and result.mode == "raw" and result.compressed
    assert result.bytes_sent < result.bytes_written  # zeros and source deflate
    assert device("import app; app.run()") == 42
    again = device.sync_plan(project)
    assert again.is_noop and {e.action for e in again.entries} == {"unchanged"}
    assert [e.size for e in again.entries] == [e.size for e in plan.entries]


def test_changes_additions_and_deletions(device, board, project):
    device.sync(project)
    write(project, "readme.txt", "changed\n")
    write(project, "app/new.py", "x = 1\n")
    (project / "app/data.bin").unlink()
    plan = device.sync_plan(project)
    actions = {e.path: e.action for e in plan.entries}
    assert actions["/readme.txt"] == "changed"
    assert actions["/app/new.py"] == "added"
    assert actions["/app/data.bin"] == "deleted"
    assert actions["/main.py"] == "unchanged"
    changed = next(e for e in plan.entries if e.path == "/readme.txt")
    assert (changed.size, changed.board_size) == (8, 6)
    device.sync(plan)
    on_board = files(board.root)
    assert on_board["readme.txt"] == b"changed\n"
    assert "app/data.bin" not in on_board and on_board["app/new.py"] == b"x=1\n"


def test_keep_defaults_for_root_and_explicit_keep(device, board, project):
    for rel in ("boot.py", "webrepl_cfg.py", "lib/helper.py", "old.py", "olddir/x.txt"):
        write(board.root, rel, "# board's own\n")
    plan = device.sync_plan(project)
    actions = {e.path: e.action for e in plan.entries}
    assert actions["/boot.py"] == actions["/webrepl_cfg.py"] == actions["/lib/"] == "kept"
    assert actions["/old.py"] == actions["/olddir/"] == actions["/olddir/x.txt"] == "deleted"
    assert "/lib/helper.py" not in actions  # a kept folder absent here is not even entered
    device.sync(plan)
    left = files(board.root)
    assert {"boot.py", "webrepl_cfg.py", "lib/helper.py"} <= set(left)
    assert "old.py" not in left and "olddir" not in dirs(board.root)

    write(board.root, "notes.txt", "keep me")
    device.sync(project, keep=["notes.txt"])
    left = files(board.root)
    assert "notes.txt" in left and "boot.py" not in left  # an explicit keep replaces defaults
    write(board.root, "stray.txt", "x")
    device.sync(project, keep=True)
    assert "stray.txt" in files(board.root)
    device.sync(project, keep=False)
    assert set(files(board.root)) == {f"{p}" for p in files(project)}


def test_sync_into_a_subfolder(device, board, project):
    write(board.root, "outside.py", "x = 1\n")
    plan = device.sync_plan(project, dst="/deep/app/")
    assert plan.dst == "/deep/app"
    assert any(e.path == "/deep/app/" and e.action == "added" for e in plan.entries)
    device.sync(plan)
    on_board = files(board.root)
    assert on_board["deep/app/readme.txt"] == b"hello\n"
    assert "outside.py" in on_board
    write(board.root, "deep/app/boot.py", "x")
    device.sync(project, dst="/deep/app")
    assert "deep/app/boot.py" not in files(board.root)  # no default keep below /


def test_ignore_defaults_project_config_and_explicit(device, board, tmp_path):
    src = tmp_path / "proj" / "board"
    write(src, "a.py", "a = 1\n")
    write(src, "__pycache__/a.cpython-311.pyc", b"\0")
    write(src, "b.pyc", b"\0")
    write(src, ".DS_Store", b"\0")
    write(src, "secret.key", "k")
    write(src, "docs/index.md", "#")
    write(tmp_path / "proj", "pyproject.toml", '[tool.belay]\nignore = ["*.key", "docs/"]\n')
    plan = device.sync_plan(src)
    ignored = {e.path: e.reason for e in plan.ignored}
    assert set(ignored) == {"/__pycache__/", "/b.pyc", "/.DS_Store", "/secret.key", "/docs/"}
    assert set(ignored.values()) == {"ignored"}
    device.sync(plan)
    assert set(files(board.root)) == {"a.py"}
    device.sync(src, ignore=["a.py"])  # explicit patterns replace defaults and the project's
    assert "a.py" not in files(board.root) and "secret.key" in files(board.root)


def test_bad_project_ignore_is_a_clear_error(device, tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.belay]\nignore = 3\n")
    write(tmp_path, "src/a.py", "")
    with pytest.raises(SyncError, match="ignore in .*pyproject.toml must be a list"):
        device.sync_plan(tmp_path / "src")


def test_single_file(device, board, project):
    write(board.root, "other.txt", "stays")
    plan = device.sync_plan(project / "readme.txt", dst="/docs")
    assert [(e.path, e.action) for e in plan.entries] == [
        ("/docs/", "added"),
        ("/docs/readme.txt", "added"),
    ]
    device.sync(plan)
    assert files(board.root) == {"other.txt": b"stays", "docs/readme.txt": b"hello\n"}


@pytest.mark.parametrize(("compress", "raw"), [(False, True), (True, False), (False, False)])
def test_compression_and_transfer_modes(device, board, project, compress, raw):
    result = sync(device, project, compress=compress, raw=raw)
    assert result.compressed is compress
    assert result.mode == ("raw" if raw else "text")
    on_board = files(board.root)
    assert on_board["app/data.bin"] == (project / "app/data.bin").read_bytes()
    assert on_board["app/zeros.bin"] == bytes(30000)
    if not compress:
        assert result.bytes_sent > 30000 + 20000
    assert device.sync_plan(project).is_noop


def test_empty_files_and_folders(device, board, tmp_path):
    src = tmp_path / "src"
    write(src, "empty.txt", "")
    write(src, "only_comments.py", "# nothing here\n")
    (src / "hollow").mkdir()
    device.sync(src)
    assert files(board.root) == {"empty.txt": b"", "only_comments.py": b"\n"}  # lines kept
    assert "hollow" in dirs(board.root)
    assert device.sync_plan(src).is_noop


def test_unchanged_files_cost_no_transfer(device, project):
    device.sync(project)
    result = device.sync(project)
    assert result.mode == "none" and result.bytes_sent == 0 and result.files_written == 0


def test_non_ascii_names(device, board, tmp_path):
    src = tmp_path / "src"
    write(src, "données/é.py", "v = 'ü'\n")
    write(src, "日本.txt", "語")
    device.sync(src)
    assert files(board.root) == {"données/é.py": "v='ü'\n".encode(), "日本.txt": "語".encode()}
    assert device("import sys; sys.path.append('/données'); import é; é.v") == "ü"
    assert device.sync_plan(src).is_noop


def test_undecodable_names_are_skipped(device, board, tmp_path):
    src = tmp_path / "src"
    write(src, "ok.txt", "ok")
    bad = os.fsencode(src) + b"/bad\xff.txt"
    with open(bad, "wb") as f:
        f.write(b"x")
    plan = device.sync_plan(src)
    assert [e.reason for e in plan.ignored] == ["name is not valid UTF-8"]
    device.sync(plan)
    assert set(files(board.root)) == {"ok.txt"}


def test_symlinks_followed_loops_and_broken_links_skipped(device, board, tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.belay]\n")  # links stay inside this project
    shared = tmp_path / "shared"
    write(shared, "util.py", "u = 1\n")
    src = tmp_path / "src"
    write(src, "a.py", "a = 1\n")
    (src / "util").symlink_to(shared)
    (src / "loop").symlink_to(src)
    (src / "util" / "back").symlink_to(shared)
    (src / "gone.py").symlink_to(tmp_path / "missing.py")
    plan = device.sync_plan(src)
    reasons = {e.path: e.reason for e in plan.ignored}
    assert reasons == {
        "/loop/": "symlink loop",
        "/util/back/": "symlink loop",
        "/gone.py": "broken symlink",
    }
    device.sync(plan)
    assert set(files(board.root)) == {"a.py", "util/util.py"}


def test_missing_folder_is_a_clear_error(device, board, tmp_path):
    write(board.root, "keep.py", "x")
    with pytest.raises(SyncError, match=r"nope does not exist"):
        device.sync(tmp_path / "nope")
    assert files(board.root) == {"keep.py": b"x"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dst": "lib"}, r"dst 'lib' must be an absolute board path"),
        ({"dst": "/a/../.."}, r"dst '/a/../..' contains '\.\.'"),
        ({"dst": "/lib", "keep": ["../boot.py"]}, r"keep entry '../boot.py' is not a path inside"),
        ({"keep": ["/elsewhere/x"], "dst": "/app"}, r"keep entry '/elsewhere/x' is outside"),
    ],
)
def test_paths_escaping_the_destination_are_refused(device, board, project, kwargs, message):
    write(board.root, "boot.py", "x")
    with pytest.raises(SyncError, match=message):
        device.sync(project, **kwargs)
    assert files(board.root) == {"boot.py": b"x"}


def test_dst_that_is_a_file(device, board, project):
    write(board.root, "app", "a file")
    with pytest.raises(SyncError, match="dst '/app' is a file on the board"):
        device.sync(project, dst="/app")


def test_file_and_folder_swap_places(device, board, tmp_path):
    src = tmp_path / "src"
    write(src, "thing/inner.py", "x = 1\n")
    write(src, "other", "a file")
    write(board.root, "thing", "was a file")
    write(board.root, "other/deep/x.py", "was a folder")
    device.sync(src)
    assert files(board.root) == {"thing/inner.py": b"x=1\n", "other": b"a file"}


def test_leftover_temporary_files_are_removed(device, board, project):
    device.sync(project)
    write(board.root, "readme.txt.~belay", "torn")
    plan = device.sync_plan(project)
    assert [(e.path, e.reason) for e in plan.deleted] == [
        ("/readme.txt.~belay", "leftover temporary file")
    ]
    device.sync(plan)
    assert "readme.txt.~belay" not in files(board.root)


def test_progress_events(device, project):
    seen: list[Progress] = []
    published: list = []
    device.events.subscribe(published.append)
    device.sync(project, progress=seen.append)
    assert seen and seen[-1].done == seen[-1].total
    assert [e.done for e in seen] == sorted(e.done for e in seen)
    assert {e.item for e in seen} >= {"/app/data.bin", "/readme.txt"}
    assert [e for e in published if isinstance(e, Progress)] == seen
    (synced,) = [e for e in published if isinstance(e, Synced)]
    assert "/app/data.bin" in synced.written


def test_sync_is_recorded_once_and_replayed_after_reset(device, board, project):
    device.sync(project)
    device.sync(project)
    assert [entry.kind for entry in device.history] == ["sync"]
    (board.root / "readme.txt").unlink()
    device.soft_reset()  # the history replays: the sync puts the file back
    assert files(board.root)["readme.txt"] == b"hello\n"


def test_cancel_stops_between_chunks(device, board, tmp_path):
    src = tmp_path / "src"
    for n in range(4):
        write(src, f"f{n}.bin", random.Random(n).randbytes(20000))
    cancel = threading.Event()
    with pytest.raises(SyncError, match="cancelled"):
        sync(device, src, progress=lambda e: cancel.set(), cancel=cancel)
    assert not any(name.endswith(".~belay") for name in files(board.root))
    assert device("1 + 1") == 2  # the link is in step again
    device.sync(src)
    assert files(board.root) == files(src)


def test_ctrl_c_finishes_the_chunk_then_stops(device, board, tmp_path):
    src = tmp_path / "src"
    for n in range(4):
        write(src, f"f{n}.bin", random.Random(n).randbytes(20000))
    sent = []

    def interrupt(event: Progress) -> None:
        if not sent:
            sent.append(event)
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        device.sync(src, progress=interrupt)
    on_board = files(board.root)
    assert not any(name.endswith(".~belay") for name in on_board)
    assert all(on_board[name] == files(src)[name] for name in on_board)
    assert device("1 + 1") == 2


def test_a_fresh_device_sees_the_same_plan(board, project):
    with Device(board.port) as first:
        first.sync(project)
    with Device(board.port) as second:
        assert second.sync_plan(project).is_noop
