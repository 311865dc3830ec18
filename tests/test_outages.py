"""Outages the board survives (a pulled USB-serial adapter, a WiFi drop): the board is
recognised by its session id, nothing is replayed over its live state, and the call in
flight runs exactly once. Against the virtual board's adapter_unplug/replug and wifi_drop."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable

import pytest
from waiting import until

from engine import ConnectionLost, Device, DeviceTimeoutError, VirtualBoard
from engine.events import Connected, LinkState, Reconnecting, Restoring
from engine.link import Link

PASSWORD = "pw"


@pytest.fixture
def wboard(tmp_path):
    with VirtualBoard(root=tmp_path / "flash", webrepl="127.0.0.1:0", password=PASSWORD) as vb:
        yield vb


@pytest.fixture
def counting(board, event_log):
    """A device on ``board`` with ``attempts=5``, its event log and the counter task."""
    dev = Device(board.port, attempts=5)
    log = event_log(dev.events)
    yield dev, log, counter(dev)
    dev.close()


def counter(dev: Device) -> Callable[[], int]:
    """The issue's scenario: a setup that runs once, and a task that counts calls."""
    dev("setups = globals().get('setups', 0) + 1\nn = 0")

    @dev.task
    def bump():
        global n
        n += 1
        return n

    return bump


def replug_after_a_failed_try(board: VirtualBoard, log, tries: int = 1) -> threading.Thread:
    """Plug the adapter back in once the device has failed ``tries`` reconnects."""

    def replug() -> None:
        log.wait_for(lambda e: isinstance(e, Reconnecting) and e.attempt > tries)
        board.adapter_replug()

    thread = threading.Thread(target=replug)
    thread.start()
    return thread


def pull_adapter(board: VirtualBoard, log) -> threading.Thread:
    """Pull the adapter now; plug it back in once the device has failed a reconnect."""
    board.adapter_unplug()
    return replug_after_a_failed_try(board, log)


def run_calls(bump: Callable[[], int], calls: int, outages: dict[int, Callable[[], None]]):
    results = []
    for i in range(calls):
        if i in outages:
            threading.Thread(target=outages[i]).start()  # lands anywhere in the next calls
        results.append(bump())
    return results


def kept(log) -> list[bool]:
    return [e.kept for e in log.of(Connected) if e.outage is not None]


# -- the table: 150 / in order / 1 ------------------------------------------------


def test_serial_adapter_pulled_for_a_while_150_calls(board, event_log):
    dev = Device(board.port, attempts=10)
    log = event_log(dev.events)
    bump = counter(dev)

    def outage() -> None:
        pull_adapter(board, log).join()

    results = run_calls(bump, 150, {50: outage})
    assert dev("n, setups", record=False) == (150, 1)
    assert results == list(range(1, 151))
    assert kept(log) == [True] and not log.of(Restoring)
    dev.close()


def test_wifi_drop_150_calls(wboard, event_log):
    dev = Device(wboard.webrepl_url, password=PASSWORD, attempts=10)
    log = event_log(dev.events)
    bump = counter(dev)
    results = run_calls(bump, 150, {50: lambda: wboard.wifi_drop(1.5)})
    assert dev("n, setups", record=False) == (150, 1)
    assert results == list(range(1, 151))
    assert kept(log) == [True] and not log.of(Restoring)
    outage = log.of(Connected)[-1].outage
    assert outage is not None and outage > 0
    dev.close()


def test_two_outages_back_to_back(board, event_log):
    dev = Device(board.port, attempts=10)
    log = event_log(dev.events)
    bump = counter(dev)

    def twice() -> None:
        for n in (1, 2):
            board.adapter_unplug()
            replug_after_a_failed_try(board, log, tries=len(log.of(Reconnecting))).join()
            log.wait_for(lambda e, n=n: isinstance(e, Connected) and e.count == 1 + n)

    results = run_calls(bump, 60, {10: twice})
    while len(kept(log)) < 2:  # the second outage may come after the loop's last call
        results.append(bump())
    assert results == list(range(1, len(results) + 1))
    assert dev("n, setups", record=False) == (len(results), 1)
    assert kept(log) == [True, True]
    dev.close()


# -- the call in flight ---------------------------------------------------------------------


def test_a_call_whose_reply_was_lost_is_fetched_not_run_again(board, event_log):
    def sink(text: str) -> None:
        if "ran" in text and not log.of(Reconnecting):
            pull_adapter(board, log)  # the board finishes the call; its reply is lost

    dev = Device(board.port, attempts=5, output=sink)
    log = event_log(dev.events)
    dev("runs = 0")

    @dev.task
    def once(x):
        global runs
        runs += 1
        print("ran")
        time.sleep_ms(100)
        return 2 * x

    assert once(21) == 42
    assert dev("runs", record=False) == 1
    assert kept(log) == [True]
    dev.close()


