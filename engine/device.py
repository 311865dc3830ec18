"""``Device``: Belay's API over our protocol.

Code written for ``import belay`` runs with ``import engine as belay``: ``device("code")``,
``@device.task``, ``@device.thread``, generator tasks, ``setup``/``teardown``, the subclass
form, and a task registered on several devices returning a list.

The link itself is the device's :class:`~engine.connection.Connection`; this module keeps
Belay's meaning: the history replayed after a reconnect, when to reconnect (the recovery
policy), and what a reply's value is. Features use ``device.connection``,
:meth:`Device.call`, :meth:`Device.recover` and :meth:`Device.record` (docs/architecture.md).
"""

from __future__ import annotations

import ast
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TextIO

from . import codec
from ._boardcode import implementation_probe, prelude
from ._files import FileMethods
from ._output import write_stdout
from ._reply import BoardObject, Reply, ReplyKind, Stuck
from ._secret import Secret
from ._source import rewrite_traceback
from ._tasks import STOPPED, GeneratorHandle, KindDescriptor, TaskTable
from .connection import Connection
from .emulator import VirtualBoard
from .events import (
    Connected,
    DeviceReport,
    EventBus,
    Output,
    ReconnectFailed,
    Reconnecting,
    Restoring,
)
from .exceptions import (
    BelayException,
    ConnectionLost,
    DeviceTimeoutError,
    InternalError,
    MaxHistoryLengthError,
    PyboardException,
    SyncError,
)
from .minify import minify_checked
from .text import last_line
from .transport import Transport
from .transport._ports import list_ports, pick_board

RETRY_INTERVAL = 1.0  # seconds between reconnect attempts (Belay's)
SOFT_RESET_RETRIES = 10  # reconnect tries after a soft reset that closes the link

_ARCHS = [
    None,
    "x86",
    "x64",
    "armv6",
    "armv6m",
    "armv7m",
    "armv7em",
    "armv7emsp",
    "armv7emdp",
    "xtensa",
    "xtensawin",
    "rv32imc",
    "rv64imc",
]


@dataclass(frozen=True)
class Implementation:
    """What the board runs. ``version`` is (major, minor, patch); ``mpy_version`` is the
    .mpy format it loads (0 when it cannot load .mpy files)."""

    name: str
    version: tuple[int, int, int]
    platform: str
    arch: str | None
    emitters: tuple[str, ...]
    mpy_version: int = 0
    mpy_sub: int = 0


class HistoryEntry(Protocol):
    """What :meth:`Device.record` keeps: something that can do itself again on a fresh
    board after a reconnect. ``kind`` names it ("cmd", "def", "thread", "sync")."""

    @property
    def kind(self) -> str: ...

    def replay(self, device: Device) -> None: ...


@dataclass(frozen=True)
class Command:
    """History: code run with ``device("...")``."""

    kind: ClassVar[str] = "cmd"
    code: str

    def replay(self, device: Device) -> None:
        device(self.code, record=False)


