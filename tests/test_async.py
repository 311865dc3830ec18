"""The asyncio face: ``await device.acall(...)``, ``async for`` over generator tasks,
``await device.amap(...)``; the same machinery as the blocking calls underneath."""

from __future__ import annotations

import asyncio

import pytest

from engine import Device


async def test_acall_runs_tasks_code_and_generators(device):
    @device.task
    def double(x):
        return 2 * x

    @device.task
    def count(n):
        for i in range(n):
            yield i * i

    assert await device.acall(double, 21) == 42
    assert await device.acall("1 + 2") == 3
    assert [x async for x in await device.acall(count, 4)] == [0, 1, 4, 9]
    assert await device.amap(double, range(3)) == [0, 2, 4]
    with pytest.raises(TypeError, match="neither code nor a task"):
        await device.acall(len, [1])


async def test_the_event_loop_runs_on_while_boards_work_and_boards_overlap(boards):
    vbs = boards(2)
    devices = [Device(vb.port) for vb in vbs]
    try:
        for d in devices:

            @d.task
            def wait_for_go():
                import os
                import time

                open("/started", "w").close()
                for _ in range(3000):
                    if "go" in os.listdir("/"):
                        return True
                    time.sleep(0.01)
                return False

        calls = [asyncio.ensure_future(d.acall("wait_for_go()")) for d in devices]
        # The loop is free while the boards work: this coroutine waits for both to start.
        while not all((vb.root / "started").exists() for vb in vbs):
            assert not any(c.done() for c in calls), "a call ended before the go"
            await asyncio.sleep(0.01)
        for vb in vbs:
            (vb.root / "go").touch()
        assert await asyncio.gather(*calls) == [True, True]
    finally:
        for d in devices:
            d.close()


async def test_cancelling_a_call_interrupts_the_board_and_the_next_call_works(device, board):
    @device.task
    def forever():
        import time

        open("/running", "w").close()
        while True:
            time.sleep(0.01)

    call = asyncio.ensure_future(device.acall(forever))
    while not (board.root / "running").exists():
        await asyncio.sleep(0.01)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert await device.acall("6 * 7") == 42
