"""The virtual board behaves like a board, as seen by an outside client (mpremote) and by us."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time

import serial

from engine import Device, VirtualBoard
from engine._repl import RAW_BANNER, RawRepl
from engine.emulator import FIXED_FIGURES_ENV
from engine.transport import SerialTransport


def mpremote(port: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mpremote", "connect", port, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_mpremote_exec_and_copy(board, tmp_path):
    r = mpremote(board.port, "exec", "import sys; print(sys.implementation.name, sys.path)")
    assert r.returncode == 0, r.stderr
    assert "micropython" in r.stdout
    assert "'/lib'" in r.stdout
    src = tmp_path / "hello.py"
    src.write_text("print('hi')\n")
    r = mpremote(board.port, "fs", "cp", str(src), ":hello.py")
    assert r.returncode == 0, r.stderr
    assert (board.root / "hello.py").read_text() == "print('hi')\n"
    r = mpremote(board.port, "exec", "import hello")
    assert r.stdout.strip() == "hi"


def test_filesystem_is_the_root_folder(board):
    (board.root / "there.txt").write_text("from the host")
    r = mpremote(
        board.port,
        "exec",
        "import os; open('/x.txt','w').write('1'); print(sorted(os.listdir('/')))",
    )
    assert r.returncode == 0, r.stderr
    assert (board.root / "x.txt").read_text() == "1"
    # The board's "/" lists the root folder: its own file and the one the host put there.
    assert ast.literal_eval(r.stdout.strip()) == ["there.txt", "x.txt"]


def raw(board: VirtualBoard) -> RawRepl:
    repl = RawRepl(SerialTransport(board.port))
    repl.enter(soft_reset=False)
    return repl


def test_soft_reset_keeps_files_and_returns_in_raw_mode(board):
    repl = raw(board)
    repl.exec_raw("open('keep.txt','w').write('k')\nx = 5")
    repl.write(b"\x04")
    repl.read_until(b"MPY: soft reboot\r\n", "soft reboot")
    repl.read_until(RAW_BANNER, "raw prompt")
    repl.sync()
    out = repl.exec_raw("print('x' in globals(), open('keep.txt').read())")
    assert out.strip() == b"False k"
    repl.transport.close()


def test_machine_shim_pins_visible_on_host(device, board):
    device("p = Pin(25, Pin.OUT)\np.on()")
    assert board.pins["25"] == 1
    device("p.toggle()")
    assert board.pins["25"] == 0
    board.set_input(4, 1)
    assert device("Pin(4, Pin.IN).value()") == 1
    board.set_input("ADC26", 1234)
    assert device("ADC(Pin(26)).read_u16()") == 1234
    assert device("I2C(0).scan()") == []
    assert isinstance(device("machine.unique_id()"), bytes)


def test_board_without_adc_still_connects(device):
    """Convenience imports are guarded: a machine module lacking ADC does not break them."""
    from engine._boardcode import prelude

    device("import machine\ndel machine.ADC\ndel ADC")
    device.connection.run_raw(prelude(device.connection.token))  # what a connect runs
    assert device("'ADC' in globals(), 'Pin' in globals()") == (False, True)


def test_unplug_removes_port_and_replug_restores_it(board):
    path = board.port
    assert os.path.exists(path)
    board.unplug()
    assert not os.path.exists(path)
    board.replug()
    assert os.path.exists(path)
    with Device(path) as dev:
        assert dev("1 + 1") == 2


def test_power_cut_reboots_with_banner(board):
    ser = serial.Serial(board.port, timeout=5)
    board.power_cut()
    data = b""
    while b">>> " not in data:
        chunk = ser.read(1)
        assert chunk, data
        data += chunk
    assert b"MicroPython" in data
    ser.close()


def reply_rate(port: str, size: int = 2000) -> float:
    """Bytes per second of a ``size``-byte reply, timed from the request: the line may make
    it slower (a loaded machine too), never faster."""
    with Device(port) as dev:
        start = time.perf_counter()
        assert dev(f"'x' * {size}") == "x" * size
        return size / (time.perf_counter() - start)


def test_the_link_keeps_to_its_byte_rate(tmp_path):
    # Only the bound load cannot break is asserted: a link within 10 % of its rate or slower.
    with VirtualBoard(root=tmp_path, bps=4000) as vb:
        assert reply_rate(vb.port) / 4000 <= 1.1
        vb.bps = 8000  # changed while running
        assert reply_rate(vb.port) / 8000 <= 1.1


def test_throttled_link_still_correct(tmp_path):
    with VirtualBoard(root=tmp_path, bps=11520) as vb, Device(vb.port) as dev:
        assert dev("'x' * 300") == "x" * 300


def test_fixed_figures_are_the_same_on_every_host(monkeypatch, tmp_path):
    """The test option behind the snapshots: firmware and free memory do not follow the host."""
    monkeypatch.setenv(FIXED_FIGURES_ENV, "1")  # as the screenshot scenes set it
    with VirtualBoard(tmp_path) as fixed, Device(fixed.port) as dev:
        impl = dev.implementation
        assert (impl.name, impl.version, impl.platform, impl.arch) == (
            "micropython",
            (1, 29, 0),
            "linux",
            None,
        )
        dev("import gc; gc.collect(); x = bytearray(50000)")
        assert dev.report().mem_free == dev("gc.mem_free()") == 1_990_000
        assert dev("import sys; sys.platform") == "linux"
        assert dev("1 + 1") == 2  # the rest of sys and gc is the unix port's own


def test_without_fixed_figures_the_board_reports_its_own(board, device):
    assert not board.fixed_figures
    assert device("import gc; gc.mem_free() + gc.mem_alloc()") > 0
    assert device("import sys; sys.implementation.version[:3]") == device.implementation.version
