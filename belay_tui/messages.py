"""Messages the engine side (worker threads, event listeners) posts to the app.

All of them go to the app, from the thread that produced them, so Textual delivers them in
the order they happened: a call's output always arrives before the call's end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from engine.events import Event, LinkState

    from .jobs import Job


class BoardOutput(Message):
    """The board printed; the text waits in the session's output buffer."""


class JobStarted(Message):
    """A job started; ``output_mark``: the board output received before it (see
    :class:`~belay_tui.output_buffer.OutputBuffer`), so the console shows it in order."""

    def __init__(self, job: Job, output_mark: int = 0) -> None:
        super().__init__()
        self.job = job
        self.output_mark = output_mark


class JobEnded(JobStarted):
    """A job finished: ``job.result`` or ``job.error`` holds the outcome."""


class LinkChanged(Message):
    def __init__(self, status: LinkState) -> None:
        super().__init__()
        self.status = status


class EngineEvent(Message):
    """An event from the engine's bus (progress, connection, reports, ...)."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class Failure(Message):
    """Something the user asked for failed: the app notifies with the one-line reason
    and writes it to the session log."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__()
        self.what = what
        self.reason = reason
