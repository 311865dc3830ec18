"""The status bar against a virtual board: what it says, and how it reacts to an unplug."""

from __future__ import annotations

from collections.abc import Callable

from pilot_helpers import connected, run_line, until

from belay_tui.status_bar import StatusBar, human_bytes, outage_text
from engine.events import KEPT, RESTORED, LinkPhase, LinkState


def bar_text(app) -> str:
    return str(app.query_one(StatusBar).render())


def test_byte_counts_read_like_a_person_writes_them():
    assert human_bytes(512) == "512 B"
    assert human_bytes(2039776) == "1.9 MB"


async def test_says_virtual_board_with_board_and_memory(make_app):
    # Before the first link event it says connecting. (Read from a fresh bar: in the app the
    # board may connect before the first look on a loaded machine.)
    assert StatusBar("virtual board").link_text() == "connecting"
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        # The connect job may still be finishing (busy: connect) when memory is first shown.
        shown = lambda: "● connected │" in bar_text(app) and " free │" in bar_text(app)  # noqa: E731
        await until(pilot, shown, lambda: bar_text(app))
        text = bar_text(app)
        impl = app.session.device.implementation  # the firmware the board reports
        version = ".".join(map(str, impl.version))
        assert f"● connected │ virtual board │ MicroPython {version} · {impl.platform}" in text
        assert "connection #1" in text
        assert "watch off" in text and "last sync never" in text


async def test_shows_the_pins_the_board_drives(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await connected(pilot)
        await run_line(pilot, *"from machine import Pin", "enter")
        await run_line(pilot, *"led = Pin('LED', Pin.OUT); led.on()", "enter")
        await until(pilot, lambda: "pins LED ●" in bar_text(app), "the LED on")
        await run_line(pilot, *"led.off()", "enter")
        await until(pilot, lambda: "pins LED ○" in bar_text(app), "the LED off")


async def test_unplug_turns_it_red_and_the_app_keeps_running(make_app):
    app = make_app(attempts=0)  # stays lost until ctrl+r
    async with app.run_test(notifications=True) as pilot:
        await connected(pilot)
        await pilot.pause()
        app.action_unplug()
        await run_line(pilot, *"1+1", "enter")
        bar = app.query_one(StatusBar)
        assert bar.status.state == "lost"
        assert bar.has_class("-lost")
        assert "● lost virtual board: " in bar_text(app)
        assert "^r reconnects" in bar_text(app)
        assert any(n.title == "link lost" for n in app._notifications)
        assert app.repl.transcript.plain.splitlines()[-1].startswith("link lost:")

        app.action_replug()
        await pilot.press("ctrl+r")
        await until(pilot, lambda: bar.status.state == "connected", "the reconnect")
        assert not bar.has_class("-lost")
        assert "connection #2" in bar_text(app)
        await run_line(pilot, *"2+3", "enter")
        assert app.repl.transcript.plain.splitlines()[-1] == "5"


async def cut_the_link(pilot, line: str, cut: Callable[[], None]) -> StatusBar:
    """Once connected, run ``line``, then ``cut()`` the link and wait for the app's device
    to try to reconnect."""
    await connected(pilot)
    bar = pilot.app.query_one(StatusBar)
    await run_line(pilot, *line, "enter")
    cut()
    await until(pilot, lambda: bar.status.state == "reconnecting", "reconnecting")
    return bar


async def test_an_idle_unplug_is_noticed_and_a_replug_restores_the_board(make_app):
    app = make_app()  # reconnects until the board is back
    async with app.run_test() as pilot:
        line = "from machine import Pin; Pin('LED', Pin.OUT).on()"
        bar = await cut_the_link(pilot, line, lambda: app.session.board.unplug())
        assert bar.has_class("-lost")
        assert "reconnecting (attempt" in bar_text(app) and "of ∞)" in bar_text(app)
        await run_line(pilot, *"1+1", "enter")
        assert "not connected" in app.repl.transcript.plain.splitlines()[-1]
        app.session.board.replug()
        await until(pilot, lambda: bar.status.state == "connected", "the restore")
        assert not bar.has_class("-lost") and "connection #2" in bar_text(app)
        await run_line(pilot, *"6*7", "enter")
        assert app.repl.transcript.plain.splitlines()[-1] == "42"


async def test_reconnecting_shows_the_attempt():
    bar = StatusBar("virtual board")
    bar.status = LinkState("virtual board", LinkPhase.RECONNECTING, attempt=2, attempts=5)
    assert bar.link_text() == "reconnecting (attempt 2 of 5)"
    bar.status = LinkState("virtual board", LinkPhase.RECONNECTING, attempt=7, attempts=-1)
    assert bar.link_text() == "reconnecting (attempt 7 of ∞)"


def test_an_outage_says_whether_the_board_kept_its_state():
    back = LinkState("virtual board", LinkPhase.CONNECTED, KEPT, outage=1.54)
    assert outage_text(back) == "outage 1.5 s, state kept"
    back = LinkState("virtual board", LinkPhase.CONNECTED, RESTORED, outage=0.25)
    assert outage_text(back) == "outage 0.2 s, state replayed"
    assert outage_text(LinkState("virtual board", LinkPhase.CONNECTED)) == ""


async def test_a_pulled_adapter_shows_the_board_kept_its_state(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        bar = await cut_the_link(pilot, "kept = 41", lambda: app.session.board.adapter_unplug())
        app.session.board.adapter_replug()
        await until(pilot, lambda: ", state kept" in bar_text(app), "the resume")
        assert "connection #2" in bar_text(app)
        await run_line(pilot, *"kept + 1", "enter")
        assert app.repl.transcript.plain.splitlines()[-1] == "42"
        app.session.board.power_cut()
        await until(pilot, lambda: ", state replayed" in bar_text(app), "the restore")