def test_a_call_that_never_reached_the_board_is_sent(board, counting):
    dev, log, bump = counting
    assert bump() == 1
    pull_adapter(board, log)  # between calls: the next one cannot be written
    assert bump() == 2
    assert dev("n", record=False) == 2


def test_a_call_still_running_after_the_outage_is_waited_for(board, event_log):
    """The task runs on until the reconnect's first byte reaches the board (it watches its
    stdin), so it is still running when the link is back: the reconnect waits for it
    instead of interrupting it, and its reply is the call's result."""

    def sink(text: str) -> None:
        if "started" in text:
            pull_adapter(board, log)

    dev = Device(board.port, attempts=5, output=sink)
    log = event_log(dev.events)

    @dev.task
    def waits():
        import select
        import sys

        print("started")
        poll = select.poll()
        poll.register(sys.stdin, select.POLLIN)
        while not poll.poll(10):
            pass
        return "finished"

    assert waits() == "finished"
    assert kept(log) == [True]
    dev.close()


def test_a_call_still_running_past_its_timeout_is_interrupted(board, event_log):
    def sink(text: str) -> None:
        if "started" in text:
            pull_adapter(board, log)

    dev = Device(board.port, attempts=5, call_timeout=1.5, output=sink)
    log = event_log(dev.events)
    dev("kept = 1", record=False)

    @dev.task
    def forever():
        print("started")
        while True:
            time.sleep_ms(10)

    with pytest.raises(DeviceTimeoutError, match="still running after the reconnect"):
        forever()
    assert dev("kept", record=False) == 1  # interrupted, not reset
    dev.close()


@pytest.mark.parametrize("presses", [1, 2])
def test_a_call_interrupted_on_the_host_keeps_the_counts_in_step(board, event_log, presses):
    """Ctrl-C on the host: the board frames the KeyboardInterrupt, and the host reads that
    frame (one press) or drops it unread and resynchronises (a second press), and either way
    knows the board's count: after a later outage a call that never started is sent rather
    than answered with that old reply."""
    pressed = []

    def sink(text: str) -> None:
        if "spinning" in text and len(pressed) < presses:
            pressed.append(text)
            signal.raise_signal(signal.SIGINT)  # Ctrl-C on the host, mid-call

    dev = Device(board.port, attempts=5, output=sink)
    log = event_log(dev.events)
    bump = counter(dev)

    @dev.task
    def spin():
        print("spinning")
        while True:
            time.sleep_ms(10)

    with pytest.raises(KeyboardInterrupt):
        spin()
    assert bump() == 1
    pull_adapter(board, log)  # between calls
    assert bump() == 2
    assert kept(log) == [True]
    dev.close()


def test_a_generator_goes_on_where_it_was(board, event_log):
    dev = Device(board.port, attempts=5)
    log = event_log(dev.events)

    @dev.task
    def count():
        yield from range(5)

    it = count()
    assert next(it) == 0
    pull_adapter(board, log)
    assert list(it) == [1, 2, 3, 4]
    assert kept(log) == [True]
    dev.close()


def test_a_board_thread_runs_through_the_outage_and_is_not_started_again(board, counting):
    dev, log, _bump = counting
    dev("started = 0\nticks = 0")

    @dev.thread
    def ticker():
        global started, ticks
        started += 1
        while True:
            ticks += 1
            print("tick", ticks)
            time.sleep_ms(5)

    ticker()
    before = dev("ticks", record=False)
    pull_adapter(board, log)  # the next call finds the port gone, and reconnects
    assert dev("started", record=False) == 1
    assert dev("ticks", record=False) > before
    assert kept(log) == [True]


def test_a_proxy_to_a_board_object_outlives_the_outage(board, counting):
    dev, log, _bump = counting
    dev("class Thing:\n    x = 1")
    thing = dev("Thing()")
    pull_adapter(board, log)
    assert thing.x == 1  # the call that finds the port gone reconnects; the object is there
    assert kept(log) == [True]


# -- faults -----------------------------------------------------------------------------------


def test_board_reset_during_the_outage_is_restored_and_the_call_resent(board, counting):
    dev, log, bump = counting
    dev("extra = 1", record=False)
    assert bump() == 1
    board.adapter_unplug()
    board.power_cut()  # while away: the board restarts and loses its RAM
    replug_after_a_failed_try(board, log)
    assert bump() == 1  # the history set n = 0 again; the call ran (at least once)
    assert dev("setups, 'extra' in globals()", record=False) == (1, False)
    assert kept(log) == [False] and log.of(Restoring)


