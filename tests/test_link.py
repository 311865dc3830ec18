"""The link supervisor: states and their order, keepalive, reports, busy, pause, stop."""

from __future__ import annotations

import json
import time

import pytest
from waiting import until

from belay_tui.cli import main
from engine import ConnectionLost, Device, DeviceNotFoundError, EventBus, Link
from engine.events import DeviceReport, LinkState, Output


def states(log, busy: bool = True) -> list[str]:
    """The states published, each run of repeats (reconnect attempts) counted once.
    ``busy=False`` leaves out ``busy``, which any call slower than ``busy_after`` shows
    (setup calls, a restore's replay) on a loaded machine."""
    out: list[str] = []
    for e in log.of(LinkState):
        if (busy or e.state != "busy") and (not out or out[-1] != e.state):
            out.append(e.state)
    return out


#: The states a link goes through when the board goes away and its state is restored.
THROUGH_AN_OUTAGE = ["connected", "lost", "reconnecting", "restoring", "connected"]


def test_idle_unplug_is_noticed_and_the_next_call_raises(board, event_log):
    dev = Device(board.port)  # attempts=0: noticed, not repaired
    log = event_log(dev.events)
    with Link(dev):
        board.unplug()
        lost = log.wait_for(lambda e: isinstance(e, LinkState) and e.state == "lost")
        assert board.port in lost.reason
        with pytest.raises(ConnectionLost, match="is down"):
            dev("1")
    assert states(log, busy=False) == ["connected", "lost"]
    dev.close()


def test_states_in_order_through_an_unplug_and_replug(board, event_log):
    dev = Device(board.port, attempts=-1)
    log = event_log(dev.events)
    dev("x = 41")
    with Link(dev) as link:
        board.unplug()
        log.wait_for(lambda e: isinstance(e, LinkState) and e.state == "reconnecting")
        board.replug()
        back = log.wait_for(
            lambda e: isinstance(e, LinkState) and e.state == "connected" and e.connects == 2
        )
        assert back.reason == "restored"
        assert link.state == "connected"
        assert dev("x + 1", record=False) == 42
    assert states(log, busy=False) == THROUGH_AN_OUTAGE
    tries = [e for e in log.of(LinkState) if e.state == "reconnecting"]
    assert tries  # waited for above: the lists below are not empty
    assert [e.attempt for e in tries] == list(range(1, len(tries) + 1))
    assert all(e.attempts == -1 for e in tries)
    assert back.last_ok is not None
    dev.close()


def test_a_board_that_stops_answering_is_noticed(board, event_log):
    dev = Device(board.port)
    log = event_log(dev.events)
    with Link(dev):
        board.freeze()
        lost = log.wait_for(lambda e: isinstance(e, LinkState) and e.state == "lost")
        assert "stopped answering" in lost.reason
    board.thaw()
    dev.reconnect()
    assert dev("1 + 1") == 2
    dev.close()


def test_power_cut_while_idle_is_repaired(board, event_log):
    dev = Device(board.port, attempts=3, output=lambda text: None)
    log = event_log(dev.events)
    dev("x = 'kept'")
    with Link(dev):
        board.power_cut()
        lost = log.wait_for(lambda e: isinstance(e, LinkState) and e.state == "lost")
        assert "reset" in lost.reason
        log.wait_for(
            lambda e: isinstance(e, LinkState) and e.state == "connected" and e.connects == 2
        )
    assert dev("x", record=False) == "kept"
    dev.close()


def test_keepalive_leaves_a_board_thread_and_the_session_alone(board, event_log):
    dev = Device(board.port, output=lambda text: None)
    log = event_log(dev.events)
    dev("count = [0]")
    dev("mine = 'typed at the REPL'", record=False)

    @dev.thread
    def counter():
        while True:
            count[0] += 1
            if count[0] % 20 == 0:
                print("tick", count[0])
            time.sleep_ms(2)

    counter()
    before = dev("count[0]", record=False)
    with Link(dev, keepalive=0.01) as link:
        until(lambda: link.probes >= 10, "ten keepalive probes")
        # The thread printed while no call ran: its output came out through the link.
        log.wait_for(lambda e: isinstance(e, Output) and "tick" in e.text)
    assert dev("count[0]", record=False) > before
    assert dev("mine", record=False) == "typed at the REPL"
    assert dev.connect_count == 1
    dev.close()


