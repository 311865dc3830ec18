"""Waiting on the app under Pilot: on conditions, never on fixed sleeps."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from waiting import TIMEOUT


async def until(
    pilot, condition: Callable[[], object], what: str | Callable[[], str] = "", timeout=TIMEOUT
):
    """Let the app run until ``condition()`` holds (a condition, not a fixed sleep).
    ``what`` names it for the timeout error (a callable: computed then)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            app = pilot.app
            state = f"running={app.session.running} status={app.session.status}"
            what = what() if callable(what) else what
            raise AssertionError(f"timed out waiting for {what or condition} ({state})")
        await pilot.pause(0.02)


async def connected(pilot) -> None:
    app = pilot.app
    await until(pilot, lambda: app.session.status.state == "connected", "the connection")
    await until(pilot, lambda: app.session.idle, "the first report")


async def run_line(pilot, *keys: str) -> None:
    """Type keys into the REPL and wait until the board has answered."""
    app = pilot.app
    await pilot.press(*keys)
    await until(pilot, lambda: app.session.idle and not app.repl.pending, "the REPL line")


async def show(pilot, key: str, selector: str) -> None:
    """Press a pane's key and wait until ``selector`` has the focus, as a person would look
    before typing."""
    app = pilot.app
    focused = lambda: app.focused is app.query_one(selector)  # noqa: E731
    # Pressed again if the first press, at start-up on a loaded machine, did not take (the
    # app's auto-focus can land after it): a person would press it again, too.
    for _ in range(3):
        await pilot.press(key)
        with contextlib.suppress(AssertionError):
            await until(pilot, focused, f"{selector} focused", timeout=TIMEOUT / 3)
            return
    raise AssertionError(f"{selector} never took the focus after {key}, pressed three times")
