"""``device.fs`` and ``belay-tui fs`` on the virtual board, over its serial link and over
WebREPL."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from test_sync import files, write

from belay_tui.cli import main
from engine import BoardFileError, Device, FeatureUnavailableError, SyncError, VirtualBoard
from engine.events import Progress
from engine.fs import DiskUsage, FileInfo

PASSWORD = "pw"
ENGINE = Path(__file__).parent.parent / "engine"


@pytest.fixture
def wdevice(tmp_path):
    """A device on a virtual board's WebREPL endpoint."""
    with VirtualBoard(root=tmp_path / "wflash", webrepl="127.0.0.1:0", password=PASSWORD) as vb:
        with Device(vb.webrepl_url, password=PASSWORD) as dev:
            yield dev


def test_looking(device, board):
    write(board.root, "lib/a.py", "a = 1\n")
    write(board.root, "b.bin", b"\0" * 300)
    fs = device.fs
    assert fs.ls() == [FileInfo("/lib", 0, True), FileInfo("/b.bin", 300, False)]
    assert fs.ls("lib/../lib") == [FileInfo("/lib/a.py", 6, False)]
    assert fs.stat("/lib/a.py") == FileInfo("/lib/a.py", 6, False)
    assert fs.exists("/lib") and not fs.exists("/nope")
    assert [i.path for i in fs.tree()] == ["/b.bin", "/lib", "/lib/a.py"]
    assert fs.sha256("/b.bin") == hashlib.sha256(b"\0" * 300).hexdigest()
    usage = fs.df()
    assert isinstance(usage, DiskUsage) and usage.total >= usage.used and usage.free > 0


def test_reading_raw_and_text_agree(device, board):
    blob = os.urandom(20_000) + b"\x03\x04\r\n" * 100  # the REPL's control bytes too
    write(board.root, "d/blob.bin", blob)
    events: list[Progress] = []
    assert device.fs.read_bytes("/d/blob.bin", events.append) == blob
    assert events[-1].done == events[-1].total == len(blob)
    assert device.fs.read_bytes("/d/blob.bin", raw=False) == blob
    assert device("1 + 1") == 2  # the link is at a clean prompt after the stream


def test_get_and_put_trees(device, board, tmp_path):
    src = tmp_path / "src"
    write(src, "a.txt", "hi")
    write(src, "sub/b.py", "b = 2  # kept as is\n")
    (src / "empty").mkdir()
    result = device.fs.put(src, "/app")
    assert result.files_written == 2
    assert files(board.root) == {"app/a.txt": b"hi", "app/sub/b.py": b"b = 2  # kept as is\n"}
    assert device.fs.put(src, "/app/").files_written == 2  # into the folder, as cp does
    assert "app/src/a.txt" in files(board.root)
    (board.root / "app/emptied").mkdir()
    out = tmp_path / "out"
    listing = device.fs.get("/app", out)
    assert files(out) == {k[4:]: v for k, v in files(board.root).items()}
    assert (out / "emptied").is_dir()
    assert listing.total == 2 * (2 + 20)


def test_write_rename_remove(device, board):
    fs = device.fs
    fs.write_bytes("/x/y/f.txt", b"one")
    fs.write_bytes("/x/y/f.txt", b"two")
    assert files(board.root) == {"x/y/f.txt": b"two"}
    fs.rename("/x/y/f.txt", "/x/g.txt")
    with pytest.raises(BoardFileError, match="/x/g.txt already exists"):
        fs.rename("/x/y", "/x/g.txt")
    fs.mkdir("/m/n", parents=True)
    fs.mkdir("/m/n", parents=True)
    with pytest.raises(BoardFileError, match="/m already exists"):
        fs.mkdir("/m")
    with pytest.raises(BoardFileError, match="/x is a folder"):
        fs.remove("/x")
    fs.remove("/x", recursive=True)
    fs.remove("/m", recursive=True)
    assert files(board.root) == {} and fs.ls() == []
    with pytest.raises(BoardFileError, match="root folder cannot be removed"):
        fs.remove("/", recursive=True)
    fs.write_bytes("/d/in.txt", b"in")
    with pytest.raises(SyncError, match="/d is a folder on the board; nothing was written"):
        fs.write_bytes("/d", b"not over a folder")
    assert files(board.root) == {"d/in.txt": b"in"}


def test_bad_paths_are_one_line_errors(device, board):
    write(board.root, "f.txt", "x")
    fs = device.fs
    cases = {
        lambda: fs.read_bytes("/nope"): "/nope: no such file or folder on the board",
        lambda: fs.read_bytes("/"): "/ is a folder",
        lambda: fs.ls("/f.txt/x"): "/f.txt/x: part of this path is a file, not a folder",
        lambda: fs.stat("a/../../.."): "'a/../../..' climbs above the board's root folder",
        lambda: fs.tree("/f.txt"): "/f.txt: part of this path is a file, not a folder",
    }
    for call, message in cases.items():
        with pytest.raises(BoardFileError) as caught:
            call()
        assert str(caught.value) == message
    assert files(board.root) == {"f.txt": b"x"}


