"""A function registered on several devices (stacked decorators) runs on all of them at once:
Belay's list of results in Belay's order, a board's exception raised after all have finished
and naming the board, or per-board outcomes."""

from __future__ import annotations

import threading

import pytest

from engine import Device, FleetError, Outcome, PyboardException


@pytest.fixture
def devices(boards):
    vbs = boards(3)
    opened = [Device(vb.port) for vb in vbs]
    yield vbs, opened
    for d in opened:
        d.close()


def wait_for_files(vbs, name: str) -> None:
    """Until every board's root has ``name`` (bounded; says which board never got there)."""
    for vb in vbs:
        for _ in range(3000):
            if (vb.root / name).exists():
                break
            threading.Event().wait(0.01)
        assert (vb.root / name).exists(), f"{vb.port} never wrote {name}"


def test_stacked_decorators_run_on_every_board_at_once_in_belays_order(devices):
    vbs, (first, second, third) = devices
    for i, d in enumerate((first, second, third)):
        d(f"me = {i}")

    @first.task
    @second.task
    @third.task
    def rendezvous():
        import os
        import time

        open("/started", "w").close()
        for _ in range(3000):  # the board gives up after 30 s
            if "go" in os.listdir("/"):
                return me
            time.sleep(0.01)
        raise RuntimeError("never released: the boards did not run at once")

    results: list = []
    caller = threading.Thread(target=lambda: results.append(rendezvous()))
    caller.start()
    wait_for_files(vbs, "started")  # every board runs it before any has finished
    for vb in vbs:
        (vb.root / "go").touch()
    caller.join()
    assert results == [[2, 1, 0]]  # bottom decorator first, as Belay
    assert first.task.rendezvous() == 0  # one board's own function still works alone


def test_a_boards_exception_comes_after_all_finished_and_names_it(devices):
    vbs, (first, second, third) = devices
    second("bad = True")

    @first.task
    @second.task
    @third.task
    def careful():
        if globals().get("bad"):
            raise ValueError("this board is bad")
        open("/done", "w").close()
        return "ok"

    with pytest.raises(FleetError, match="1 of 3 boards failed") as caught:
        careful()
    assert second.port in str(caught.value) and "ValueError: this board is bad" in str(caught.value)
    assert isinstance(caught.value.__cause__, PyboardException)
    assert [(vb.root / "done").exists() for vb in vbs] == [True, False, True]

    outcomes = careful.outcomes()
    assert [o.board for o in outcomes] == [third.port, second.port, first.port]
    assert all(isinstance(o, Outcome) for o in outcomes)
    assert [o.ok for o in outcomes] == [True, False, True]
    assert outcomes[0].value == "ok"


def test_threads_on_several_devices_start_on_all(devices):
    vbs, (first, second, _third) = devices

    @first.thread
    @second.thread
    def mark():
        open("/thread_ran", "w").close()

    assert mark() == [None, None]
    wait_for_files(vbs[:2], "thread_ran")
