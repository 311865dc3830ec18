"""Belay 0.30's API beyond the seed's manual, on the virtual board: the board's clock,
proxies for any result, generators that take send/throw/close, and the class form whole."""

from __future__ import annotations

import gc
from datetime import datetime, timedelta

import pytest

import engine as belay
from engine import Device, DeviceMeta, FeatureUnavailableError, ProxyObject

# -- time --------------------------------------------------------------------------------


def test_sync_time_measures_the_offset_from_the_smallest_round_trip(device):
    assert device.time_offset is not None  # auto_sync_time at connect, as Belay's default
    offset = device.sync_time(samples=5)
    assert offset == device.time_offset
    ticks = device("time.ticks_ms()")
    host = datetime.fromtimestamp(ticks / 1000 - offset)
    # The virtual board's clock is this machine's: the conversion lands on now.
    assert abs(host - datetime.now()) < timedelta(seconds=1)
    with pytest.raises(ValueError, match="at least 1 sample"):
        device.sync_time(samples=0)


def test_return_time_on_tasks_generators_and_calls(device):
    @device.task(return_time=True)
    def read(x):
        return x + 1

    @device.task(return_time=True)
    def stream(n):
        yield from range(n)

    before = datetime.now() - timedelta(seconds=1)
    value, when = read(1)
    assert value == 2 and before < when < datetime.now() + timedelta(seconds=1)
    pairs = list(stream(3))
    assert [v for v, _ in pairs] == [0, 1, 2]
    assert all(isinstance(t, datetime) for _, t in pairs)
    assert pairs[0][1] <= pairs[-1][1]
    value, when = device("6 * 7", return_time=True)
    assert value == 42 and isinstance(when, datetime)


def test_return_time_needs_a_synchronised_clock(board):
    with Device(board.port, auto_sync_time=False) as device:
        assert device.time_offset is None

        @device.task(return_time=True)
        def read():
            return 1

        with pytest.raises(ValueError, match="sync_time"):
            read()
        device.sync_time()
        assert read()[0] == 1


def test_auto_sync_time_again_after_a_reconnect(board):
    with Device(board.port, attempts=3) as device:
        first = device.clock.rtt
        device.clock.offset = None
        device.reconnect(resume=False)  # a restart (a board that kept its state keeps its clock)
        assert device.time_offset is not None and first is not None


# -- proxies -----------------------------------------------------------------------------


def test_results_that_are_not_literals_are_proxies(device, board):
    device("import machine\nk = machine.Pin(7, machine.Pin.OUT)")
    pin = device("k")
    assert isinstance(pin, ProxyObject)
    assert repr(pin) == "<ProxyObject k: Pin(7)>"
    pin.value(1)
    assert board.pins["7"] == 1
    device("d = {'a': [1, 2]}\nclass Box:\n    items = [3, 4]\nbox = Box()")
    assert device("d") == {"a": [1, 2]}  # literals still come back as values
    items = device("box").items
    assert len(items) == 2 and items[0] == 3
    assert device("box").items == [3, 4]


def test_collected_proxies_are_freed_on_the_board(device):
    device("class Thing:\n    pass")
    things = [device("Thing()") for _ in range(3)]
    assert device("len(_BP)") == 3
    del things
    gc.collect()
    device("0")  # the release rides along with the next exchange
    assert device("len(_BP)") == 0


def test_proxies_survive_a_reconnect_to_a_board_that_kept_its_state(tmp_path):
    with belay.VirtualBoard(root=tmp_path, webrepl="127.0.0.1:0", password="pw") as board:
        with Device(board.webrepl_url, password="pw", attempts=5) as device:
            device("class Counter:\n    n = 0\n    def up(self):\n        self.n += 1")
            counter = device("Counter()")
            counter.up()
            device.reconnect()  # WebREPL: no soft reset, the board keeps its objects
            counter.up()
            assert counter.n == 2


def test_a_proxy_whose_object_is_gone_says_so(board):
    with Device(board.port, attempts=3) as device:
        device("class Thing:\n    x = 1")
        thing = device("Thing()")
        device.reconnect(resume=False)  # a restart soft-resets the board: the object is gone
        with pytest.raises(belay.BelayException, match="gone: the board reset"):
            _ = thing.x


