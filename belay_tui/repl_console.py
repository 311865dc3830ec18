"""The REPL console pane: the board's REPL, with the comforts of a desktop one.

Code typed here runs on the board through the session (so it queues behind a sync instead
of colliding with it), its prints stream in while it runs, the value of a final expression
is echoed, and a board traceback is highlighted.
"""

from __future__ import annotations

from rich.highlighter import ReprHighlighter
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from engine import ConnectionLost, PyboardException
from engine.events import LinkPhase

from .jobs import Job
from .repl_input import ReplInput
from .session import Session
from .transcript import Transcript

IDLE_HINT = "Enter runs · a blank line ends a block · ↑↓ history · ^c interrupt · ^d reset"


def highlighted(code: str, lexer: str) -> Text:
    """``code`` coloured by Pygments' ``lexer`` on the terminal's own background."""
    text = Syntax(code, lexer, theme="ansi_dark").highlight(code)
    text.rstrip()
    return text


def echo(code: str) -> Text:
    """What was typed, as the transcript shows it: ``>>>`` then ``...`` prompts."""
    out = Text()
    for i, line in enumerate(highlighted(code, "python").split("\n", allow_blank=True)):
        if i:
            out.append("\n")
        out.append(">>> " if i == 0 else "... ", style="bold green" if i == 0 else "green")
        out.append_text(line)
    return out


def error_text(error: BaseException, reason: str) -> Text:
    """A failed REPL line: tracebacks highlighted; Ctrl-C and other failures in one line
    (``reason``)."""
    if isinstance(error, KeyboardInterrupt):
        return Text("KeyboardInterrupt", style="bold yellow")
    if isinstance(error, PyboardException):
        return highlighted(str(error).rstrip(), "pytb")
    label = "link lost" if isinstance(error, ConnectionLost) else type(error).__name__
    return Text(f"{label}: {reason}", style="bold red")


class ReplConsole(Vertical):
    """Transcript, a line saying what the board is doing, and the input."""

    def __init__(self, session: Session, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session
        self._highlighter = ReprHighlighter()
        self._pending: dict[Job, str] = {}  # REPL lines submitted and not yet finished
        # A watch syncs from its own thread, outside the session's lane: a line entered
        # meanwhile waits for the device, and the state line should say why.
        self.watch_syncing = False

    def compose(self) -> ComposeResult:
        yield Transcript(id="transcript")
        yield Static(IDLE_HINT, id="repl-state")
        with Horizontal(id="repl-entry"):
            yield Static(">>>", id="repl-prompt")
            yield ReplInput(id="repl-input")

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def pending(self) -> int:
        """REPL lines submitted that have not finished."""
        return len(self._pending)

    @property
    def input(self) -> ReplInput:
        return self.query_one(ReplInput)

    # -- running code --------------------------------------------------------------------

    def on_repl_input_submitted(self, message: ReplInput.Submitted) -> None:
        message.stop()
        code = message.code
        if not code.strip():
            self.transcript.end_stream()
            self.transcript.write(Text(">>>", "bold green"))
            return
        self.session.log.write("repl", code)
        job = self.session.submit(
            "REPL",
            lambda device: device(code, record=False, deserialize=False),
            on_done=self._show_result,
            on_error=self._show_error,
        )
        self._pending[job] = code
        self.refresh_state()

    def job_started(self, job: Job) -> None:
        """Echo a line when it starts to run, so it sits right above its own output."""
        if job in self._pending:
            self.transcript.end_stream()
            self.transcript.write(echo(self._pending[job]))
        self.refresh_state()

    def _show_result(self, result: str) -> None:
        self.transcript.end_stream()
        if result != "None":  # Python's REPL does not echo None either
            self.transcript.write(self._highlighter(Text(result)))

    def _show_error(self, error: BaseException) -> None:
        self.transcript.end_stream()
        self.transcript.write(error_text(error, self.session.reason(error)))
        if not isinstance(error, KeyboardInterrupt):
            self.session.log.write("repl error", str(error).strip().splitlines()[-1])

    def job_ended(self, job: Job) -> None:
        self._pending.pop(job, None)
        self.refresh_state()

    # -- board output and notes ----------------------------------------------------------

    def stream(self, text: str) -> None:
        self.transcript.stream(text)

    def note(self, text: str, style: str = "dim") -> None:
        """A line from the app rather than the board (a soft reboot, a reconnect)."""
        self.transcript.end_stream()
        self.transcript.write(Text(text, style=style))

    def cancel_input(self) -> None:
        """Ctrl-C with nothing running: drop the line being typed, as Python's REPL does."""
        self.note("KeyboardInterrupt", "yellow")
        self.input.clear()

    def clear(self) -> None:
        self.transcript.clear()

    # -- what the board is doing ---------------------------------------------------------

    def refresh_state(self) -> None:
        """Say whether typed code runs now, runs, or waits (and for what)."""
        state = self.query_one("#repl-state", Static)
        status = self.session.status
        waiting = [j for j in self._pending if self.session.blocker(j)]
        running = self.session.running
        if not status.usable and status.state not in (LinkPhase.CONNECTING, LinkPhase.RECONNECTING):
            text, cls = f"not connected ({status.state}) · ^r reconnects", "-lost"
        elif waiting:
            blocker = self.session.blocker(waiting[0])
            label = blocker.label if blocker else "work"
            lines = f"{len(waiting)} line{'s' if len(waiting) > 1 else ''}"
            text, cls = f"input waits: the board is busy with {label} · {lines} queued", "-waiting"
        elif running is not None and running in self._pending and self.watch_syncing:
            text, cls = "input waits: the board is busy with a watch sync", "-waiting"
        elif running is not None and running in self._pending:
            text, cls = "running… ^c interrupts · ^d soft-resets after it", "-running"
        elif status.state in (LinkPhase.CONNECTING, LinkPhase.RECONNECTING):
            text, cls = f"{status.state}… input runs once the board is ready", "-waiting"
        else:
            text, cls = IDLE_HINT, ""
        state.update(text)
        state.set_classes(cls)
