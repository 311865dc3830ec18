"""The full-screen session: ``belay-tui [PORT] [--project DIR] [--password PW]``.

The app composes the panes, owns the :class:`~belay_tui.session.Session`, and routes what
comes back from the engine (job outcomes, board output, engine events, link changes) to the
pane it concerns. Panes ask for engine work through the session; none talks to the board.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable, Iterable
from functools import wraps
from pathlib import Path

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane

from engine import BelayException
from engine.events import (
    Connected,
    DependencyStatus,
    DeviceReport,
    Event,
    LinkPhase,
    LinkState,
    Progress,
    Synced,
    SyncFailed,
    WatchStatus,
)

from .actions import ACTIONS, bindings
from .add_dependency_screen import AddDependencyScreen
from .boards_screen import BoardsScreen
from .deps_pane import DepsPane
from .files_pane import FilesPane
from .help_screen import HelpScreen
from .history import History
from .jobs import Job
from .messages import BoardOutput, EngineEvent, Failure, JobEnded, JobStarted, LinkChanged
from .plot_pane import PlotPane
from .repl_console import ReplConsole
from .session import VIRTUAL_LABEL, Session
from .session_log import SessionLog
from .settings import VIRTUAL, choose_port, console_settings
from .status_bar import StatusBar, outage_text
from .sync_pane import SyncPane

HERE = Path(__file__).parent

#: ``sys.implementation.name`` as people write it.
PRETTY_NAMES = {"micropython": "MicroPython", "circuitpython": "CircuitPython"}
#: The console's note when the board comes back without its state.
RESTARTED = "MPY: soft reboot (the board restarted: names defined at this prompt are gone)"


def while_running(handler: Callable[[BelayApp, Message], None]) -> Callable:
    """Engine and pane messages still arrive while the app shuts down, after the panes are
    gone; they are of no use then."""

    @wraps(handler)
    def guarded(self: BelayApp, message: Message) -> None:
        if self.is_running:
            handler(self, message)

    return guarded


class ProjectError(BelayException):
    """The project folder given with ``--project`` is not a folder."""


class BelayApp(App[int]):
    """The session: REPL console, sync, dependencies and a status bar over one board."""

    TITLE = "belay-tui"
    CSS_PATH = [
        HERE / "app.tcss",
        HERE / "repl_console.tcss",
        HERE / "status_bar.tcss",
        HERE / "sync_pane.tcss",
        HERE / "deps_pane.tcss",
        HERE / "files_pane.tcss",
        HERE / "help_screen.tcss",
        HERE / "boards_screen.tcss",
        HERE / "paste_screen.tcss",
        HERE / "plot_pane.tcss",
    ]
    BINDINGS = [*bindings(None), Binding("q", "quit", "Quit", show=False)]
    AUTO_FOCUS = "#repl-input"
    #: Seconds between looks at the virtual board's pins.
    PINS_EVERY = 0.5

    def __init__(
        self,
        port: str,
        project: Path,
        password: str | None = None,
        attempts: int = -1,
        *,
        more_ports: Iterable[str] = (),
        timeout: float = 5.0,
        own_process: bool = False,
    ) -> None:
        """``attempts`` and ``timeout`` (seconds to wait for a protocol reply) are the
        :class:`~engine.Device`'s. ``own_process``: the app is all its process runs (the
        ``belay-tui`` command), so it may tune the process's garbage collector (see
        :meth:`on_ready`)."""
        super().__init__()
        self._own_process = own_process
        self.project = project
        self.console_settings = console_settings(project)
        self.history = History.for_project(project)
        self.session_log = SessionLog.for_project(project, password)
        self._password = password
        self._attempts = attempts
        self._timeout = timeout
        ports = [port, *more_ports]
        labels = board_labels(ports)
        #: Every board of the session, in the order given; ``session`` is the one shown.
        self.sessions = [
            Session(
                self,
                p,
                password=password,
                log=self.session_log,
                attempts=attempts,
                label=label,
                timeout=timeout,
            )
            for p, label in zip(ports, labels, strict=True)
        ]
        self.session = self.sessions[0]

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with TabbedContent(initial="repl", id="panes"):
            with TabPane("REPL f2", id="repl"):
                yield ReplConsole(self.session, self.console_settings, self.history, id="console")
            with TabPane("Sync f3", id="sync"):
                yield SyncPane(self.session, self.project, id="sync-pane")
            with TabPane("Dependencies f4", id="deps"):
                yield DepsPane(self.session, self.project, id="deps-pane")
            with TabPane("Files f5", id="files"):
                yield FilesPane(self.session, self.project, id="files-pane")
            with TabPane("Plot f7", id="plot"):
                yield PlotPane(id="plot-pane")
        yield StatusBar(self._status_label(), id="status")
        yield Footer(compact=True)

    @property
    def repl(self) -> ReplConsole:
        return self.query_one(ReplConsole)

    @property
    def sync_pane(self) -> SyncPane:
        return self.query_one(SyncPane)

    @property
    def deps_pane(self) -> DepsPane:
        return self.query_one(DepsPane)

    @property
    def plot_pane(self) -> PlotPane:
        return self.query_one(PlotPane)

    @property
    def files_pane(self) -> FilesPane:
        return self.query_one(FilesPane)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    def on_mount(self) -> None:
        log = self.session_log
        boards = ", ".join(s.label for s in self.sessions)
        log.write("start", f"{boards} · project {self.project}")
        if log.error:
            self.notify(log.error, title="session log", severity="warning")
        if self.history.problem:
            self.notify(self.history.problem, title="history", severity="warning")
        self.repl.output_listeners.append(self.plot_pane.feed)
        for session in self.sessions:
            session.connect()
        self.set_interval(self.PINS_EVERY, self._read_pins)
        self.deps_pane.reload()

    def on_ready(self) -> None:
        """Once the screen is up, the objects made so far (modules, widgets: most of the
        heap) stay for the whole session. Frozen, the collector no longer walks them: a full
        collection during a flood of output took 40 to 80 ms, a frame's input echo held up
        that long; it now walks only what was made since. (Not when the app shares its
        process, as in tests: what a finished app leaves in cycles would never be freed.)"""
        if self._own_process:
            gc.freeze()

    def on_unmount(self) -> None:
        for session in self.sessions:
            session.close()
        self.session_log.close()

    # -- several boards ------------------------------------------------------------------

    def _status_label(self) -> str:
        """The chosen board's name, and which of how many when there are several."""
        session = self.session
        if len(self.sessions) == 1:
            return session.label
        return f"{session.label} ({self.sessions.index(session) + 1} of {len(self.sessions)})"

    def add_board(self, port: str) -> Session:
        """Open one more board in the session (it connects in the background)."""
        labels = board_labels([s.port for s in self.sessions] + [port])
        session = Session(
            self,
            port,
            password=self._password,
            log=self.session_log,
            attempts=self._attempts,
            label=labels[-1],
            timeout=self._timeout,
        )
        self.sessions.append(session)
        self.session_log.write("board", f"added {session.label}")
        session.connect()
        self.status_bar.port_label = self._status_label()
        self._board_news(session)
        return session

    def switch_board(self, session: Session) -> None:
        """Make ``session`` the board the REPL, the panes and the status bar show."""
        if session is self.session:
            return
        self.session = session
        for pane in (self.sync_pane, self.deps_pane, self.files_pane):
            pane.session = session
        self.repl.follow(session)
        self.session_log.write("board", f"switched to {session.label}")
        self.status_bar.status = session.status
        self.status_bar.pins = session.board.pins if session.board is not None else {}
        self._show_facts()
        self.repl.refresh_state()
        self.sync_pane.dry_run()
        self.deps_pane.reload()
        self.files_pane.refresh_tree()
        self.refresh_bindings()

    def _show_facts(self) -> None:
        """The status bar shows the chosen board's own facts (its link state comes with
        ``LinkChanged``)."""
        session, bar = self.session, self.status_bar
        bar.port_label = self._status_label()
        bar.board = session.board_text
        bar.connects = session.connects
        bar.mem_free = session.mem_free
        bar.last_sync = session.last_sync
        bar.last_outage = session.last_outage

    def _board_news(self, session: Session) -> None:
        """A board's state or facts changed: the Boards list, if open, shows it."""
        if isinstance(self.screen, BoardsScreen):
            self.screen.refresh_rows()

    # -- what comes back from the engine --------------------------------------------------

    @while_running
    def on_board_output(self, message: BoardOutput) -> None:
        if message.session is self.session:  # the others' wait until they are shown
            self.repl.output_arrived()

    @while_running
    def on_job_started(self, message: JobStarted) -> None:
        if message.session is self.session:
            self.repl.after_output(message.output_mark, lambda: self.repl.job_started(message.job))

    @while_running
    def on_job_ended(self, message: JobEnded) -> None:
        if message.session is not self.session:  # its output waits until it is shown
            self._job_ended(message.job, message.session)
            return
        # Prints come before the call's outcome, however far behind the screen is.
        self.repl.after_output(
            message.output_mark, lambda: self._job_ended(message.job, message.session)
        )

    def _job_ended(self, job: Job, session: Session) -> None:
        if not self.is_running:
            return
        if job.error is not None:
            if job.on_error is not None:
                job.on_error(job.error)
            elif not isinstance(job.error, KeyboardInterrupt):
                self.report(f"{job.label}: {session.reason(job.error)}")
        elif job.on_done is not None:
            job.on_done(job.result)
        self.repl.job_ended(job)  # a line typed before a switch is done too

    @while_running
    def on_link_changed(self, message: LinkChanged) -> None:
        status, session = message.status, message.session
        self._board_news(session)
        if session is not self.session:
            if status.state in (LinkPhase.LOST, LinkPhase.FAILED):
                self.notify(
                    status.reason or status.state,
                    title=f"{session.label}: link {status.state}",
                    severity="error",
                )
            return
        before = self.status_bar.status
        was_usable = before.usable
        self.status_bar.status = status
        if status.usable and not was_usable:
            self.sync_pane.dry_run()  # (re)connected: compare the folder with this board
        self.repl.refresh_state()
        if status.state in (LinkPhase.LOST, LinkPhase.FAILED):
            self.notify(
                status.reason or status.state, title=f"link {status.state}", severity="error"
            )
        if (status.usable, status.state.down) != (was_usable, before.state.down):
            # The keys allowed depend on these alone (see check_action). Busy and connected
            # allow the same keys, and so do the first "connecting" and the start-up state:
            # each redraw of the Footer lays the screen out twice, costing frames while
            # output floods in or keys wait to be echoed.
            self.refresh_bindings()

    @while_running
    def on_engine_event(self, message: EngineEvent) -> None:
        event, session = message.event, message.session
        if self._note_fact(session, event):
            self._board_news(session)
            if session is self.session:
                self._show_facts()
        if isinstance(event, Progress):
            self.sync_pane.show_board_progress(session, event)
        if session is not self.session:
            return
        if isinstance(event, Progress):
            self.sync_pane.show_progress(event)
            self.deps_pane.show_progress(event)
            self.files_pane.show_progress(event)
        elif isinstance(event, Synced):
            self.sync_pane.show_synced(event)
            if self.query_one(TabbedContent).active == "files":
                self.files_pane.refresh_tree()
        elif isinstance(event, WatchStatus):
            self.sync_pane.show_watch_status(event)
            self.repl.watch_syncing = event.state == "syncing"
            self.repl.refresh_state()
        elif isinstance(event, SyncFailed):
            self.report(f"watch: {self.session.reason(event.message)}")
        elif isinstance(event, DependencyStatus):
            self.deps_pane.show_dependency_status(event)
        elif isinstance(event, Connected) and event.count > 1 and not event.kept:
            # As MicroPython's own REPL says after a reset (Ctrl-D, machine.soft_reset(), a
            # power cut): what was typed at this prompt is gone; recorded code is replayed.
            self.repl.note(RESTARTED)

    @staticmethod
    def _note_fact(session: Session, event: Event) -> bool:
        """Keep what the status bar shows of a board with its session; True if it changed."""
        if isinstance(event, Connected):
            impl = event.implementation
            version = ".".join(map(str, impl.version))
            name = PRETTY_NAMES.get(impl.name, impl.name)
            session.board_text = f"{name} {version} · {impl.platform} {impl.arch or ''}".strip()
        elif isinstance(event, LinkState):
            session.connects = event.connects
            if event.outage is not None:
                session.last_outage = outage_text(event)
        elif isinstance(event, DeviceReport):
            session.mem_free = event.mem_free
        elif isinstance(event, Synced):
            when = time.strftime("%H:%M:%S", time.localtime(event.at))
            session.last_sync = f"{when} ({len(event.written)} written)"
        else:
            return False
        return True

    @while_running
    def on_tabbed_content_tab_activated(self, message: TabbedContent.TabActivated) -> None:
        # Files may have changed since the last look.
        if message.pane.id == "sync":
            self.sync_pane.dry_run()
        elif message.pane.id == "deps":
            self.deps_pane.reload()
        elif message.pane.id == "files":
            self.files_pane.refresh_tree()
            self.sync_pane.dry_run()  # the marks follow the plan

    @while_running
    def on_sync_pane_planned(self, message: SyncPane.Planned) -> None:
        self.files_pane.set_plan(message.plan)

    @while_running
    def on_sync_pane_watch_changed(self, message: SyncPane.WatchChanged) -> None:
        self.status_bar.watching = message.on

    @while_running
    def on_failure(self, message: Failure) -> None:
        self.report(f"{message.what}: {message.reason}")

    def report(self, reason: str, title: str = "error") -> None:
        """An error for the user: a notification with the one-line reason, and the log."""
        self.notify(reason, title=title, severity="error")
        self.session.log.write("error", reason)

    # -- the virtual board's pins ----------------------------------------------------------

    def _read_pins(self) -> None:
        board = self.session.board  # the chosen board's
        if self.is_running and board is not None and board.plugged:
            pins = board.pins
            if pins != self.status_bar.pins:
                self.status_bar.pins = pins

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        state = self.session.status.state
        if action in ("unplug", "replug", "power_cut"):
            board = self.session.board
            if board is None:
                return False
            return board.plugged if action != "replug" else not board.plugged
        if action == "sync_all":
            return len(self.sessions) > 1
        if action == "reconnect":
            return state.down
        if action == "soft_reset":
            return True if state.usable else None
        return True

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for action in ACTIONS:
            name = action.name.split("(")[0]
            if self.check_action(name, ()) is not False:
                yield SystemCommand(
                    action.title, action.help, lambda a=action.name: self.run_action(a)
                )
        yield from (c for c in super().get_system_commands(screen) if c.title != "Quit")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_show_pane(self, pane: str) -> None:
        self.query_one(TabbedContent).active = pane
        focus = {
            "repl": "#repl-input",
            "sync": "#sync-tree",
            "deps": "#deps-table",
            "plot": "#plot-chart",
            "files": "#files-tree",
        }[pane]
        # After the switch has been laid out: a widget in a hidden pane cannot take focus.
        self.call_after_refresh(self.query_one(focus).focus)

    def action_sync_now(self) -> None:
        self.sync_pane.sync_now()

    def action_sync_all(self) -> None:
        self.action_show_pane("sync")
        self.sync_pane.sync_all(self.sessions)

    def action_boards(self) -> None:
        if not isinstance(self.screen, BoardsScreen):
            self.push_screen(BoardsScreen(), self._chosen)

    def _chosen(self, session: Session | None) -> None:
        if session is not None:
            self.switch_board(session)

    def action_dry_run(self) -> None:
        self.sync_pane.dry_run()

    def action_toggle_watch(self) -> None:
        self.sync_pane.toggle_watch()

    def action_update_selected(self) -> None:
        self.deps_pane.update_selected()

    def action_update_all(self) -> None:
        self.deps_pane.update_all()

    def action_clean(self) -> None:
        self.deps_pane.clean()

    def action_install(self) -> None:
        self.deps_pane.install()

    def action_add_dependency(self) -> None:
        def added(answer: tuple[str, str, str] | None) -> None:
            if answer is not None:
                self.deps_pane.add(*answer)

        self.push_screen(AddDependencyScreen(), added)

    def action_plot_pause(self) -> None:
        self.plot_pane.toggle_pause()

    def action_plot_clear(self) -> None:
        self.plot_pane.clear()

    def action_plot_window(self) -> None:
        self.plot_pane.next_window()

    def action_files_open(self) -> None:
        self.files_pane.open_selected()

    def action_files_edit(self) -> None:
        self.files_pane.edit_selected()

    def action_files_save(self) -> None:
        self.files_pane.save()

    def action_files_download(self) -> None:
        self.files_pane.download_selected()

    def action_files_upload(self) -> None:
        self.files_pane.upload()

    def action_files_delete(self) -> None:
        self.files_pane.delete_selected()

    def action_files_mkdir(self) -> None:
        self.files_pane.new_folder()

    def action_files_rename(self) -> None:
        self.files_pane.rename_selected()

    def action_files_refresh(self) -> None:
        self.files_pane.refresh_tree()

    def action_files_close(self) -> None:
        self.files_pane.close_view()

    def action_interrupt(self) -> None:
        if not self.session.interrupt() and self.query_one(TabbedContent).active == "repl":
            self.repl.cancel_input()

    def action_soft_reset(self) -> None:
        self.session.log.write("soft reset", self.session.label)
        self.session.submit(
            "soft reset",
            lambda device: device.soft_reset(),  # the Connected event that ends it says so
        )

    def action_clear_console(self) -> None:
        self.repl.clear()

    def action_reconnect(self) -> None:
        self.session.log.write("reconnect", self.session.label)
        self.session.reconnect()

    def action_unplug(self) -> None:
        self._virtual_board_event("unplug", "the virtual board's cable is out")

    def action_replug(self) -> None:
        self._virtual_board_event("replug", "the virtual board is plugged in again")

    def action_power_cut(self) -> None:
        self._virtual_board_event("power_cut", "the virtual board lost power and rebooted")

    def _virtual_board_event(self, what: str, note: str) -> None:
        board = self.session.board
        if board is None:
            return
        getattr(board, what)()
        self.session.log.write("virtual", what)
        self.repl.note(note)
        self.refresh_bindings()


def board_labels(ports: list[str]) -> list[str]:
    """How the app names each board: its port, and the virtual boards numbered when there
    are several."""
    virtual = [p for p in ports if p == VIRTUAL]
    labels, n = [], 0
    for port in ports:
        if port != VIRTUAL:
            labels.append(port)
            continue
        n += 1
        labels.append(VIRTUAL_LABEL if len(virtual) == 1 else f"{VIRTUAL_LABEL} {n}")
    return labels


def run_app(args: argparse.Namespace) -> int:
    """Entry point from ``belay-tui`` with no subcommand."""
    project = Path(args.project).expanduser().resolve()
    if not project.is_dir():
        raise ProjectError(f"project folder {args.project} does not exist")
    ports = [args.port] if args.port or not args.ports else []
    ports += args.ports
    first = choose_port(ports[0] if ports else None, project).port
    app = BelayApp(
        first, project, args.password, args.attempts, more_ports=ports[1:], own_process=True
    )
    app.run()
    return app.return_code or 0