def test_trusted_rebuilds_any_repr_with_eval(device):
    assert isinstance(device("bytearray(b'ab')"), ProxyObject)
    assert device("bytearray(b'ab')", trusted=True) == bytearray(b"ab")

    @device.task(trusted=True)
    def raw():
        return bytearray(b"xy")

    assert raw() == bytearray(b"xy")
    with pytest.raises(belay.NonLiteralError, match="eval cannot rebuild"):
        device("object()", trusted=True)


# -- generators --------------------------------------------------------------------------


def test_generator_send_throw_and_close_reach_the_board(device):
    @device.task
    def running_total():
        total = 0
        try:
            while True:
                try:
                    total += yield total
                except ValueError as e:
                    yield "reset: " + str(e)
                    total = 0
        finally:
            global closed
            closed = True

    gen = running_total()
    assert next(gen) == 0
    assert gen.send(25) == 25
    assert gen.send(5) == 30
    assert gen.throw(ValueError("now")) == "reset: now"
    gen.close()
    assert device("closed") is True
    gen = running_total()
    next(gen)
    with pytest.raises(KeyError):
        gen.throw(KeyError("not caught there"))


# -- the class form ----------------------------------------------------------------------


def test_class_form_keywords_mixins_overloads_setup_and_teardown(board):
    class Leds(metaclass=DeviceMeta):
        @Device.setup(autoinit=True)
        def first():
            order = ["leds"]

        @Device.task(implementation="circuitpython")
        def which():
            return "circuitpython"

        @Device.task
        def which():  # noqa: F811 - Belay's overload: the other board's version
            return "any micropython"

    class Board(Device, Leds, skip=True):
        @Device.setup(autoinit=True)
        def second():
            order.append("board")

        @Device.setup
        def configure(level):
            configured = level

        @Device.teardown(ignore_errors=True)
        def teardown():
            raise RuntimeError("ignored at close")

    with Board(board.port) as dev:
        assert dev("order") == ["leds", "board"]  # autoinit setups, in definition order
        assert dev.which() == "any micropython"
        dev.configure(3)
        assert dev("configured") == 3
        with pytest.raises(belay.PyboardException, match="ignored at close"):
            dev.teardown()  # callable directly, and its errors show there
    # ...and leaving the with block ran it with its errors ignored.


def test_teardown_runs_on_close_and_its_errors_show_unless_ignored(board):
    class Board(Device):
        @Device.teardown
        def teardown():
            open("bye.txt", "w").write("bye")
            raise OSError("late")

    dev = Board(board.port)
    with pytest.raises(belay.PyboardException, match="OSError: late"):
        dev.close()
    assert (board.root / "bye.txt").read_text() == "bye"
    assert dev.closed


def test_class_form_errors_are_clear():
    with pytest.raises(ValueError, match="autoinit=True but takes arguments"):

        class Bad(Device):
            @Device.setup(autoinit=True)
            def setup(level):
                pass

    with pytest.raises(TypeError, match="no keyword 'skpi'"):

        class Typo(Device, skpi=True):
            pass

    with pytest.raises(TypeError, match="@task takes no keyword 'retrun_time'"):
        Device.task(retrun_time=True)


def test_an_overload_for_another_board_is_unavailable(device):
    @device.task(implementation="circuitpython")
    def only_there():
        return 1

    with pytest.raises(FeatureUnavailableError, match="defined for circuitpython boards"):
        only_there()


def test_belay_hooks_progress_update_and_kept_proxies(board, tmp_path):
    seen: list[str] = []

    class Board(Device):
        def __pre_autoinit__(self):
            seen.append("pre " + str(self("'ready' in globals()")))

        @Device.setup(autoinit=True)
        def setup():
            ready = True

        def __post_init__(self):
            seen.append("post " + str(self("ready")))

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("a" * 1000)
    updates: list[dict] = []
    with Board(board.port) as dev:
        assert seen == ["pre False", "post True"]
        dev.sync(tmp_path / "src", progress_update=lambda **kw: updates.append(kw))
        assert updates and updates[-1]["completed"] == updates[-1]["total"]
        dev("class Thing:\n    pass")
        kept = dev.proxy("Thing()", delete=False)
        del kept
        gc.collect()
        dev("0")
        assert dev("len(_BP)") == 1