def test_a_full_board_refuses_a_put_and_keeps_its_files(tmp_path):
    with VirtualBoard(root=tmp_path / "flash", fs_size=64 * 1024) as vb, Device(vb.port) as dev:
        write(vb.root, "keep.txt", "old")
        with pytest.raises(SyncError, match="not enough room on the board"):
            dev.fs.write_bytes("/keep.txt", os.urandom(100_000))
        assert files(vb.root) == {"keep.txt": b"old"}


def test_webrepl(wdevice, tmp_path):
    fs = wdevice.fs
    blob = os.urandom(3000)
    fs.write_bytes("/w/blob.bin", blob)
    fs.write_bytes("/w/e.txt", b"")
    assert fs.read_bytes("/w/blob.bin") == blob
    out = tmp_path / "got"
    fs.get("/w", out)
    assert files(out) == {"blob.bin": blob, "e.txt": b""}
    long = "/w/" + "n" * 70  # past the file channel's 64-byte names: the REPL carries it
    fs.write_bytes(long, b"long")
    assert fs.read_bytes(long) == b"long"
    with pytest.raises(BoardFileError, match="/w/nope: no such file"):
        fs.read_bytes("/w/nope")
    assert [i.name for i in fs.ls("/w")] == ["blob.bin", "e.txt", "n" * 70]
    assert wdevice("2 + 2") == 4


def test_cli_verbs(board, tmp_path, capsys):
    src = tmp_path / "src"
    write(src, "a.txt", "hello\n")
    write(src, "sub/b.py", "b = 1\n")
    port = board.port
    assert main(["fs", "put", port, str(src), "/app", "-r"]) == 0
    assert "put 2 files" in capsys.readouterr().out
    assert main(["fs", "ls", port, "/app", "-l"]) == 0
    assert capsys.readouterr().out.split() == ["sub/", "6", "a.txt"]
    assert main(["fs", "tree", port]) == 0
    assert "b.py" in capsys.readouterr().out
    assert main(["fs", "cat", port, "app/a.txt"]) == 0
    assert capsys.readouterr().out == "hello\n"
    assert main(["fs", "get", port, "/app", str(tmp_path / "out"), "-r"]) == 0
    assert files(tmp_path / "out") == files(src)
    assert "got 2 files" in capsys.readouterr().out
    assert main(["fs", "sha256", port, "/app/a.txt"]) == 0
    assert capsys.readouterr().out.split()[0] == hashlib.sha256(b"hello\n").hexdigest()
    assert main(["fs", "mkdir", port, "/q/r", "-p"]) == 0
    assert main(["fs", "rm", port, "/q", "-r"]) == 0
    assert main(["fs", "df", port]) == 0
    assert "free" in capsys.readouterr().out
    assert sorted(files(board.root)) == ["app/a.txt", "app/sub/b.py"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["cat", "/nope"], "error: /nope: no such file or folder on the board"),
        (["get", "/app"], "error: /app is a folder (fs get -r fetches a folder)"),
        (["rm", "/app"], "error: /app is a folder (fs rm -r removes it and all in it)"),
        (["ls", "../x"], "error: '../x' climbs above the board's root folder"),
        (["cat", "/app"], "error: /app is a folder"),
    ],
)
def test_cli_errors_are_one_line(board, capsys, argv, message):
    write(board.root, "app/a.txt", "x")
    assert main(["fs", argv[0], board.port, *argv[1:]]) == 1
    err = capsys.readouterr().err
    assert " ".join(err.split()) == message
    assert files(board.root) == {"app/a.txt": b"x"}


def test_a_cancelled_read_stops_between_frames_and_leaves_the_link_clean(device, board, tmp_path):
    import threading

    write(board.root, "big.bin", os.urandom(200_000))
    write(board.root, "small.txt", "s")
    cancel = threading.Event()
    seen: list[Progress] = []

    def progress(event: Progress) -> None:
        seen.append(event)
        cancel.set()  # after the first chunk

    with pytest.raises(BoardFileError, match="cancelled"):
        device.fs.get("/", tmp_path / "out", progress, cancel=cancel)
    assert seen[-1].done < 200_000  # stopped long before the end
    assert not (tmp_path / "out" / "big.bin").exists()  # nothing half-written
    assert device.fs.read_bytes("/small.txt") == b"s"


def test_cli_put_on_a_full_board_is_one_line(tmp_path, capsys):
    big = write(tmp_path, "big.bin", os.urandom(100_000))
    with VirtualBoard(root=tmp_path / "flash", fs_size=64 * 1024) as vb:
        assert main(["fs", "put", vb.port, str(big)]) == 1
        err = " ".join(capsys.readouterr().err.split())
        assert err.startswith("error: not enough room on the board: this sync needs 100.0 KB")
        assert err.endswith("; nothing was written")
        assert files(vb.root) == {}


