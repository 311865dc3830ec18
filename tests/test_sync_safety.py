"""Sync's safety: power cuts mid-transfer never leave a torn file, a full board is refused
before anything is written."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from test_sync import files, write

from engine import BelayException, ConnectionLost, Device, SyncError, VirtualBoard
from engine.events import Progress

TEMP = ".~belay"


def versions(folder: Path, version: int) -> dict[str, bytes]:
    """Six files, all different in each version; every chunk compresses poorly."""
    contents = {}
    for n in range(6):
        rng = random.Random(version * 100 + n)
        data = f"v{version} ".encode() * 50 + rng.randbytes(6000 + 1500 * n + 500 * version)
        contents[f"f{n}.bin"] = data
        write(folder, f"f{n}.bin", data)
    return contents


class PowerCut:
    """A progress callback that cuts the board's power once ``fraction`` of the data is
    sent."""

    def __init__(self, board: VirtualBoard, fraction: float) -> None:
        self.board = board
        self.fraction = fraction
        self.done = False

    def __call__(self, event: Progress) -> None:
        if not self.done and event.done >= self.fraction * event.total:
            self.done = True
            self.board.power_cut()


@pytest.mark.parametrize("cut_at", [0.0, 0.3, 0.7, 1.0])
def test_power_cut_during_sync_leaves_no_torn_file(tmp_path, cut_at):
    src = tmp_path / "src"
    old = versions(src, 1)
    with VirtualBoard(root=tmp_path / "flash", bps=115200) as board:
        with Device(board.port, timeout=2) as device:
            device.sync(src)
        new = versions(src, 2)
        cut = PowerCut(board, cut_at)
        device = Device(board.port, timeout=2)
        try:
            with pytest.raises(BelayException):
                device.sync(src, progress=cut)
        finally:
            device.close()
        assert cut.done
        on_board = files(board.root)
        for name, data in on_board.items():
            if not name.endswith(TEMP):
                assert data in (old[name], new[name]), f"{name} is torn"
        assert set(old) <= {n for n in on_board if not n.endswith(TEMP)}

        with Device(board.port) as fresh:
            plan = fresh.sync_plan(src)
            leftovers = [e.path for e in plan.deleted if e.reason == "leftover temporary file"]
            assert leftovers == [f"/{n}" for n in sorted(on_board) if n.endswith(TEMP)]
            fresh.sync(plan)
            assert files(board.root) == new
            assert fresh.sync_plan(src).is_noop


def test_no_room_is_refused_before_anything_is_written(tmp_path):
    src = tmp_path / "src"
    write(src, "big.bin", random.Random(0).randbytes(50_000))
    write(src, "small.py", "x = 1\n")
    with VirtualBoard(root=tmp_path / "flash", fs_size=48 * 1024) as board:
        write(board.root, "old.txt", "will not be deleted either")
        write(board.root, "small.py", "x = 0\n")
        before = files(board.root)
        with Device(board.port) as device:
            plan = device.sync_plan(src)
            assert not plan.fits
            assert plan.room_needed > plan.room_free
            with pytest.raises(SyncError) as caught:
                device.sync(plan)
            message = str(caught.value)
            assert message.startswith("not enough room on the board: this sync needs ")
            assert "free; nothing was written" in message and "\n" not in message
            assert files(board.root) == before
            assert device("1 + 1") == 2


def test_room_counts_what_deletions_free(tmp_path):
    src = tmp_path / "src"
    write(src, "new.bin", random.Random(0).randbytes(30_000))
    with VirtualBoard(root=tmp_path / "flash", fs_size=48 * 1024) as board:
        write(board.root, "old.bin", random.Random(1).randbytes(30_000))
        with Device(board.port) as device:
            plan = device.sync_plan(src)
            assert plan.fits
            device.sync(plan)
        assert set(files(board.root)) == {"new.bin"}


def test_a_file_the_board_cannot_write_is_reported_and_the_rest_synced(device, board, tmp_path):
    src = tmp_path / "src"
    write(src, "a.txt", "a")
    write(src, "b.txt", "b")
    (board.root / "a.txt.~belay").mkdir()  # the temporary name is taken by a kept folder
    with pytest.raises(SyncError, match=r"1 path\(s\) could not be synced: /a.txt: "):
        device.sync(src, keep=["a.txt.~belay"])
    assert files(board.root)["b.txt"] == b"b"
    assert device("1 + 1") == 2


def test_with_attempts_a_power_cut_mid_sync_is_ridden_out(tmp_path):
    src = tmp_path / "src"
    versions(src, 1)
    with VirtualBoard(root=tmp_path / "flash", bps=115200) as board:
        with Device(board.port, attempts=3) as device:
            device.sync(src)
            new = versions(src, 2)
            cut = PowerCut(board, 0.5)
            device.sync(src, progress=cut)  # reconnects, plans again, finishes
            assert cut.done and device.connect_count == 2
            assert files(board.root) == new
            assert device.sync_plan(src).is_noop


def test_a_replayed_sync_whose_folder_is_gone_stops_the_reconnect(board, tmp_path):
    src = tmp_path / "src"
    write(src, "a.py", "a = 1\n")
    with Device(board.port, attempts=3) as device:
        device.sync(src)
        (src / "a.py").unlink()
        src.rmdir()
        with pytest.raises(ConnectionLost, match=r"\(1 attempt\): restoring .* does not exist"):
            device.reconnect(resume=False)  # a restart replays the sync
