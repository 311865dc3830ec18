"""Belay's implementation overloads: one task written for MicroPython and for CircuitPython,
each board running its own, on the virtual board's micropython and circuitpython profiles."""

from __future__ import annotations

import pytest

from engine import Device, FeatureUnavailableError, VirtualBoard

IMPLEMENTATIONS = ["micropython", "circuitpython"]


@pytest.fixture(params=IMPLEMENTATIONS)
def vb(request, tmp_path):
    with VirtualBoard(root=tmp_path / "flash", profile=request.param) as vb:
        yield vb


@pytest.mark.parametrize("micropython_first", [True, False])
def test_the_variant_for_the_boards_firmware_runs(vb, micropython_first):
    with Device(vb.port) as dev:

        def for_micropython():
            @dev.task(implementation="micropython")
            def led(on):
                Pin(25, Pin.OUT).value(on)
                return "micropython"

            return led

        def for_circuitpython():
            @dev.task(implementation="circuitpython")
            def led(on):
                pin = DigitalInOut(board.LED)
                pin.direction = Direction.OUTPUT
                pin.value = on
                return "circuitpython"

            return led

        order = [for_micropython, for_circuitpython]
        led = [make() for make in (order if micropython_first else order[::-1])][-1]
        assert led(True) == vb.profile.name
        assert dev.task.led(False) == vb.profile.name
        assert vb.pins["25"] == 0


def test_a_task_only_for_the_other_firmware_says_so(tmp_path):
    with VirtualBoard(root=tmp_path / "flash") as vb, Device(vb.port) as dev:

        @dev.task(implementation="circuitpython")
        def blink():
            return 1

        with pytest.raises(
            FeatureUnavailableError, match="blink is defined for circuitpython boards"
        ):
            blink()


def test_subclass_variants_under_one_name(vb):
    class Board(Device):
        @Device.task(implementation="micropython")
        def firmware():
            return "mp " + str(Pin(2).value())

        @Device.task(implementation="circuitpython")
        def firmware():  # noqa: F811 - Belay's overload form
            return "cp " + str(DigitalInOut(board.GP2).value)

        @Device.task
        def both():
            return sys.implementation.name

    with Board(vb.port) as dev:
        expected = "mp 0" if vb.profile.name == "micropython" else "cp False"
        assert dev.firmware() == expected
        assert dev.both() == vb.profile.name


def test_threads_are_refused_on_circuitpython(tmp_path):
    with (
        VirtualBoard(root=tmp_path / "flash", profile="circuitpython") as vb,
        Device(vb.port) as dev,
    ):
        with pytest.raises(
            FeatureUnavailableError, match="CircuitPython does not support threading"
        ):

            @dev.thread
            def spin():
                pass


def test_an_unknown_implementation_is_a_clear_error(tmp_path):
    with VirtualBoard(root=tmp_path / "flash") as vb, Device(vb.port) as dev:
        with pytest.raises(ValueError, match="implementation must be one of"):

            @dev.task(implementation="micropyton")
            def f():
                return 1
