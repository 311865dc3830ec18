"""The raw REPL and raw-paste protocol, against real MicroPython."""

from __future__ import annotations

import os
import threading

import pytest

from engine import Device, DeviceNotFoundError, DeviceTimeoutError, PyboardException
from engine._repl import RawRepl
from engine.transport import SerialTransport


@pytest.fixture
def repl(board):
    r = RawRepl(SerialTransport(board.port))
    r.enter(soft_reset=True)
    yield r
    r.transport.close()


def test_stdout_and_stderr_kept_apart(repl):
    with pytest.raises(PyboardException) as e:
        repl.exec_raw("print('to stdout')\nraise ValueError('to stderr')")
    assert "ValueError: to stderr" in str(e.value)
    assert "to stdout" not in str(e.value)


def test_raw_paste_used_for_long_code(repl):
    code = "x = 0\n" + "x += 1\n" * 200 + "print(x)"
    assert repl.exec_raw(code).strip() == b"200"
    assert repl.raw_paste is True


def test_plain_raw_fallback_when_raw_paste_refused(repl):
    repl.raw_paste = False  # as after a board answered the raw-paste request with R\x00
    code = "y = 0\n" + "y += 2\n" * 300 + "print(y)"
    assert repl.exec_raw(code).strip() == b"600"


def test_interrupt_returns_to_clean_prompt(repl):
    repl.send_code(b"print('start')\nwhile True: pass")
    repl.read_until(b"start", "the loop to start")
    repl.interrupt()
    repl.read_until(b"\x04", "end of stdout")
    err = repl.read_until(b"\x04", "end of stderr")
    repl.read_until(b">", "prompt")
    assert b"KeyboardInterrupt" in err
    assert repl.exec_raw("print(6 * 7)").strip() == b"42"


def test_timeout_names_what_was_awaited():
    master, slave = os.openpty()  # a port with no board behind it: nothing ever answers
    try:
        with pytest.raises(DeviceTimeoutError, match="raw REPL prompt"):
            Device(os.ttyname(slave), timeout=0.5)
    finally:
        os.close(master)
        os.close(slave)


def test_missing_port_lists_ports():
    with pytest.raises(DeviceNotFoundError, match="ports here"):
        Device("/dev/does-not-exist-belay")


def test_output_streams_while_call_runs(board):
    """The first print reaches the host while the task is still waiting for the host."""
    seen = threading.Event()

    def sink(text: str) -> None:
        if "waiting" in text:
            seen.set()
            board.set_input(5, 1)  # only now may the task finish

    with Device(board.port, output=sink) as dev:

        @dev.task
        def wait_for_button():
            print("waiting")
            b = Pin(5, Pin.IN)
            while not b.value():
                time.sleep_ms(5)
            return "pressed"

        assert wait_for_button() == "pressed"
    assert seen.is_set()
