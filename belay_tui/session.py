"""The app's connection to one board (the app holds one session per board).

Engine calls block, so each runs in a Textual thread worker. A first-come-first-served lane
lets one run at a time, in the order they were asked for: a REPL line typed during a sync
runs right after it, and meanwhile the console can say that it waits. Results, board output
and engine events come back to the app as messages (see :mod:`belay_tui.messages`); nothing
on the UI thread ever waits for the board.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import App

from engine import (
    BelayException,
    ConnectionLost,
    Device,
    EventBus,
    Link,
    SyncOptions,
    VirtualBoard,
)
from engine.events import Connected, Event, LinkPhase, LinkState, Output
from engine.text import last_line
from engine.watch import Watcher

from .jobs import Job, Lane
from .messages import (
    BoardOutput,
    EngineEvent,
    FromSession,
    JobEnded,
    JobStarted,
    LinkChanged,
)
from .output_buffer import OutputBuffer
from .session_log import SessionLog
from .settings import VIRTUAL

#: How the status bar names the built-in virtual board instead of its temporary pty path.
VIRTUAL_LABEL = "virtual board"


class Session:
    """Owns the :class:`Device` and its :class:`Link` supervisor on behalf of the app (for
    ``virtual``, the device starts and owns the virtual board).

    The link state the app shows is the supervisor's (connecting, connected, lost,
    reconnecting n of m, restoring, failed), except that while a job of the user's runs it
    reads busy with that job's name ("busy: sync").
    """

    def __init__(
        self,
        app: App,
        port: str,
        *,
        password: str | None,
        log: SessionLog,
        attempts: int = -1,
        label: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.app = app
        self.attempts = attempts  # reconnect tries after a loss, 1 s apart; negative: no limit
        self.timeout = timeout  # seconds to wait for a protocol reply
        self.port = port
        self.label = label or (VIRTUAL_LABEL if port == VIRTUAL else port)
        self.log = log
        self.events = EventBus()
        self.events.subscribe(self._on_event)
        self.device: Device | None = None
        self.link: Link | None = None
        self.watcher: Watcher | None = None
        self.running: Job | None = None
        self.queued: list[Job] = []
        self._link_status = self._state(LinkPhase.CONNECTING)
        self._shown: LinkState | None = None
        # What the status bar and the Boards list show of this board, kept with it so that
        # each board shows its own when the app switches between them.
        self.board_text = ""  # e.g. "MicroPython 1.29.0 · linux x64"
        self.connects = 0
        self.mem_free: int | None = None
        self.last_sync = "never"
        self.last_outage = ""  # e.g. "outage 1.5 s, state kept"
        self._password = password
        self._lane = Lane()
        self._lock = threading.Lock()
        self.output = OutputBuffer()  # board output the console has yet to show

    @property
    def board(self) -> VirtualBoard | None:
        """The virtual board, once the device has started it (``virtual`` only)."""
        return self.device.virtual_board if self.device is not None else None

    @property
    def is_virtual(self) -> bool:
        return self.port == VIRTUAL

    @property
    def status(self) -> LinkState:
        link = self._link_status
        job = self.running
        if job is not None and link.usable:
            return self._state(LinkPhase.BUSY, job.label)
        if link.state == LinkPhase.BUSY:  # the engine's view of a call the app did not start
            return self._state(LinkPhase.CONNECTED)
        return link

    def post(self, message: FromSession) -> None:
        """Send ``message`` to the app, naming this session as its source."""
        message.session = self
        self.app.post_message(message)

    def _state(
        self, phase: LinkPhase, reason: str = "", attempt: int = 0, attempts: int = 0
    ) -> LinkState:
        """The engine's link state as the app shows it: named by the session's label."""
        return LinkState(self.label, phase, reason, attempt, attempts)

    # -- jobs ----------------------------------------------------------------------------

    def submit(
        self,
        label: str,
        work: Callable[[Device], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        needs_device: bool = True,
        lane: bool = True,
    ) -> Job:
        """Queue ``work`` to run on the device after what is already queued (``lane=False``:
        run it now, beside the board's work, for what never touches the board). Call from
        the UI thread; the outcome arrives as a :class:`JobEnded` message."""
        job = Job(label, work, on_done, on_error, needs_device and lane, lane)
        if lane:
            ticket = self._lane.ticket()
            with self._lock:
                self.queued.append(job)
            run = partial(self._run, job, ticket)
        else:
            run = partial(self._run_aside, job)
        self.app.run_worker(
            run,
            name=label,
            group="engine",
            thread=True,
            exit_on_error=False,
        )
        return job

    @property
    def idle(self) -> bool:
        with self._lock:
            return self.running is None and not self.queued

    def blocker(self, job: Job) -> Job | None:
        """The job that runs or waits ahead of ``job``, if any."""
        with self._lock:
            if self.running not in (None, job):
                return self.running
            ahead = self.queued[: self.queued.index(job)] if job in self.queued else []
        return ahead[0] if ahead else None

    def _run(self, job: Job, ticket: int) -> None:
        if not self._lane.wait(ticket):
            return
        with self._lock:
            self.queued.remove(job)
            self.running = job
        try:
            self.post(JobStarted(job, self.output.mark))
            self._show_status()
            self._execute(job)
        finally:
            with self._lock:
                self.running = None
            self._lane.done()
            self._show_status()
            self.post(JobEnded(job, self.output.mark))

    def _run_aside(self, job: Job) -> None:
        self.post(JobStarted(job, self.output.mark))
        try:
            self._execute(job)
        finally:
            self.post(JobEnded(job, self.output.mark))

    def _execute(self, job: Job) -> None:
        device = self.device
        try:
            if job.needs_device and (device is None or not self.status.usable):
                raise ConnectionLost(f"not connected to {self.label} ({self.status.state})")
            job.result = job.work(device)
        except BaseException as e:  # noqa: BLE001 - Ctrl-C on the board arrives as KeyboardInterrupt
            job.error = e
            if isinstance(e, ConnectionLost) and self._link_status.usable:
                self._set_link(self._state(LinkPhase.LOST, self.reason(e)))

    # -- connecting ----------------------------------------------------------------------

    def connect(self) -> Job:
        """Open the link (starting the virtual board first when asked for one)."""
        return self.submit("connect", self._open, needs_device=False)

    def reconnect(self) -> Job:
        """Try the link again now: one reconnect with replay, or a first connect that failed."""
        return self.submit("reconnect", self._reopen, needs_device=False)

    def _reopen(self, _device: None) -> None:
        if self.device is None:
            self._open(None)
        else:
            self.device.reconnect(attempts=1)

    def _open(self, _device: None) -> None:
        self._set_link(self._state(LinkPhase.CONNECTING))
        try:
            device = Device(
                self.port,  # "virtual": the device starts the board, and owns it
                attempts=self.attempts,
                password=self._password,
                timeout=self.timeout,
                output=self._on_output,
                events=self.events,
            )
        except BaseException as e:
            self._set_link(self._state(LinkPhase.FAILED, self.reason(e)))
            raise
        self.device = device
        self.link = Link(device).start()
        device.report()  # free memory now, rather than at the first periodic report

    def watch(self, folder: Path, dst: str) -> None:
        """Sync ``folder`` to ``dst`` on every save, from the watch's own thread (its syncs
        take the device's lock, so they and the lane's jobs take turns)."""
        if self.device is None or not self.status.usable:
            raise ConnectionLost(f"not connected to {self.label} ({self.status.state})")
        self.watcher = Watcher(self.device, SyncOptions.make(folder, dst)).start()
        self.log.write("watch", f"on: {folder} -> {dst}")

    def unwatch(self) -> None:
        watcher, self.watcher = self.watcher, None
        if watcher is not None:
            self.log.write("watch", "off")
            # stop() waits for the watch thread: off the UI thread, beside the lane.
            self.submit("stop watch", lambda _d: watcher.stop(), lane=False)

    def link_rate(self) -> int:
        """The link's byte rate (bytes/s), 0 when unknown or unlimited."""
        if self.board is not None:
            return self.board.bps
        try:
            return self.device.transport.bytes_per_second if self.device else 0
        except BelayException:
            return 0

    def reason(self, e: BaseException | str) -> str:
        """Why ``e`` happened, in one line, naming the virtual board rather than its pty."""
        text = e if isinstance(e, str) else last_line(e)
        if self.board is not None:
            text = text.replace(self.board.port, self.label)
        return text

    def _set_link(self, status: LinkState) -> None:
        # Connections are logged with the board's details from the Connected event.
        if status.state != self._link_status.state and not status.usable:
            detail = f" (attempt {status.attempt})" if status.attempt else ""
            self.log.write(status.state, f"{self.label}{detail}: {status.reason}".rstrip(": "))
        self._link_status = status
        self._show_status()

    def _show_status(self) -> None:
        """Tell the app when what it shows would change (not at every sampled tick)."""
        status = self.status
        with self._lock:
            if status == self._shown:
                return
            self._shown = status
        self.post(LinkChanged(status))

    # -- control from the UI thread --------------------------------------------------------

    def interrupt(self) -> bool:
        """Ctrl-C the code the user is running; False when nothing of theirs runs."""
        with self._lock:
            job = self.running
        if job is None or self.device is None:
            return False
        self.device.interrupt()
        return True

    def close(self) -> None:
        """Stop taking work, interrupt what runs, close the link and power off the virtual
        board. Bounded: a board that does not answer cannot hold the app open."""
        self._lane.close()
        self.interrupt()
        device, link, watcher = self.device, self.link, self.watcher
        if watcher is not None:
            watcher.stop()
        if link is not None:
            link.stop()
        if device is not None:
            closer = threading.Thread(target=_quiet_close, args=(device,), daemon=True)
            closer.start()
            closer.join(3.0)
            board = device.virtual_board
            if board is not None:  # closed with the device, unless that took too long
                board.close()
        self.log.write("closed", self.label)

    # -- from the engine's threads ---------------------------------------------------------

    def _on_output(self, text: str) -> None:
        if self.output.append(text):  # one message per burst; the console drains the rest
            self.post(BoardOutput())

    def _on_event(self, event: Event) -> None:
        if isinstance(event, Output):  # output already arrives through _on_output
            return
        if isinstance(event, Connected):
            impl = event.implementation
            version = ".".join(map(str, impl.version))
            self.log.write("connected", f"{self.label}: {impl.name} {version} ({event.count})")
        elif isinstance(event, LinkState):
            reason = self.reason(event.reason)
            self._set_link(self._state(event.state, reason, event.attempt, event.attempts))
        self.post(EngineEvent(event))


def _quiet_close(device: Device) -> None:
    with contextlib.suppress(BelayException, OSError):
        device.close()