def test_board_reset_by_the_reconnect_itself(board, event_log):
    """The call in flight runs past its timeout during the outage; the Ctrl-C that the
    reconnect sends reaches its handler, which resets the board (staged: the handler leaves
    a file, and the host cuts the power, as ``machine.reset()`` would). The id check comes
    after that, so the board is restored, not taken as kept."""
    flag = board.root / "resetting"

    def sink(text: str) -> None:
        if "guarding" in text and not log.of(Reconnecting):
            pull_adapter(board, log)
            threading.Thread(target=reset_when_asked).start()

    def reset_when_asked() -> None:
        until(flag.exists, "the handler to ask for a reset")
        board.power_cut()

    dev = Device(board.port, attempts=5, call_timeout=1.0, output=sink)
    log = event_log(dev.events)
    bump = counter(dev)

    @dev.task
    def guard():
        print("guarding")
        try:
            while True:
                time.sleep_ms(10)
        except KeyboardInterrupt:
            open("/resetting", "w").close()
            while True:
                pass

    with pytest.raises(DeviceTimeoutError, match="reset the board, whose state was restored"):
        guard()
    assert kept(log) == [False]
    assert bump() == 1 and dev("setups", record=False) == 1
    dev.close()


def test_the_wrong_board_on_the_same_port_is_restored_never_trusted(tmp_path, event_log):
    """Another board with our runtime (its own session id, the same reply count) answers
    where ours was: the device resets it and replays, and no result comes from it."""
    port = tmp_path / "ttyUSB0"
    with VirtualBoard(root=tmp_path / "a") as ours, VirtualBoard(root=tmp_path / "b") as other:
        port.symlink_to(ours.port)
        dev = Device(str(port), attempts=5)
        log = event_log(dev.events)
        bump = counter(dev)
        assert bump() == 1
        stranger = Device(other.port)
        counter(stranger)()
        stranger("n = 1000", record=False)
        stranger.close()
        ours.adapter_unplug()
        port.unlink()
        port.symlink_to(other.port)
        assert bump() == 1  # the stranger's n was reset and our history replayed
        assert kept(log) == [False]
        dev.close()


def test_attempts_zero_then_reconnect_resumes(board):
    dev = Device(board.port)
    bump = counter(dev)
    assert bump() == 1
    board.adapter_unplug()
    board.adapter_replug()
    with pytest.raises(ConnectionLost, match="attempts=0"):
        bump()
    assert dev.reconnect() is True  # the board kept its state
    assert bump() == 2
    dev.close()


# -- the link supervisor over WebREPL ---------------------------------------------------------


def test_link_over_webrepl_keepalive_reports_and_a_wifi_drop(wboard, event_log):
    dev = Device(wboard.webrepl_url, password=PASSWORD, attempts=-1)
    log = event_log(dev.events)
    bump = counter(dev)
    with Link(dev, keepalive=0.2, report_every=0.3) as link:
        log.wait_for(lambda e: type(e).__name__ == "DeviceReport")
        log.wait_for(lambda _e: link.probes >= 2)
        wboard.wifi_drop(0.5)
        back = log.wait_for(
            lambda e: isinstance(e, LinkState) and e.state == "connected" and e.outage is not None
        )
        assert back.reason == "kept its state"
        assert bump() == 1
    states = [e.state for e in log.of(LinkState)]
    assert "lost" in states and "reconnecting" in states and "restoring" not in states
    dev.close()


# -- an outage in the middle of a sync ------------------------------------------------------


def test_an_outage_mid_sync_redoes_it_from_its_plan_with_no_torn_file(tmp_path, event_log):
    """The adapter is pulled while files stream: the board's writer, which hears no more
    data, drops the file it was writing; the reconnect finds the board kept its state, and
    the sync is done again from a fresh plan."""
    from test_sync import files
    from test_sync_safety import TEMP, versions

    src = tmp_path / "src"
    versions(src, 1)
    with VirtualBoard(root=tmp_path / "flash", bps=115200) as board:
        with Device(board.port, attempts=5) as device:
            log = event_log(device.events)
            device.sync(src)
            new = versions(src, 2)
            pulled = []

            def pull(event) -> None:
                if not pulled and event.done >= 0.4 * event.total:
                    pulled.append(event)
                    pull_adapter(board, log)

            device.sync(src, progress=pull)
            assert pulled and kept(log) == [True]
            on_board = files(board.root)
            assert on_board == new and not [p for p in on_board if p.endswith(TEMP)]
            assert device.sync_plan(src).is_noop