def test_cli_over_webrepl(tmp_path, capsys):
    with VirtualBoard(root=tmp_path / "w", webrepl="127.0.0.1:0", password=PASSWORD) as vb:
        write(vb.root, "lib/m.py", "m = 1\n")

        def fs(*argv: str) -> str:
            """Run ``belay-tui fs``; the board frees its one WebREPL slot a moment after
            the previous command left, so a refused connection is tried again."""
            deadline = time.monotonic() + 10
            while True:
                code = main(["fs", argv[0], vb.webrepl_url, *argv[1:], "--password", PASSWORD])
                out, err = capsys.readouterr()
                if code == 0:
                    return out
                assert "another client" in err and time.monotonic() < deadline, err

        fs("get", "/lib", str(tmp_path / "got"), "-r")
        assert files(tmp_path / "got") == {"m.py": b"m = 1\n"}
        fs("put", str(tmp_path / "got" / "m.py"), "/n.py")
        assert fs("ls", "/").split() == ["lib/", "n.py"]
        assert (vb.root / "n.py").read_bytes() == b"m = 1\n"


@pytest.mark.parametrize("profile", ["esp8266", "old"])
def test_small_and_old_firmware(tmp_path, profile):
    blob = os.urandom(9000)
    with VirtualBoard(root=tmp_path / "flash", profile=profile) as vb, Device(vb.port) as dev:
        write(vb.root, "b.bin", blob)
        assert dev.fs.read_bytes("/b.bin") == blob
        dev.fs.write_bytes("/w.txt", b"w")
        assert files(vb.root) == {"b.bin": blob, "w.txt": b"w"}
        if profile == "old":  # no hashlib: said so in one line
            with pytest.raises(FeatureUnavailableError, match="no hashlib"):
                dev.fs.sha256("/b.bin")
        else:
            assert dev.fs.sha256("/b.bin") == hashlib.sha256(blob).hexdigest()


SOURCE_TEXT = b"".join(p.read_bytes() for p in sorted((ENGINE / "fs").glob("*.py")))[:20_000]


def test_a_board_that_compresses_sends_its_reads_deflated(device, board, tmp_path):
    """On firmware whose DeflateIO writes (the ``compressing`` profile), text crosses the
    link deflated and arrives whole, raw or as base64 lines; incompressible bytes go
    stored. The default board's unix port cannot compress: the same text goes as it is."""
    noise = os.urandom(20_000)
    write(board.root, "src.py", SOURCE_TEXT)
    before = device.connection.stats.bytes_in
    assert device.fs.read_bytes("/src.py") == SOURCE_TEXT
    assert device.connection.stats.bytes_in - before > len(SOURCE_TEXT)
    with VirtualBoard(root=tmp_path / "z", profile="compressing") as vb, Device(vb.port) as dev:
        write(vb.root, "t/src.py", SOURCE_TEXT)
        write(vb.root, "t/noise.bin", noise)

        def wire(read) -> int:
            before = dev.connection.stats.bytes_in
            read()
            return dev.connection.stats.bytes_in - before

        assert wire(lambda: dev.fs.get("/t", tmp_path / "got")) < len(SOURCE_TEXT) + len(noise)
        assert files(tmp_path / "got") == {"src.py": SOURCE_TEXT, "noise.bin": noise}
        assert wire(lambda: dev.fs.read_bytes("/t/src.py")) < len(SOURCE_TEXT) * 0.6
        assert wire(lambda: dev.fs.read_bytes("/t/noise.bin")) > len(noise)
        assert dev.fs.read_bytes("/t/src.py", raw=False) == SOURCE_TEXT
        assert dev.fs.read_bytes("/t/noise.bin", raw=False) == noise


# Board code staging damage: a compressor that emits a block of the reserved type 3, or a
# hashlib whose digests match nothing.
BROKEN_DEFLATE = """
import deflate
class _Broken(deflate.DeflateIO):
    def write(self, data):
        self._stream.write(b'\\x07')
        return len(data)
    def close(self):
        pass
deflate.DeflateIO = _Broken
"""
BROKEN_HASHLIB = """
import sys
class _Broken:
    class sha256:
        def update(self, data):
            pass
        def digest(self):
            return bytes(32)
sys.modules['hashlib'] = _Broken
"""


@pytest.mark.parametrize(
    "profile, staging",
    [("compressing", BROKEN_DEFLATE), ("micropython", BROKEN_HASHLIB)],
    ids=["deflated chunk", "sha256"],
)
def test_a_file_that_arrives_damaged_is_a_one_line_error(tmp_path, profile, staging):
    """A deflated chunk that does not inflate, or a file whose sha256 is not the board's,
    fails the read in one line, raw or as text, with no file of it written; the board is
    told to stop, so the link is at a clean prompt after it."""
    with VirtualBoard(root=tmp_path / "z", profile=profile) as vb, Device(vb.port) as dev:
        write(vb.root, "d/b.py", SOURCE_TEXT)
        write(vb.root, "d/c.py", SOURCE_TEXT)
        dev(staging)
        for raw in (True, False):
            out = tmp_path / f"out{raw}"
            with pytest.raises(BoardFileError, match=r"^/d/[bc].py arrived damaged; read it"):
                dev.fs.get("/d", out, raw=raw)
            assert not out.exists() or files(out) == {}
            assert dev("1 + 1") == 2
