"""Belay's Device API, against real MicroPython on the virtual board."""

from __future__ import annotations

import os
import signal
import threading

import pytest
from waiting import until

import engine as belay
from engine import Device


def test_call_returns_final_expression(device):
    assert device("x = 1 + 2\nx * 10") == 30
    assert device("y = 4") is None
    assert device("[x, 'a', b'b', None, True, {1: (2.5,)}]") == [
        3,
        "a",
        b"b",
        None,
        True,
        {1: (2.5,)},
    ]


def test_implementation(device):
    impl = device.implementation
    assert impl.name == "micropython"
    assert len(impl.version) == 3 and impl.version >= (1, 20, 0)
    # What the board itself says (the wheel's version and the host's OS vary by machine).
    assert impl.version == device("import sys; tuple(sys.implementation.version[:3])")
    assert impl.platform == device("sys.platform")
    assert "native" in impl.emitters
    assert impl.mpy_version >= 6


def test_task_args_kwargs_and_prints(device, capsys):
    @device.task
    def add(a, b=1, *, scale=1):
        """Docstrings are stripped by minify but the task still works."""
        print("adding", a, b)
        return (a + b) * scale

    assert add(2) == 3
    assert add(2, b=5, scale=2) == 14
    assert device.task.add(1, 1) == 2
    assert "adding 2 5" in capsys.readouterr().out


def test_generator_task_iterates_on_host(device):
    @device.task
    def squares(n):
        for i in range(n):
            yield i * i

    assert list(squares(5)) == [0, 1, 4, 9, 16]
    it = squares(3)
    assert next(it) == 0
    assert list(squares(2)) == [0, 1]  # another generator meanwhile
    assert list(it) == [1, 4]


def test_thread_runs_in_background(device):
    device("done = []")

    @device.thread
    def worker(n):
        time.sleep_ms(20)
        done.append(n)

    assert worker(7) is None
    until(lambda: device("done") == [7], "the thread's append")


def test_setup_and_teardown_run_at_global_scope(board):
    with Device(board.port) as dev:

        @dev.setup
        def setup(level=3):
            counter = level * 2

        @dev.teardown
        def teardown():
            open("bye.txt", "w").write(str(counter))

        setup()
        assert dev("counter") == 6
        setup(level=5)
        assert dev("counter") == 10
    assert (board.root / "bye.txt").read_text() == "10"


def test_subclass_form(board):
    class Sensor(Device):
        @Device.setup(autoinit=True)
        def setup():
            offset = 100

        @Device.task
        def read(x):
            return x + offset

        @Device.setup  # Belay's default: not at connect
        def later():
            flag = True

    with Sensor(board.port) as dev:
        assert dev.read(1) == 101
        assert dev("'flag' in globals()") is False
        dev.later()
        assert dev("flag") is True


def test_task_on_two_devices_returns_list_in_decoration_order(tmp_path):
    with belay.VirtualBoard(root=tmp_path / "a") as a, belay.VirtualBoard(root=tmp_path / "b") as b:
        with Device(a.port) as da, Device(b.port) as db:
            da("name = 'a'")
            db("name = 'b'")

            @da.task
            @db.task
            def who():
                return name

            assert who() == ["b", "a"]
            assert da.task.who() == "a"


def test_device_exception_points_at_host_source(device):
    @device.task
    def fails(x):
        y = x + 1
        raise ValueError("bad value %d" % y)

    with pytest.raises(belay.PyboardException) as e:
        fails(1)
    text = str(e.value)
    assert "ValueError: bad value 2" in text
    line = fails.__wrapped__.__code__.co_firstlineno + 3  # decorator, def, y =, raise
    assert f'File "{__file__}", line {line}, in fails' in text
    assert "in _B" not in text


def test_minify_keeps_line_numbers():
    src = 'def f(a):\n    """doc\n    more"""\n    # c\n    return a  # x\n'
    out = belay.minify(src)
    assert out.count("\n") == src.count("\n")
    assert out.splitlines()[4] == " return a"


def test_prints_that_look_like_protocol_do_not_forge_results(device, capsys):
    @device.task
    def tricky():
        print("OK\x04\x04>")
        print("_BELAYR(1, 2)")
        print("\x1eR99")
        return 42

    assert tricky() == 42
    out = capsys.readouterr().out
    assert "_BELAYR(1, 2)" in out


def test_non_literal_argument_refused_on_host(device):
    @device.task
    def echo(x):
        return x

    with pytest.raises(belay.NonLiteralError, match="argument 1 of echo is a object"):
        echo(object())
    with pytest.raises(belay.NonLiteralError, match="argument 'x' of echo"):
        echo(x={1, object})
    assert echo(x=[1]) == [1]  # nothing was sent, the link is fine


def test_non_literal_result_is_a_proxy(device, board):
    @device.task
    def pin():
        return Pin(2, Pin.OUT)

    led = pin()
    assert isinstance(led, belay.ProxyObject)
    led.value(1)
    assert board.pins["2"] == 1
    assert repr(led) == "<ProxyObject task pin: Pin(2)>"
    assert device("1") == 1


@pytest.mark.parametrize("name", ["__init__", "_belay_x", "_B", "_BX"])
def test_reserved_names(device, name):
    ns: dict = {}
    exec(f"def {name}():\n    return 1\n", ns)
    fn = ns[name]
    fn.__module__ = __name__
    with pytest.raises(belay.SpecialFunctionNameError):
        device.task(fn)


def test_ctrl_c_on_host_interrupts_board(board):
    started = threading.Event()

    def sink(text: str) -> None:
        if "spinning" in text and not started.is_set():
            started.set()
            os.kill(os.getpid(), signal.SIGINT)

    with Device(board.port, output=sink) as dev:

        @dev.task
        def spin():
            print("spinning")
            while True:
                pass

        with pytest.raises(KeyboardInterrupt):
            spin()
        assert dev("1 + 1") == 2


def test_interrupt_from_another_thread(device):
    @device.task
    def forever():
        while True:
            time.sleep_ms(1)

    def stop() -> None:
        # The task is running once the board stops answering instantly; keep sending.
        while not done.is_set():
            device.interrupt()
            done.wait(0.05)

    done = threading.Event()
    t = threading.Thread(target=stop)
    t.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            forever()
    finally:
        done.set()
        t.join()
    assert device("2 + 2") == 4


def test_task_returning_tuple_like_internal_reply(device):
    @device.task
    def looks_internal():
        return ("G", "1")

    assert looks_internal() == ("G", "1")


def test_thread_output_between_calls_is_not_lost(device, capsys):
    @device.thread
    def chatter():
        print("from thread")

    chatter()
    printed: list[str] = []

    def heard() -> bool:
        device("time.sleep_ms(5)")  # output of an idle link arrives with the next call
        printed.append(capsys.readouterr().out)
        return "from thread" in "".join(printed)

    until(heard, "the thread's output on the host")


def test_startup_replaces_convenience_imports(board):
    with Device(board.port, startup="import os\nready = 1") as dev:
        assert dev("ready, 'Pin' in globals(), 'os' in globals()") == (1, False, True)


def test_stream_out_per_call(device):
    import io

    buf = io.StringIO()
    device("print('to buffer')", stream_out=buf)
    assert buf.getvalue() == "to buffer\n"
