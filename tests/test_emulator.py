"""The virtual board behaves like a board, as seen by an outside client (mpremote) and by us."""

from __future__ import annotations

import os
import subprocess
import sys

import serial

from engine import Device, VirtualBoard
from engine._repl import RAW_BANNER, RawRepl
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


def test_filesystem_is_sandboxed(board):
    r = mpremote(
        board.port, "exec", "import os; open('/x.txt','w').write('1'); print(os.listdir('/'))"
    )
    assert r.returncode == 0, r.stderr
    assert (board.root / "x.txt").exists()
    assert not os.path.exists("/x.txt") or (board.root / "x.txt").exists()


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


def test_throttled_link_still_correct(tmp_path):
    with VirtualBoard(root=tmp_path, bps=11520) as vb, Device(vb.port) as dev:
        assert dev("'x' * 300") == "x" * 300