def test_reports_while_idle(device, event_log):
    log = event_log(device.events)
    with Link(device, report_every=0.1):
        report = log.wait_for(lambda e: isinstance(e, DeviceReport))
    assert report.mem_free > 0 and report.mem_alloc > 0
    assert report.fs_free > 0  # the virtual board's flash folder
    assert report.uptime >= 0
    assert device.report().uptime >= report.uptime


def test_busy_while_a_long_call_runs(device, event_log):
    log = event_log(device.events)

    @device.task
    def nap():
        time.sleep_ms(600)

    with Link(device, busy_after=0.05):
        nap()
        log.wait_for(lambda e: isinstance(e, LinkState) and e.reason == "idle")
    busy = [e for e in log.of(LinkState) if e.state == "busy"]
    assert busy and busy[0].reason == "running task nap"
    assert states(log) == ["connected", "busy", "connected"]


def test_paused_link_sends_nothing(device):
    with Link(device, keepalive=0.01) as link:
        until(lambda: link.probes >= 2, "two keepalive probes")
        with link.paused():
            probes, ticks = link.probes, link.ticks
            until(lambda: link.ticks >= ticks + 5, "five more ticks of the link")
            assert link.probes == probes


def test_stop_cancels_an_endless_reconnect(board, event_log):
    dev = Device(board.port, attempts=-1)
    log = event_log(dev.events)
    link = Link(dev).start()
    board.unplug()
    log.wait_for(lambda e: isinstance(e, LinkState) and e.state == "reconnecting")
    link.stop()
    failed = log.wait_for(lambda e: isinstance(e, LinkState) and e.state == "failed")
    assert "cancelled" in failed.reason
    board.replug()
    dev.close()


def test_open_says_connecting_then_connected(board, event_log):
    bus = EventBus()
    log = event_log(bus)
    link = Link.open(board.port, events=bus)
    assert states(log) == ["connecting", "connected"]
    link.stop()
    link.device.close()


def test_open_on_a_missing_port_says_failed(tmp_path, event_log):
    bus = EventBus()
    log = event_log(bus)
    with pytest.raises(DeviceNotFoundError, match="no serial port"):
        Link.open(str(tmp_path / "ttyACM9"), events=bus)
    assert states(log) == ["connecting", "failed"]
    assert "no serial port" in log.of(LinkState)[-1].reason


@pytest.mark.parametrize(
    "options", [{"keepalive": 0}, {"probe_wait": -1}, {"report_every": -1}, {"busy_after": -0.5}]
)
def test_bad_settings_are_refused(device, options):
    with pytest.raises(ValueError, match="seconds"):
        Link(device, **options)


def test_bench_link_suite(capsys):
    assert main(["bench", "--bps", "0", "--suite", "link", "--rounds", "1", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    figures = result["link"]
    assert "calls" not in result
    assert figures["history_entries"] == 6
    assert figures["idle_unplug_detect_ms"] > 0 and figures["replug_to_restored_ms"] > 0


def test_bench_refuses_zero_rounds(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "--suite", "link", "--rounds", "0"])
    assert "at least 1, not '0'" in capsys.readouterr().err


def test_a_loss_repaired_by_a_call_is_not_repaired_twice(board, event_log):
    def sink(text: str) -> None:
        if "started" in text and dev.connect_count == 1:
            board.unplug()
            board.replug()

    dev = Device(board.port, attempts=3, output=sink)
    log = event_log(dev.events)

    @dev.task
    def slow():
        print("started")
        time.sleep_ms(200)
        return "done"

    with Link(dev) as link:
        assert slow() == "done"  # the call reconnected, restored and resent itself
        ticks = link.ticks
        until(lambda: link.ticks >= ticks + 5, "five more ticks of the link")
        assert link.state == "connected"
    assert dev.connect_count == 2
    assert states(log, busy=False) == THROUGH_AN_OUTAGE
