"""The firmware people really have, played by the virtual board's profiles: each profile gets
task calls, long code, sync, watch and reconnect, then what is particular to it."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import zlib

import pytest
from outages import PowerCutOn
from test_sync import files, write
from waiting import Lines, until

from belay_tui.cli import main
from engine import Device, FeatureUnavailableError, SyncError, VirtualBoard
from engine._repl import RESET_WINDOW, RawRepl, looks_reset
from engine.emulator._profiles import Profile
from engine.sync._board import writer_code
from engine.transport import SerialTransport
from engine.watch import Watcher

PROFILES = ["esp8266", "old", "circuitpython"]
# What Belay's CircuitPython page asks users to put in boot.py (copied over the USB drive).
REMOUNT = 'import storage\nstorage.remount("/", False)\n'


def long_code(size: int) -> str:
    """About ``size`` bytes of code whose result shows every line arrived."""
    lines, n = [], 0
    while sum(map(len, lines)) < size:
        lines.append(f"v{n} = {n} * 3  # {'-' * 20}\n")
        n += 1
    return "".join(lines) + f"total = {'+'.join(f'v{i}' for i in range(0, n, 50))}\n"


@pytest.fixture(params=PROFILES)
def pboard(request, tmp_path):
    """A virtual board of each profile; a CircuitPython one with boot.py remounting its
    filesystem for code, as Belay asks of its users."""
    with VirtualBoard(root=tmp_path / "flash", profile=request.param) as vb:
        if vb.profile.circuitpython:
            (vb.root / "boot.py").write_text(REMOUNT)
            vb.power_cut()  # boot.py runs at power-on
        yield vb


@pytest.fixture
def project(tmp_path):
    src = tmp_path / "src"
    write(src, "main.py", "import app\napp.run()  # go\n")
    write(src, "app/__init__.py", "def run():\n    return 42  # answer\n")
    write(src, "app/data.bin", random.Random(5).randbytes(6000))
    return src


def test_task_calls_and_long_code(pboard):
    with Device(pboard.port) as dev:

        @dev.task
        def add(a, b):
            return a + b

        assert [add(i, 1) for i in range(20)] == list(range(1, 21))
        code = long_code(4096)
        dev(code)
        assert dev("total") == sum(i * 3 for i in range(0, code.count("\n") - 1, 50))
        expected = "circuitpython" if pboard.profile.circuitpython else "micropython"
        assert dev.implementation.name == expected


def test_sync_recognises_unchanged_files(pboard, project):
    with Device(pboard.port) as dev:
        first = dev.sync(project)
        assert first.mode == "raw" and first.files_written == 3
        assert files(pboard.root)["app/data.bin"] == (project / "app/data.bin").read_bytes()
        assert dev.sync_plan(project).is_noop
        write(project, "app/__init__.py", "def run():\n    return 43\n")
        plan = dev.sync_plan(project)
        assert [e.path for e in plan.writes] == ["/app/__init__.py"]
        assert dev.sync(plan).files_written == 1
        assert files(pboard.root)["app/__init__.py"] == b"def run():\n return 43\n"


def test_watch_follows_saves(pboard, tmp_path):
    folder = tmp_path / "watched"
    write(folder, "a.py", "a = 1\n")
    with Device(pboard.port) as dev, Watcher(dev, folder) as watcher:
        assert watcher.ready.wait(30)
        write(folder, "b.py", "b = 2\n")
        until(lambda: files(pboard.root).get("b.py") == b"b=2\n", "b.py on the board")


def test_reconnect_restores_state(pboard):
    """A power cut in the middle of a call, then a pulled cable: state comes back each time."""
    sink = PowerCutOn(pboard, "started")
    with Device(pboard.port, attempts=10, output=sink) as dev:
        dev("offset = 100")

        @dev.task
        def slow(x):
            print("started")
            for _ in range(3):  # CircuitPython's time has no sleep_ms
                time.sleep(0.1)
            return x + offset

        assert slow(5) == 105
        assert sink.cut.is_set() and dev.connect_count == 2
        pboard.unplug()
        pboard.replug()
        assert dev("offset + 1") == 101
        assert dev.connect_count == 3


# -- old firmware ------------------------------------------------------------------------


def test_without_raw_paste_4kb_of_code_arrives_whole_at_11520_bps():
    with (
        VirtualBoard(profile="old", bps=11520) as vb,
        SerialTransport(vb.port) as link,
    ):
        repl = RawRepl(link, timeout=10)
        repl.enter()
        code = long_code(4096)
        assert len(code) >= 4096
        out = repl.exec_raw(code + "print(total)")
        assert repl.raw_paste is False  # the board answered R\x00
        assert int(out) == sum(i * 3 for i in range(0, code.count("\n") - 1, 50))


def test_old_firmware_lacks_deflate_and_hashlib(project, tmp_path):
    with VirtualBoard(root=tmp_path / "flash", profile="old") as vb, Device(vb.port) as dev:
        assert dev("'hashlib' in globals()") is False
        result = dev.sync(project)
        assert result.compressed is False and result.mode == "raw"
        assert dev.sync_plan(project).board.hash == "crc32"


def test_without_hashlib_written_files_are_checked_with_crc32(tmp_path):
    """The writer checks what arrived against the host's crc32 before renaming it into
    place: a wrong digest (as damage on the wire would give) leaves no file."""
    with VirtualBoard(root=tmp_path / "flash", profile="old") as vb, Device(vb.port) as dev:
        good = f"{zlib.crc32(b'abc'):08x}"
        steps = f"_BSb([],[],[],10,1024)\n_BSo('/ok',{good!r})\n_BSw(b'abc',0)\n_BSc()\n"
        steps += "_BSo('/bad','00000000')\n_BSw(b'abc',0)\n_BSc()\n_BSS['e']"
        errors = dev(writer_code().decode() + steps, record=False)
        assert errors == [("/bad", "the data arrived damaged")]
        assert files(vb.root) == {"ok": b"abc"}


def test_without_binascii_crc32_sync_hashes_with_fnv1a(project, tmp_path):
    bare = Profile("bare", missing=("hashlib", "binascii", "deflate"))
    with VirtualBoard(root=tmp_path / "flash", profile=bare) as vb, Device(vb.port) as dev:
        dev.sync(project)
        plan = dev.sync_plan(project)
        assert plan.board.hash == "fnv1a32" and plan.is_noop


def test_mpremote_works_against_old_firmware(tmp_path):
    """A peer that meets refused raw-paste: mpremote falls back as it does on such boards."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "belay_tui.cli", "emulator", "--profile", "old"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = Lines(proc.stdout).next("the emulator's port").strip()
        code = f"x = {'1 + ' * 400}1\nprint(x)"  # long enough to ask for raw-paste
        r = subprocess.run(
            [sys.executable, "-m", "mpremote", "connect", port, "exec", code],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "401"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


# -- esp8266 -----------------------------------------------------------------------------


def test_esp8266_is_small_and_slow(tmp_path):
    with VirtualBoard(root=tmp_path / "flash", profile="esp8266") as vb, Device(vb.port) as dev:
        assert vb.bps == 11520
        free = dev("import gc\ngc.collect()\ngc.mem_free()")
        assert 0 < free < 100_000
        bsize, _, blocks = dev("import os\nos.statvfs('/')[:3]")
        assert bsize * blocks == 1024 * 1024
        assert "ImportError" in dev(
            "try:\n import _thread\n r=''\nexcept ImportError as e:\n r=repr(e)\nr"
        )


# -- circuitpython -----------------------------------------------------------------------


def test_circuitpython_names_pins_and_imports(tmp_path):
    with (
        VirtualBoard(root=tmp_path / "flash", profile="circuitpython") as vb,
        Device(vb.port) as dev,
    ):
        assert dev("sys.implementation.name") == "circuitpython"
        assert dev("'machine' in globals() or 'Pin' in globals()") is False
        dev("led = DigitalInOut(board.LED)\nled.direction = Direction.OUTPUT\nled.value = True")
        assert vb.pins["25"] == 1


def test_circuitpython_read_only_filesystem_is_a_clear_sync_error(project, tmp_path):
    with VirtualBoard(root=tmp_path / "flash", profile="circuitpython") as vb:
        (vb.root / "keep.txt").write_text("mine")
        with Device(vb.port) as dev, pytest.raises(SyncError) as e:
            dev.sync(project)
        assert "read-only" in str(e.value) and "storage.remount" in str(e.value)
        assert files(vb.root) == {"keep.txt": b"mine"}  # nothing deleted, nothing written


def test_circuitpython_ctrl_d_reloads_and_runs_code_py(tmp_path):
    with VirtualBoard(root=tmp_path / "flash", profile="circuitpython") as vb:
        (vb.root / "code.py").write_text("print('blink', 1 + 1)\n")
        with SerialTransport(vb.port) as link:
            repl = RawRepl(link, timeout=10)
            repl.enter()
            repl.leave()  # the friendly prompt, where Ctrl-D reloads
            repl.read_until(b">>> ", "the friendly prompt")
            link.write(b"\x04")
            seen = repl.read_until(b"Use CTRL-D to reload.\r\n", "code.py's run")
            assert b"soft reboot" in seen and b"code.py output:\r\nblink 2" in seen
            link.write(b"\r")  # any key
            banner = repl.read_until(b">>> ", "the REPL after a key")
            assert b"Adafruit CircuitPython" in banner and b"MicroPython" not in banner


@pytest.mark.parametrize(
    "tail",
    [
        b"code.py output:\r\n\r\nCode done running.\r\n\r\n"
        b"Press any key to enter the REPL. Use CTRL-D to reload.\r\n",
        b"\r\nAdafruit CircuitPython 9.2.1 on 2024-11-20; Raspberry Pi Pico with rp2040\r\n>>> ",
    ],
)
def test_a_circuitpython_reset_is_recognised(tail):
    assert looks_reset(b"x" * RESET_WINDOW + tail)


def test_bench_on_a_profile(capsys):
    argv = ["bench", "--profile", "old", "--bps", "0", "--suite", "calls", "--seconds", "0.2"]
    assert main([*argv, "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["port"] == "virtual old" and result["calls"]["calls_per_s"] > 0


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(FeatureUnavailableError, match="no virtual board profile 'esp99'"):
        VirtualBoard(profile="esp99")