class Device(FileMethods):
    """A MicroPython board. ``port``: a serial path or ``COMn``, ``usb:VID:PID[:SERIAL]``,
    ``ws://host[:port]`` (WebREPL), or ``virtual`` (start a virtual board).

    ``attempts``: reconnect tries, 1 s apart, when the link is lost (0: raise
    ``ConnectionLost``; negative: forever); see docs/connections.md. ``startup``: code run
    after connecting, instead of the convenience imports when given. ``timeout``: seconds to
    wait for protocol replies. ``call_timeout``: seconds a call may run before it is
    interrupted (None: tasks may run as long as they like).
    """

    MAX_CMD_HISTORY_LEN = 1000

    task = KindDescriptor("task")
    thread = KindDescriptor("thread")
    setup = KindDescriptor("setup")
    teardown = KindDescriptor("teardown")

    def __init__(
        self,
        port: str | None = None,
        *,
        attempts: int = 0,
        startup: str | None = None,
        password: str | None = None,
        baudrate: int = 115200,
        timeout: float = 5.0,
        call_timeout: float | None = None,
        output: Callable[[str], None] | None = None,
        events: EventBus | None = None,
    ) -> None:
        self.events = events or EventBus()
        self.attempts = attempts
        self.call_timeout = call_timeout
        self.tasks = TaskTable(self)
        self._startup = startup
        self._sink = output
        self._history: list[HistoryEntry] = []
        self._proxy_garbage: list[int] = []  # board proxy slots to free at the next exchange
        self.connect_count = 0
        self.implementation: Implementation | None = None
        self._connecting = True  # no reconnect from inside a connect or a restore
        self._board: VirtualBoard | None = None
        self.connection = Connection(
            self._resolve_port(port),
            events=self.events,
            output=self._output_sink,
            baudrate=baudrate,
            password=Secret.wrap(
                password if password is not None else os.environ.get("BELAY_PASSWORD")
            ),
            timeout=timeout,
        )
        self._connect()
        self._connecting = False
        self.events.publish(Connected(self.port, self.implementation, self.connect_count))
        self.tasks.attach_class_functions()

    def __repr__(self) -> str:
        state = "open" if self.connected else "closed"
        return f"<{type(self).__name__} {self.port} {state}>"

    # -- connection ----------------------------------------------------------------------

    def _resolve_port(self, port: str | None) -> str:
        port = port or os.environ.get("BELAY_DEVICE")
        if port == "virtual":
            self._board = VirtualBoard().start()
            return self._board.port
        if port and port != "auto":
            return port
        return pick_board(list_ports()).device

    @property
    def port(self) -> str:
        return self.connection.port

    @property
    def virtual_board(self) -> VirtualBoard | None:
        """The :class:`VirtualBoard` this device started (``port="virtual"``), else None."""
        return self._board

    @property
    def transport(self) -> Transport:
        return self.connection.transport

    @property
    def path(self) -> str:
        """Where the board was last found: differs from ``port`` for a ``usb:`` spec and for
        a board that came back under another name."""
        return self.connection.path

    @property
    def connected(self) -> bool:
        """True while the link is up (False once lost, until a reconnect restores it)."""
        return self.connection.connected

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self.connection.closed

    @property
    def busy(self) -> tuple[str, float] | None:
        """(what, seconds) of the exchange running now, or None when the link is idle."""
        return self.connection.busy

    @property
    def last_ok(self) -> float | None:
        """Wall-clock time of the last good exchange."""
        return self.connection.last_ok

    @property
    def history(self) -> tuple[HistoryEntry, ...]:
        """What a reconnect replays, oldest first."""
        return tuple(self._history)

    def _connect(self) -> None:
        """Open the link, install the runtime and learn the implementation."""
        self.connection.open()
        self._proxy_garbage.clear()
        try:
            self._install_runtime()
            name, version, platform, mpy, emitters = self.call(
                implementation_probe().encode(), "the implementation probe"
            )
        except BaseException:
            self.connection.close()
            raise
        arch_index = (mpy >> 10) & 0xF
        self.implementation = Implementation(
            name=name,
            version=tuple(version),
            platform=platform,
            arch=_ARCHS[arch_index] if arch_index < len(_ARCHS) else None,
            emitters=tuple(emitters),
            mpy_version=mpy & 0xFF,
            mpy_sub=(mpy >> 8) & 3,
        )
        self.connect_count += 1
        self.connection.last_ok = time.time()

    def reconnect(
        self, attempts: int | None = None, *, cancel: threading.Event | None = None
    ) -> None:
        """Open the link again and restore the board: the runtime, then the history replayed
        (see docs/connections.md).

        ``attempts``: tries 1 s apart, negative for no limit; None takes the device's
        ``attempts``, or 1 when that is 0 (Belay's rule). A try starts early when the port
        reappears. ``cancel``: setting this event stops the tries (a UI's cancel button).
        Raises :class:`ConnectionLost` when no try works.
        """
        if attempts is None:
            attempts = self.attempts or 1
        if attempts == 0:
            raise ValueError("reconnect(attempts=0) would not try; give N > 0, or < 0 for no limit")
        link = self.connection
        with link.lock:
            if link.closed:
                raise ConnectionLost(f"{self.port} is closed")
            link.drop("reconnect requested")
            reason, n, started, was_there = link.lost_reason, 0, 0.0, False
            stopped = cancel.is_set if cancel is not None else lambda: False
            while attempts < 0 or n < attempts:
                if n:
                    self._await_port(started + RETRY_INTERVAL, stopped, was_there)
                if link.closed:
                    raise ConnectionLost(f"{self.port} was closed while reconnecting")
                if stopped():
                    reason = f"reconnecting was cancelled; last: {reason}"
                    break
                n += 1
                started, was_there = time.monotonic(), link.port_present()
                self.events.publish(Reconnecting(self.port, n, attempts, reason))
                self._connecting = True
                try:
                    self._connect()
                    self._restore()
                    return
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
                finally:
                    self._connecting = False
            self.events.publish(ReconnectFailed(self.port, reason))
            tries = f"{n} attempt{'s' if n != 1 else ''}"
            raise ConnectionLost(f"could not reconnect to {self.port} ({tries}): {reason}")

    def ensure_connected(self, cancel: threading.Event | None = None) -> None:
        """Reconnect, with the device's ``attempts``, unless the link is up: what a
        supervisor does after a loss, which a call may have repaired meanwhile."""
        with self.connection.lock:
            if not (self.connection.connected or self.connection.closed):
                self.reconnect(cancel=cancel)

    def _await_port(self, until: float, stopped: Callable[[], bool], was_there: bool) -> None:
        """Wait until ``until``, or less if the port, absent at the last try (``was_there``
        False), is back (or close(), or ``stopped()``)."""
        link = self.connection
        while not (link.closed or stopped()) and (left := until - time.monotonic()) > 0:
            there = link.port_present()
            if there and not was_there:
                return
            was_there = there
            # The hardware's pace: nothing to wait on. Listing USB ports costs more than
            # looking for a path, so it is done less often.
            time.sleep(min(0.1 if link.polls_usb else 0.02, left))

    def _restore(self) -> None:
        """After a connect: the history replayed, then Connected published."""
        if self._history:
            self.events.publish(Restoring(self.port, len(self._history)))
            self._replay_history()
        self.events.publish(Connected(self.port, self.implementation, self.connect_count))

    def recover(self, error: ConnectionLost, what: str, *, resend: bool = True) -> None:
        """The recovery policy, for a feature whose exchange found the link dead: reconnect
        and restore when ``attempts`` allows, else re-raise. ``resend=False``: what was cut
        off used board objects a reset destroys, so ConnectionLost is raised after the
        reconnect too (the caller cannot simply send it again)."""
        if self.closed or self._connecting:
            raise error
        if self.attempts == 0:
            raise ConnectionLost(
                f"{error} (attempts=0: no reconnect; device.reconnect() restores the board)"
            ) from None
        self.reconnect()
        if not resend:
            raise ConnectionLost(
                f"{what} was cut off by a lost link; the board is back and restored, but the "
                "board object it used is gone"
            )

    def close(self) -> None:
        """Run teardown, leave the board at its friendly REPL and close the port."""
        link = self.connection
        link.closed = True  # stops a reconnect loop in another thread
        with link.lock:
            teardown = self.tasks.teardown
            try:
                if link.connected and teardown is not None:
                    teardown()
                link.close(leave=True)
            except (ConnectionLost, PyboardException, DeviceTimeoutError):
                pass
            finally:
                link.close()  # nothing left to do when it closed above
                if self._board is not None:
                    self._board.close()

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        board = getattr(self, "_board", None)
        if board is not None:  # a virtual board this device started dies with it
            board.close()

    # -- running code --------------------------------------------------------------------

    def __call__(
        self,
        cmd: str,
        *,
        minify: bool = True,
        record: bool = True,
        deserialize: bool = True,
        stream_out: TextIO | None = None,
    ) -> Any:
        """Run ``cmd`` on the board; the value of a final expression comes back.

        ``record``: keep it in the history replayed after a reconnect. ``deserialize=False``:
        return the value's ``repr`` text. ``stream_out``: where this call's prints go.
        """
        exec_part, expr = _split_final_expression(cmd)
        if minify and exec_part:  # as written when the minified text would not compile
            exec_part = minify_checked(exec_part, "<command>").code
        args = codec.to_literal(exec_part, "code")
        if expr:
            args += "," + codec.to_literal(expr, "expression")
        sink = _stream_writer(stream_out) if stream_out is not None else None
        result = self.call(
            f"_BX({args})".encode(), "the command", sink=sink, deserialize=deserialize
        )
        if record:
            self.record(Command(cmd))
        return result

    def proxy(self, cmd: str) -> Any:
        """A :class:`~engine.ProxyObject` for a board object: ``device.proxy("sensor")``,
        ``device.proxy("import machine")`` (a tuple for several names), or any expression
        (an immutable result comes back as a value)."""
        from .proxy import proxy_names

        return proxy_names(self, cmd)

    def release(self, key: int) -> None:
        """Free the board object kept under ``key`` for a proxy; it rides along with the next
        exchange (safe to call from a garbage collector)."""
        self._proxy_garbage.append(key)

    def call(
        self,
        code: bytes,
        what: str,
        *,
        sink: Callable[[str], None] | None = None,
        resend: bool = True,
        deserialize: bool = True,
    ) -> Any:
        """Run engine-written ``code`` that replies with one frame, and return its value.

        Output before the frame is streamed live (to ``sink``, else the device's output).
        Ctrl-C on the host interrupts the board, waits for it to settle, and re-raises
        ``KeyboardInterrupt``. A link found dead is restored when ``attempts`` allows; then
        the code is sent again, or with ``resend=False`` (code that uses board objects a
        reset destroys) ConnectionLost is raised. A call running past ``call_timeout`` is
        interrupted (DeviceTimeoutError); one that ignores Ctrl-C gets the board reset and
        restored when ``attempts`` allows. A board error raises PyboardException.
        """
        with self.connection.lock:
            try:
                try:
                    reply = self._exchange(code, what, sink)
                except ConnectionLost as e:
                    self.recover(e, what, resend=resend)
                    reply = self._exchange(code, what, sink)
            except Stuck as e:
                self._unstick(e)
        return self.decode(reply, what, deserialize)

    def _exchange(self, code: bytes, what: str, sink: Callable[[str], None] | None) -> Reply:
        if self._proxy_garbage:
            freed, self._proxy_garbage = self._proxy_garbage, []
            code = f"for _k in {tuple(freed)!r}:_BP.pop(_k,0)\n".encode() + code
        return self.connection.exchange(code, what, sink, self.call_timeout)

    def decode(self, reply: Reply, what: str, deserialize: bool = True) -> Any:
        """The value a reply stands for: a value, a generator's handle or end, a board
        object's key; a board error is raised as PyboardException (KeyboardInterrupt when
        the board was interrupted)."""
        kind, payload = reply
        if kind == ReplyKind.RESULT:
            return codec.from_literal(payload, what) if deserialize else payload
        if kind == ReplyKind.ERROR:
            text = rewrite_traceback(payload, self.tasks.sources).replace("\r\n", "\n")
            if text.rstrip().rsplit("\n", 1)[-1].startswith("KeyboardInterrupt"):
                raise KeyboardInterrupt
            raise PyboardException(text)
        if kind == ReplyKind.GENERATOR:
            return GeneratorHandle(payload)
        if kind == ReplyKind.STOPPED:
            return STOPPED
        if kind == ReplyKind.PROXY:
            return BoardObject(int(payload))
        raise InternalError(f"unknown reply kind {kind!r} for {what}")

    def _unstick(self, error: Stuck) -> None:
        """A call ignored Ctrl-C after its timeout: reset and restore the board when
        ``attempts`` allows (reconnecting soft-resets it), else say what to do."""
        if self.attempts == 0 or self._connecting or self.closed:
            raise DeviceTimeoutError(
                f"{error}; reset the board: device.reconnect(), or its reset button"
            ) from None
        self.connection.drop(str(error))
        self.reconnect()
        raise DeviceTimeoutError(f"{error}; the board was reset and its state restored") from None

    def _install_runtime(self) -> None:
        """The reply framing and task table, then the startup code (Belay's convenience
        imports unless ``startup`` replaces them)."""
        self.connection.run_raw(prelude(self.connection.token, imports=self._startup is None))
        if self._startup:
            self(self._startup, record=False)

    # -- history -------------------------------------------------------------------------

    def record(self, entry: HistoryEntry) -> None:
        """Keep ``entry`` for a reconnect to replay (an equal entry is kept once only when
        the caller checks :attr:`history`)."""
        if len(self._history) >= self.MAX_CMD_HISTORY_LEN:
            raise MaxHistoryLengthError(
                f"more than {self.MAX_CMD_HISTORY_LEN} recorded commands; pass record=False "
                "for commands that need not be replayed after a reconnect"
            )
        self._history.append(entry)

    def _replay_history(self) -> None:
        for entry in self._history:
            entry.replay(self)

    def interrupt(self) -> None:
        """Send Ctrl-C (from any thread): the running call ends with KeyboardInterrupt."""
        self.connection.interrupt()

    def soft_reset(self) -> None:
        """Soft-reset the board and restore the runtime and history."""
        link = self.connection
        with link.lock:
            if not link.survives_soft_reset:
                # Over WebREPL the board closes its socket as it resets: connect again (its
                # WebREPL restarts from boot.py) and restore.
                link.await_reset()
                self.reconnect(
                    self.attempts if self.attempts < 0 else max(self.attempts, SOFT_RESET_RETRIES)
                )
                return
            self._connecting = True
            try:
                link.soft_reset()
                self._install_runtime()
                self._replay_history()
            finally:
                self._connecting = False

    def report(self) -> DeviceReport:
        """Free memory, free filesystem space and the time since the board last reset, as
        a :class:`~engine.events.DeviceReport`, which is also published."""
        mem_free, mem_alloc, fs_free, uptime_ms = self.call(b"_Bq()", "the device report")
        report = DeviceReport(self.port, mem_free, mem_alloc, fs_free, uptime_ms / 1000)
        self.events.publish(report)
        return report

    def _output_sink(self, text: str) -> None:
        """Where board prints go unless a call names another sink."""
        self.emit(text, "stdout")

    def emit(self, text: str, stream: str = "stdout") -> None:
        """Pass ``text`` on as the board's output (``stream``: "stdout" or "stderr"): to the
        device's ``output`` (else stdout) and as an :class:`~engine.events.Output` event."""
        (self._sink or write_stdout)(text)
        self.events.publish(Output(text, stream))


def _stream_writer(stream: TextIO) -> Callable[[str], None]:
    def write(text: str) -> None:
        stream.write(text)
        stream.flush()

    return write


def _split_final_expression(cmd: str) -> tuple[str, str | None]:
    """("a = 1\nb = 2", "a + b") for "a = 1\nb = 2\na + b"; (cmd, None) when the code does
    not end with an expression (or is not valid Python, which the board will report)."""
    try:
        tree = ast.parse(cmd)
    except SyntaxError:
        return cmd, None
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return cmd, None
    last = tree.body[-1]
    lines = cmd.splitlines(keepends=True)
    start = sum(map(len, lines[: last.lineno - 1]))
    start += len(lines[last.lineno - 1].encode()[: last.col_offset].decode())
    head = cmd[:start].rstrip().rstrip(";")
    return head, ast.get_source_segment(cmd, last)
