"""The REPL console pane: the board's REPL, with the comforts of a desktop one.

Code typed here runs on the board through the session (so it queues behind a sync instead
of colliding with it), its prints stream in while it runs, the value of a final expression
is echoed, and a board traceback is highlighted.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from rich.highlighter import ReprHighlighter
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from engine import Completion, ConnectionLost, PyboardException, complete, run_pasted
from engine.events import LinkPhase
from engine.text import last_line

from .history import History
from .jobs import Job
from .paste_screen import PasteScreen
from .repl_input import ReplInput
from .session import Session
from .settings import ConsoleSettings
from .transcript import Transcript

IDLE_HINT = "Enter runs · a blank line ends a block · ↑↓ history · ^c interrupt · ^d reset"
#: Characters of output taken per frame at most (about 3,000 short lines, a millisecond of
#: work): a backlog shows over several frames, and a key typed meanwhile waits for no more
#: than that before its echo is drawn. (64 KB a frame showed a flood sooner, but a key typed
#: as it began waited twice as long, in the median.)
CHUNK = 16 * 1024
#: Seconds after which output asked to be shown after the next refresh is shown anyway: the
#: screen that was to refresh (a dialog) may have closed first, taking the request along.
DRAIN_GUARD = 0.25


def highlighted(code: str, lexer: str) -> Text:
    """``code`` coloured by Pygments' ``lexer`` on the terminal's own background."""
    text = Syntax(code, lexer, theme="ansi_dark").highlight(code)
    text.rstrip()
    return text


def warm_lexers() -> None:
    """Highlight once with each lexer the console uses."""
    highlighted("1", "python")
    highlighted("Traceback (most recent call last):", "pytb")


def echo(code: str, prompt: str = "") -> Text:
    """What was typed, as the transcript shows it: ``>>>`` then ``...`` prompts, or
    ``prompt`` on every line."""
    out = Text()
    for i, line in enumerate(highlighted(code, "python").split("\n", allow_blank=True)):
        if i:
            out.append("\n")
        mark = prompt or (">>> " if i == 0 else "... ")
        out.append(mark, style="bold green" if i == 0 else "green")
        out.append_text(line)
    return out


def completion_columns(names: tuple[str, ...], slot: int = 16, width: int = 64) -> str:
    """Names laid out as MicroPython's REPL prints several completions: in slots of 16
    columns, at least two spaces apart, lines of at most 64 columns."""
    lines: list[str] = []
    line = ""
    for name in names:
        gap = -len(line) % slot
        gap += slot if gap < 2 else 0
        if line and len(line) + gap + len(name) <= width:
            line += " " * gap + name
        else:
            if line:
                lines.append(line)
            line = name
    lines.append(line)
    return "\n".join(lines)


def error_text(error: BaseException, reason: str) -> Text:
    """A failed REPL line: tracebacks highlighted; Ctrl-C and other failures in one line
    (``reason``)."""
    if isinstance(error, KeyboardInterrupt):
        return Text("KeyboardInterrupt", style="bold yellow")
    if isinstance(error, PyboardException):
        return highlighted(str(error).rstrip(), "pytb")
    label = "link lost" if isinstance(error, ConnectionLost) else type(error).__name__
    return Text(f"{label}: {reason}", style="bold red")


class StateLine(Widget):
    """The line saying what the board is doing. It changes at the start and end of every
    REPL line: a repaint, where a ``Static``'s update would lay the whole screen out again."""

    DEFAULT_CSS = "StateLine { height: 1; }"
    text: reactive[str] = reactive("", layout=False)

    def __init__(self, text: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = text

    def render(self) -> str:
        return self.text


class ReplConsole(Vertical):
    """Transcript, a line saying what the board is doing, and the input."""

    def __init__(
        self,
        session: Session,
        settings: ConsoleSettings | None = None,
        history: History | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.settings = settings or ConsoleSettings()
        self.history = history or History()
        #: Called with each piece of board output shown (the plot reads numbers from it).
        self.output_listeners: list[Callable[[str], None]] = []
        self._after: deque[tuple[int, Callable[[], None]]] = deque()  # (output position, work)
        self._drain_asked: float | None = None  # when output last asked to be shown
        self._highlighter = ReprHighlighter()
        # REPL lines submitted and not yet finished: their code and echo prompt.
        self._pending: dict[Job, tuple[str, str]] = {}
        # A watch syncs from its own thread, outside the session's lane: a line entered
        # meanwhile waits for the device, and the state line should say why.
        self.watch_syncing = False

    def compose(self) -> ComposeResult:
        yield Transcript(self.settings.scrollback, id="transcript")
        yield StateLine(IDLE_HINT, id="repl-state")
        with Horizontal(id="repl-entry"):
            yield Static(">>>", id="repl-prompt")
            yield ReplInput(self.history, id="repl-input")

    def on_mount(self) -> None:
        # Pygments builds a lexer's tables on first use (a third of a second): not while
        # the first line typed waits for its echo.
        self.run_worker(warm_lexers, thread=True, group="warm-up")
        self.set_interval(DRAIN_GUARD, self._drain_if_forgotten)

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
        self.run_code(message.code)

    def on_repl_input_paste_mode_wanted(self, message: ReplInput.PasteModeWanted) -> None:
        message.stop()

        def pasted(code: str | None) -> None:
            if code is not None:
                self.input.remember(code.rstrip())
                self.run_code(code, paste=True)

        self.app.push_screen(PasteScreen(), pasted)

    def on_repl_input_search_changed(self, message: ReplInput.SearchChanged) -> None:
        message.stop()
        self.refresh_state()

    def run_code(self, code: str, paste: bool = False) -> None:
        """Run ``code`` on the board; the value of a final expression is shown. ``paste``:
        from the paste box, run as MicroPython's paste mode runs a block (see
        :mod:`engine.paste`), echoed with its ``===`` prompts."""
        if not code.strip():
            self.transcript.end_stream()
            self.transcript.write(Text(">>>", "bold green"))
            return
        self.session.log.write("repl", code)
        if paste:
            job = self.session.submit(
                "REPL",
                lambda device: run_pasted(device, code),
                on_done=lambda _nothing: self.transcript.end_stream(),
                on_error=self._show_error,
            )
        else:
            job = self.session.submit(
                "REPL",
                lambda device: device(code, record=False, deserialize=False),
                on_done=self._show_result,
                on_error=self._show_error,
            )
        self._pending[job] = (code, "=== " if paste else "")
        self.refresh_state()

    # -- completion ----------------------------------------------------------------------

    def on_repl_input_completion_wanted(self, message: ReplInput.CompletionWanted) -> None:
        message.stop()
        line = message.line
        typed = (self.input.text, self.input.cursor_location)
        self.session.submit(
            "complete",
            lambda device: complete(device, line),
            on_done=lambda found: self._complete(found, typed),
            on_error=lambda e: self.note(f"completion: {self.session.reason(e)}", "yellow"),
        )

    def _complete(self, found: Completion, typed: tuple[str, tuple[int, int]]) -> None:
        """Insert what every match shares; several matches and nothing to add: list them."""
        entry = self.input
        if (entry.text, entry.cursor_location) != typed:
            return  # typed on meanwhile: the answer is for a line that is gone
        if not found.names:
            self.app.bell()
        elif len(found.common) > len(found.prefix):
            entry.insert(found.common[len(found.prefix) :])
        elif len(found.names) > 1:
            self.transcript.end_stream()
            self.transcript.write(completion_columns(found.names))

    def job_started(self, job: Job) -> None:
        """Echo a line when it starts to run, so it sits right above its own output."""
        if job in self._pending:
            self.transcript.end_stream()
            self.transcript.write(echo(*self._pending[job]))
        self.refresh_state()

    def _show_result(self, result: str) -> None:
        self.transcript.end_stream()
        if result != "None":  # Python's REPL does not echo None either
            self.transcript.write(self._highlighter(Text(result)))

    def _show_error(self, error: BaseException) -> None:
        self.transcript.end_stream()
        self.transcript.write(error_text(error, self.session.reason(error)))
        if not isinstance(error, KeyboardInterrupt):
            self.session.log.write("repl error", last_line(error))

    def job_ended(self, job: Job) -> None:
        self._pending.pop(job, None)
        self.refresh_state()

    # -- board output and notes ----------------------------------------------------------

    def output_arrived(self) -> None:
        """The board printed: show it right after the next frame is drawn (at once when
        nothing waits to be drawn). Taking output between frames, rather than on a timer of
        its own, keeps that work from delaying a frame, and with it the echo of a key."""
        if self._drain_asked is None:
            self._drain_asked = time.monotonic()
            self.call_after_refresh(self._drain)

    def _drain_if_forgotten(self) -> None:
        asked = self._drain_asked
        if asked is not None and time.monotonic() - asked > DRAIN_GUARD:
            self._drain()

    def after_output(self, mark: int, work: Callable[[], None]) -> None:
        """Run ``work`` once the output before position ``mark`` is shown: a line's echo and
        its result stay in order with its prints, however far behind the screen is."""
        if mark <= self.session.output.taken and not self._after:
            work()
        else:
            self._after.append((mark, work))
            self.output_arrived()

    def _drain(self) -> None:
        """Show one frame's worth of output, and what waited for it; again after the next
        frame while more waits."""
        self._drain_asked = None
        buffer = self.session.output
        limit = CHUNK
        if self._after:
            limit = min(limit, self._after[0][0] - buffer.taken)
        text = buffer.take(limit)
        if text:
            self.transcript.stream(text)
            if self.settings.log_output:
                self.session.log.write("output", text)
            for listener in self.output_listeners:
                listener(text)
        while self._after and self._after[0][0] <= buffer.taken:
            self._after.popleft()[1]()
        if buffer.mark > buffer.taken or self._after:
            self.output_arrived()

    def follow(self, session: Session) -> None:
        """Show ``session``'s board from now on: what waited for the old board's output
        runs now, and what the new board printed while it was not shown comes next."""
        waiting, self._after = self._after, []
        for _mark, work in waiting:
            work()
        self.session = session
        self.note(f"now on {session.label}")
        self.output_arrived()

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
        state = self.query_one(StateLine)
        status = self.session.status
        waiting = [j for j in self._pending if self.session.blocker(j)]
        running = self.session.running
        search = self.input.search
        if search is not None:
            failing = "failing " if self.input.search_failed else ""
            text = f"{failing}reverse-i-search `{search}' · ^r older · enter takes it · esc cancels"
            cls = "-search"
        elif not status.usable and status.state not in (
            LinkPhase.CONNECTING,
            LinkPhase.RECONNECTING,
        ):
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
        state.text = text
        if set(state.classes) != set(cls.split()):
            state.set_classes(cls)
