"""A block run as MicroPython's paste mode runs it: checked against the board's own."""

from __future__ import annotations

import time

import pytest
import serial
from waiting import TIMEOUT

from engine import Device, PyboardException, run_pasted
from engine.paste import paste_source

# Each kind of statement paste mode prints, or drops, once.
BLOCK = """\
x = 5
x * 2
7
2 ** 8
(1, 2)
'a' + 'b'
not x
for i in range(2):
    i
if x:
    [x]
def f():
    x + 1
f()
class Box:
    x + 2
print('printed')
"""


@pytest.mark.parametrize(
    ("code", "sent"),
    [
        ("x * 2", "__repl_print__(x * 2)"),
        ("7\n'doc'\n(1, -2.5)\nnot 0\n1 and 2", "7\n'doc'\n(1, -2.5)\nnot 0\n1 and 2"),
        ("x; 3; y", "__repl_print__(x); 3; __repl_print__(y)"),
        ("(1 +\n x)", "(__repl_print__(1 +\n x))"),
        ("'é'; x", "'é'; __repl_print__(x)"),
        ("1 / 0", "__repl_print__(1 / 0)"),
        ("()\nTrue + 1", "__repl_print__(())\n__repl_print__(True + 1)"),
        ("def f():\n    x\nclass C:\n    x", "def f():\n    x\nclass C:\n    x"),
        (
            "try:\n    x\nexcept E:\n    y",
            "try:\n    __repl_print__(x)\nexcept E:\n    __repl_print__(y)",
        ),
        ("x +", "x +"),  # not Python: sent as it is, for the board to report
    ],
)
def test_what_is_sent(code, sent):
    assert paste_source(code) == sent


def _read_until(port: serial.Serial, token: bytes) -> bytes:
    seen = b""
    deadline = time.monotonic() + TIMEOUT
    while token not in seen:
        assert time.monotonic() < deadline, f"{token!r} never came: {seen!r}"
        seen += port.read(port.in_waiting or 1)
    return seen


def _board_paste_mode(port_name: str, block: str) -> str:
    """What the board prints for ``block`` in its own paste mode, typed at its REPL."""
    with serial.Serial(port_name, timeout=0.1) as port:
        port.write(b"\r")
        _read_until(port, b">>> ")
        port.write(b"\x05")  # Ctrl-E
        _read_until(port, b"=== ")
        for line in block.splitlines():
            port.write(line.encode() + b"\r")
            _read_until(port, b"=== ")
        port.write(b"\x04")  # Ctrl-D: run it
        return _read_until(port, b">>> ")[: -len(b">>> ")].decode().lstrip("\r\n")


def test_prints_what_the_boards_own_paste_mode_prints(board):
    expected = _board_paste_mode(board.port, BLOCK)
    assert expected.splitlines() == ["10", "'ab'", "False", "0", "1", "[5]", "printed"]
    printed: list[str] = []
    with Device(board.port, output=printed.append) as device:
        assert run_pasted(device, BLOCK) is None
    assert "".join(printed).replace("\r\n", "\n") == expected.replace("\r\n", "\n")


def test_a_traceback_names_the_blocks_own_line(device):
    with pytest.raises(PyboardException, match="line 3"):
        run_pasted(device, "a = 1\na\n1 / 0\n")
