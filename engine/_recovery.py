"""The recovery policy of one :class:`~engine.Device`: when a lost link is reconnected, how
often it is tried, and what becomes of the call the outage cut off.

It lives apart from ``device.py`` because it is the one part of Belay's semantics that is a
loop with state of its own (the call in flight, what the last reconnect found, whether a
restore is running); the device keeps the public face (``reconnect``, ``recover``) and the
history a restore replays. See docs/connections.md for the behaviour this implements.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

from ._command import command_code
from ._repl import BoardReset
from ._reply import Reply, ReplyKind, Stuck
from .connection import Resumption
from .events import Connected, ReconnectFailed, Reconnecting
from .exceptions import (
    BelayException,
    ConnectionLost,
    DeviceTimeoutError,
    PyboardException,
    SyncError,
)
from .text import last_line

if TYPE_CHECKING:
    from .device import Device

RETRY_INTERVAL = 1.0  # seconds between reconnect attempts (Belay's)
# Seconds a call without a timeout, still running when the board is back after an outage,
# may run on before the reconnect interrupts it to take over the board.
RUNNING_WAIT = 30.0
SOFT_RESET_RETRIES = 10  # reconnect tries after a reset that closes the link (WebREPL)
HARD_RESET, _ = command_code("import machine\nmachine.reset()", minify=False, flags=0)


class Recovery:
    """Reconnects for one device. ``restart`` installs the runtime on a board that lost its
    state and replays the device's history; it is the device's, since only it knows both."""

    def __init__(self, device: Device, restart: Callable[[], None]) -> None:
        self._device = device
        self._restart = restart
        self.restoring = False  # True inside a connect or a restore: no reconnect then
        self._in_flight: float | None = None  # monotonic deadline of the call in flight
        self._resumption: Resumption | None = None  # what the last reconnect found
        self.resets = 0  # calls whose code reset the board (so they are not recorded)

    @contextmanager
    def restore(self) -> Iterator[None]:
        """While the board is being set up: a loss inside is raised, not recovered."""
        outer, self.restoring = self.restoring, True
        try:
            yield
        finally:
            self.restoring = outer

    @contextmanager
    def in_flight(self, limit: float | None) -> Iterator[None]:
        """Around one call: how long it may run on the board, for a reconnect that finds it
        still running (``limit`` None: a call without a timeout)."""
        outer = self._in_flight
        self._in_flight = time.monotonic() + (RUNNING_WAIT if limit is None else limit)
        try:
            yield
        finally:
            self._in_flight = outer

    # -- reconnecting --------------------------------------------------------------------

    def reconnect(self, attempts: int, cancel: threading.Event | None, resume: bool) -> bool:
        """:meth:`Device.reconnect`, whose docstring says what the arguments mean."""
        device, link = self._device, self._device.connection
        with link.lock:
            if link.closed:
                raise ConnectionLost(f"{device.port} is closed")
            link.drop("reconnect requested")
            reason, n, started, was_there = link.lost_reason, 0, 0.0, False
            stopped = cancel.is_set if cancel is not None else lambda: False
            while attempts < 0 or n < attempts:
                if n:
                    self._await_port(started + RETRY_INTERVAL, stopped, was_there)
                if link.closed:
                    raise ConnectionLost(f"{device.port} was closed while reconnecting")
                if stopped():
                    reason = f"reconnecting was cancelled; last: {reason}"
                    break
                n += 1
                started, was_there = time.monotonic(), link.port_present()
                device.events.publish(Reconnecting(device.port, n, attempts, reason))
                try:
                    with self.restore():
                        return self._reopen(resume)
                except (PyboardException, SyncError) as e:
                    # The board is back but a recorded command (or sync) fails now: retrying
                    # replays the same history, so give up and say which error.
                    reason = f"restoring the board's state failed: {last_line(e)}"
                    link.drop(reason)
                    break
                except BelayException as e:
                    reason = last_line(e)
                    link.drop(reason)
                except BaseException:  # Ctrl-C: no half-restored board left behind
                    link.drop("reconnecting was interrupted")
                    raise
            device.events.publish(ReconnectFailed(device.port, reason))
            tries = f"{n} attempt{'s' if n != 1 else ''}"
            raise ConnectionLost(f"could not reconnect to {device.port} ({tries}): {reason}")

    def _await_port(self, until: float, stopped: Callable[[], bool], was_there: bool) -> None:
        """Wait until ``until``, or less if the port, absent at the last try (``was_there``
        False), is back (or close(), or ``stopped()``)."""
        link = self._device.connection
        while not (link.closed or stopped()) and (left := until - time.monotonic()) > 0:
            there = link.port_present()
            if there and not was_there:
                return
            was_there = there
            # The hardware's pace: nothing to wait on. Listing USB ports costs more than
            # looking for a path, so it is done less often.
            time.sleep(min(0.1 if link.polls_usb else 0.02, left))

    def _reopen(self, resume: bool) -> bool:
        """One try: the link open again and the board resumed (True) or restored."""
        link = self._device.connection
        if resume:
            self._resumption = link.resume(self._running_wait())
            kept = self._resumption.kept
        else:
            self._resumption, kept = None, False
            link.open()
        return self._settle(kept)

    def _settle(self, kept: bool) -> bool:
        """The link is up again: a board that did not keep its state is restored, and
        ``Connected`` says so. Returns ``kept``."""
        device, link = self._device, self._device.connection
        if kept:
            device.connect_count += 1
            link.last_ok = time.time()
        else:
            try:
                self._restart()
            except BaseException:
                # The new session's id is on the board before the replay ends: a board
                # that keeps its RAM through the next outage would pass for restored.
                link.session = ""
                raise
        outage = time.monotonic() - link.lost_at if link.lost_at is not None else 0.0
        device.events.publish(
            Connected(device.port, device.implementation, device.connect_count, kept, outage)
        )
        return kept

    def _running_wait(self) -> float | None:
        """Seconds the call in flight may still run on the board (None: no call runs)."""
        if self._in_flight is None:
            return None
        return max(0.0, self._in_flight - time.monotonic())

    # -- resets asked for ----------------------------------------------------------------

    def soft_reset(self) -> None:
        """:meth:`Device.soft_reset`: the board soft-reset, then restored."""
        link = self._device.connection
        with link.lock:
            link.soft_reset()
            self._back_after_reset("the soft reset")

    def hard_reset(self) -> None:
        """:meth:`Device.reset`: ``machine.reset()`` sent as a call whose end is the board
        restarting (its banner, or the port or socket going away), then the board restored
        whatever ``attempts``. A board that does not restart raises PyboardException."""
        what = "machine.reset()"
        link = self._device.connection
        with link.lock:
            try:
                with link.hold(what) as stream:
                    stream.send_code(HARD_RESET, what)
                    reply = stream.read_reply(what)
            except ConnectionLost:  # the restart, as asked; the link is dropped
                self._back_after_reset(what)
                return
            self._device.decode(reply, what)  # a board error (no machine.reset) is raised
            raise PyboardException(f"{what} returned without resetting the board")

    def reset_by(self, reply: Reply, what: str) -> Reply:
        """The reply to a call, unless the call's code reset the board (the reply says so:
        a ``SystemExit``, as ``machine.soft_reset()`` raises). Then the board is restored
        once, whatever ``attempts`` (the reset was asked for), the call is not sent again,
        and its value is None."""
        if reply.kind != ReplyKind.RESET:
            return reply
        if self.restoring:  # a replayed command (or the startup code) resets the board
            raise PyboardException(f"{what} reset the board (SystemExit) while it was set up")
        self.resets += 1
        self._back_after_reset(what)
        return Reply(ReplyKind.RESULT, "None")

    def _back_after_reset(self, what: str) -> None:
        """After a reset that was asked for: the board restored on the link it came back
        on; when the link went with the reset (WebREPL closes, a port re-enumerates) or the
        restore on it failed to get through, reconnected with at least
        ``SOFT_RESET_RETRIES`` tries, whatever ``attempts``."""
        device, link = self._device, self._device.connection
        if link.connected:
            try:
                with self.restore():
                    self._settle(kept=False)
                return
            except (PyboardException, SyncError) as e:
                reason = f"restoring the board's state failed: {last_line(e)}"
                link.drop(reason)
                raise ConnectionLost(f"the board was reset by {what}; {reason}") from None
            except BelayException as e:
                link.drop(last_line(e))
        tries = device.attempts if device.attempts < 0 else max(device.attempts, SOFT_RESET_RETRIES)
        device.reconnect(tries, resume=False)

    # -- what a loss means for the call it cut off ---------------------------------------

    def recover(self, error: ConnectionLost, what: str, resend: bool) -> bool:
        """:meth:`Device.recover`, whose docstring says what the arguments mean."""
        device = self._device
        if device.closed or self.restoring:
            raise error
        if device.attempts == 0:
            raise ConnectionLost(
                f"{error} (attempts=0: no reconnect; device.reconnect() restores the board)"
            ) from None
        kept = device.reconnect()
        if not (resend or kept):
            raise ConnectionLost(
                f"{what} was cut off by a lost link; the board is back and restored, but the "
                "board object it used is gone"
            )
        return kept

    def after_loss(
        self,
        error: ConnectionLost,
        what: str,
        resend: bool,
        exchange: Callable[[], Reply],
    ) -> Reply:
        """The reply to a call whose link was lost, once the board is back. A board that
        kept its state is asked, so the call runs exactly once: its reply if it finished
        (the outage ate it), else it is sent now with ``exchange``. One that lost its state
        gets the call again (at least once), unless it ran past its timeout or used a board
        object."""
        while True:
            kept = self.recover(error, what, resend)
            resumed = self._resumption
            interrupted = resumed is not None and resumed.interrupted
            late = f"{what} was still running after the reconnect and ran past its timeout"
            if kept and resumed is not None and resumed.missed is not None:
                if interrupted and resumed.missed.kind == ReplyKind.ERROR:
                    raise DeviceTimeoutError(f"{late}; interrupted it (Ctrl-C)")
                return resumed.missed
            if interrupted and not kept:
                raise DeviceTimeoutError(
                    f"{late}; interrupting it reset the board, whose state was restored"
                )
            try:
                return exchange()
            except ConnectionLost as e:
                if kept:
                    error = e  # another outage: the board is asked again
                    continue
                if not (_reset_during(error) and _reset_during(e)):
                    raise  # sent again to a restarted board and lost again: no loop
                # The board restarted during the call and again during the call sent again:
                # the call likely resets it (machine.reset()). Restored once more, not sent
                # a third time, and said so: a double outage must not pass for a result.
                self.recover(e, what, resend)
                raise ConnectionLost(
                    f"the board reset while running {what}, and again when it was sent again "
                    "(does it reset the board? device.reset() does that); the board is "
                    "restored and the call was not sent a third time"
                ) from None

    def unstick(self, error: Stuck) -> NoReturn:
        """A call ignored Ctrl-C after its timeout: reset and restore the board when
        ``attempts`` allows (reconnecting soft-resets it), else say what to do. Always
        raises DeviceTimeoutError."""
        device = self._device
        if device.attempts == 0 or self.restoring or device.closed:
            raise DeviceTimeoutError(
                f"{error}; reset the board: device.reconnect(), or its reset button"
            ) from None
        device.connection.drop(str(error))
        device.reconnect(resume=False)
        raise DeviceTimeoutError(f"{error}; the board was reset and its state restored") from None


def _reset_during(error: ConnectionLost) -> bool:
    """Whether ``error`` is a board that restarted while a call ran (its banner came
    instead of the reply), not before the call was taken or a link that went away."""
    return isinstance(error, BoardReset) and not error.before