def test_belay_device_json_from_belay_select(monkeypatch):
    from engine.transport._ports import usb_spec_from_json

    assert usb_spec_from_json('{"vid": 11914, "pid": 5, "serial_number": "E66"}') == (
        "usb:2e8a:0005:E66"
    )
    monkeypatch.setenv("BELAY_DEVICE", '{"vid": 4660, "pid": 22136}')
    with pytest.raises(belay.DeviceNotFoundError, match="no USB device usb:1234:5678"):
        Device()
    monkeypatch.setenv("BELAY_DEVICE", '{"colour": 1}')
    with pytest.raises(belay.DeviceNotFoundError, match="not a USB specification"):
        Device()


# No USB board can be staged here: the port lists are recorded ones, in which the virtual
# board's port carries a USB identity.
def _recorded(board_port: str) -> list[belay.PortInfo]:
    return [
        belay.PortInfo("/dev/ttyS0"),
        belay.PortInfo(board_port, 0x2E8A, 0x0005, "E66", "Pico", "MicroPython", "Board"),
        belay.PortInfo("/dev/ttyUSB0", 0x10C4, 0xEA60, "0001", "CP2102", "Silicon Labs"),
        belay.PortInfo("/dev/ttyUSB1", 0x10C4, 0xEA60, "0002", "CP2102", "Silicon Labs"),
    ]


def test_usb_specifier_picks_the_one_port_that_matches_every_field():
    ports = _recorded("/dev/pts/9")
    assert belay.UsbSpecifier(serial_number="e66").to_port(ports) == "/dev/pts/9"
    assert belay.UsbSpecifier(manufacturer="silicon labs", serial_number="0002").to_port(ports) == (
        "/dev/ttyUSB1"
    )
    assert belay.UsbSpecifier(device="/dev/ttyACM7").to_port(ports) == "/dev/ttyACM7"
    with pytest.raises(belay.InsufficientSpecifierError, match="2 ports match .*ttyUSB0.*USB1"):
        belay.UsbSpecifier(vid=0x10C4).to_port(ports)
    with pytest.raises(belay.DeviceNotFoundError, match="no port matches product='Thing'"):
        belay.UsbSpecifier(product="Thing").to_port(ports)
    # vid and pid (and serial) alone: the usb: form, which follows a re-enumerated board
    assert belay.UsbSpecifier(vid=0x2E8A, pid=5, serial_number="E66").port() == (
        "usb:2e8a:0005:E66"
    )


def test_device_opens_a_usb_specifier_and_belay_select_json(board, monkeypatch):
    import engine.transport._ports as ports

    monkeypatch.setattr(ports, "list_ports", lambda: _recorded(board.port))
    with Device(belay.UsbSpecifier(product="board")) as dev:
        assert dev.path == board.port and dev("1 + 1") == 2
    monkeypatch.setenv("BELAY_DEVICE", '{"serial_number": "E66", "manufacturer": "MicroPython"}')
    with Device() as dev:
        assert dev.path == board.port


def test_implementation_overloads_across_mixins(board):
    # Belay's own `belay select` does this: one mixin per firmware, the same names in each.
    class CircuitPythonLed(metaclass=DeviceMeta):
        @Device.task(implementation="circuitpython")
        def led(value):
            return "circuitpython " + str(value)

    class MicroPythonLed(metaclass=DeviceMeta):
        @Device.task
        def led(value):
            return "micropython " + str(value)

    class Blinker(Device, CircuitPythonLed, MicroPythonLed):
        pass

    with Blinker(board.port) as dev:
        assert dev.led(1) == "micropython 1"


def test_a_firmware_without_ticks_ms_connects_without_time_sync(board):
    # Staged on the real board: a `time` module without ticks_ms, as some ports have.
    no_ticks = "import sys\nclass NoTicks:\n    pass\nsys.modules['time'] = NoTicks()"
    with Device(board.port, startup=no_ticks) as device:
        assert device.time_offset is None
        assert device("1 + 1") == 2
        with pytest.raises(FeatureUnavailableError, match="no time.ticks_ms"):
            device.sync_time()
