"""ProxyObject: board objects used as if local (Belay's device.proxy)."""

from __future__ import annotations

import gc

import pytest

from engine import ProxyObject

SETUP = """
class Sensor:
    def __init__(self):
        self.temperature = 21.5
        self.settings = {'brightness': 10}
    def offset(self, x):
        return self.temperature + x
sensor = Sensor()
data = [1, 2, 3, 4, 5]
"""


@pytest.fixture
def dev(device):
    device(SETUP)
    return device


def test_attributes_and_methods(dev):
    sensor = dev.proxy("sensor")
    assert isinstance(sensor, ProxyObject)
    assert sensor.temperature == 21.5  # immutable: a plain value
    assert sensor.offset(1) == 22.5
    sensor.temperature = 30
    assert dev("sensor.temperature") == 30
    assert not hasattr(sensor, "missing")


def test_nested_mutable_values_stay_on_board(dev):
    settings = dev.proxy("sensor").settings
    assert isinstance(settings, ProxyObject)
    assert settings["brightness"] == 10
    settings["brightness"] = 20
    assert dev("sensor.settings") == {"brightness": 20}
    with pytest.raises(KeyError):
        settings["nope"]


def test_sequences(dev):
    data = dev.proxy("data")
    assert len(data) == 5
    assert list(data) == [1, 2, 3, 4, 5]
    assert data[-1] == 5
    assert list(data[1:3]) == [2, 3]
    assert list(data[::2]) == [1, 3, 5]
    assert 3 in data and 9 not in data
    data[0] = 100
    assert dev("data[0]") == 100
    with pytest.raises(IndexError):
        data[10]


def test_import_gives_module_proxies(dev, board):
    machine = dev.proxy("import machine")
    pin = machine.Pin(25, machine.Pin.OUT)
    pin.on()
    assert board.pins["25"] == 1
    assert repr(pin) == "<ProxyObject machine.Pin(25,1): Pin(25)>"
    Pin, Signal = dev.proxy("from machine import Pin, Signal")
    assert Signal(Pin(3, Pin.OUT)).value() == 0


def test_expression_results_and_release(dev):
    assert dev.proxy("1 + 2") == 3
    obj = dev.proxy("[[1], [2]]")
    inner = obj[0]
    assert list(inner) == [1]
    assert dev("len(_BP)") >= 2
    del obj, inner
    gc.collect()
    dev("0")  # the release rides along with the next exchange
    assert dev("len(_BP)") == 0


def test_proxy_as_argument(dev):
    settings = dev.proxy("sensor.settings")
    dev("def size(d):\n    return len(d)")
    size = dev.proxy("size")
    assert size(settings) == 1
