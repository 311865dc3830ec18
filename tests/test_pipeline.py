"""Pipelined calls (``device.map``): sent back to back where the link allows it (WebREPL),
each reply matched to its call by a sequence number."""

from __future__ import annotations

import pytest

from engine import Device, PyboardException, VirtualBoard

PASSWORD = "pipes"


@pytest.fixture
def webrepl_device(tmp_path):
    with VirtualBoard(root=tmp_path / "flash", webrepl="127.0.0.1:0", password=PASSWORD) as vb:
        device = Device(vb.webrepl_url, password=PASSWORD)
        yield device
        device.close()


def register(device: Device):
    device("seen = []")

    @device.task
    def square(x):
        seen.append(x)
        print("square of", x)  # output between the replies must not confuse them
        if x == 13:
            raise ValueError("thirteen")
        return x * x

    return square


def test_map_over_webrepl_matches_every_reply_to_its_call(webrepl_device):
    square = register(webrepl_device)
    assert webrepl_device.connection.pipelines
    values = [x for x in range(60) if x != 13]
    assert webrepl_device.map(square, values, in_flight=10) == [x * x for x in values]
    assert webrepl_device("seen", record=False) == values


def test_results_in_order_and_errors_after_every_call_ran(webrepl_device):
    square = register(webrepl_device)
    assert webrepl_device.map(square, range(12), in_flight=10) == [x * x for x in range(12)]
    with pytest.raises(PyboardException, match="thirteen"):
        webrepl_device.map(square, range(10, 20), in_flight=10)
    # Calls are independent: the ones after the failure still ran, in order.
    assert webrepl_device("seen", record=False)[-10:] == list(range(10, 20))
    assert webrepl_device.map(square, [2, 3]) == [4, 9]  # the link is in step afterwards


def test_map_on_a_serial_port_runs_the_calls_one_after_the_other(device):
    square = register(device)
    assert not device.connection.pipelines
    assert device.map(square, range(5)) == [0, 1, 4, 9, 16]


def test_map_takes_only_this_devices_tasks(device):
    with pytest.raises(TypeError, match="not a task registered"):
        device.map(len, [[1]])
