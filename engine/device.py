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

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, BinaryIO, ClassVar, Protocol, TextIO

from . import codec
from ._async import AsyncFace
from ._boardcode import implementation_probe, prelude
from ._cleanup import CleanUps, guarded
from ._command import command_code, shorten, stream_writer, trusted_value
from ._files import FileMethods
from ._implementation import Implementation
from ._output import write_stdout
from ._recovery import Recovery
from ._reply import Reply, ReplyKind, Stuck
from ._secret import Secret
from ._source import rewrite_traceback
from ._tasks import (
    STOPPED,
    GeneratorHandle,
    KindDescriptor,
    Options,
    TaskTable,
    check_class_keywords,
)
from ._timesync import TICKS_CALL, BoardClock
from .connection import Connection
from .emulator import VirtualBoard
from .events import (
    Connected,
    DeviceReport,
    EventBus,
    Output,
    Restoring,
)
from .exceptions import (
    BelayException,
    ConnectionLost,
    DeviceTimeoutError,
    FeatureUnavailableError,
    InternalError,
    MaxHistoryLengthError,
    PyboardException,
)
from .transport import Transport
from .transport._ports import UsbSpecifier, list_ports, pick_board, usb_spec_from_json


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


class DeviceMeta(type):
    """Belay's metaclass for mixins that carry ``@Device.task`` and friends
    (``class Blinker(metaclass=DeviceMeta)``). Marks are found on any class in a device's
    MRO, so nothing more is needed; this keeps such code importing and lets it mix with
    :class:`Device`."""


class Device(FileMethods, metaclass=DeviceMeta):
    """A MicroPython board. ``port``: a serial path or ``COMn``, ``usb:VID:PID[:SERIAL]``
    or a :class:`~engine.UsbSpecifier`, ``ws://host[:port]`` (WebREPL), or ``virtual``
    (start a virtual board).

    ``attempts``: reconnect tries, 1 s apart, when the link is lost (0: raise
    ``ConnectionLost``; negative: forever); see docs/connections.md. ``startup``: code run
    after connecting, instead of the convenience imports when given. ``timeout``: seconds to
    wait for protocol replies. ``call_timeout``: seconds a call may run before it is
    interrupted (None: tasks may run as long as they like). ``auto_sync_time``: measure the
    board's clock against the host's at every connect and reconnect (Belay's default; see
    :meth:`sync_time`).
    """

    MAX_CMD_HISTORY_LEN = 1000

    task = KindDescriptor("task")
    thread = KindDescriptor("thread")
    setup = KindDescriptor("setup")
    teardown = KindDescriptor("teardown")

    def __init__(
        self,
        port: str | UsbSpecifier | None = None,
        *,
        attempts: int = 0,
        startup: str | None = None,
        password: str | None = None,
        baudrate: int = 115200,
        timeout: float = 5.0,
        call_timeout: float | None = None,
        output: Callable[[str], None] | None = None,
        events: EventBus | None = None,
        auto_sync_time: bool = True,
    ) -> None:
        self.events = events or EventBus()
        self.auto_sync_time = auto_sync_time
        self.clock = BoardClock()
        self.attempts = attempts
        self.call_timeout = call_timeout
        self.tasks = TaskTable(self)
        self._async = AsyncFace(self)
        self._startup = startup
        self._sink = output
        self._history: list[HistoryEntry] = []
        self._cleanups = CleanUps()  # board clean-up riding with the next exchange
        self.connect_count = 0
        self.implementation: Implementation | None = None
        self._recovery = Recovery(self, self._restart)
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
        with self._recovery.restore():
            self._connect()
        self.events.publish(Connected(self.port, self.implementation, self.connect_count))
        autoinit = self.tasks.attach_class_functions()
        self.__pre_autoinit__()
        for name in autoinit:
            getattr(self, name)()
        self.__post_init__()

    def __pre_autoinit__(self) -> None:
        """Belay's hook: runs after connecting and registering the class's functions, before
        the ``autoinit`` setups; a subclass may sync files or dependencies here."""

    def __post_init__(self) -> None:
        """Belay's hook: runs at the very end of ``__init__``."""

    def __init_subclass__(cls, **keywords: Any) -> None:
        check_class_keywords(cls, keywords)
        super().__init_subclass__()

    def __repr__(self) -> str:
        state = "open" if self.connected else "closed"
        return f"<{type(self).__name__} {self.port} {state}>"

    # -- connection ----------------------------------------------------------------------

    def _resolve_port(self, port: str | UsbSpecifier | None) -> str:
        if isinstance(port, UsbSpecifier):
            port = port.port()
        port = port or os.environ.get("BELAY_DEVICE")
        if port and port.lstrip().startswith("{"):
            port = usb_spec_from_json(port)
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
        self._start_session()

    def _start_session(self) -> None:
        """On a board at a clean raw prompt without our runtime: install it, learn the
        implementation."""
        try:
            self._install_runtime()
            name, version, platform, mpy, emitters = self.call(
                implementation_probe().encode(), "the implementation probe"
            )
        except BaseException:
            self.connection.close()
            raise
        self.implementation = Implementation.from_probe(name, version, platform, mpy, emitters)
        self.connect_count += 1
        self.connection.last_ok = time.time()
        if self.auto_sync_time:
            try:
                self.sync_time()
            except FeatureUnavailableError:
                self.clock.offset = None  # a firmware without ticks_ms: no time sync

    def reconnect(
        self,
        attempts: int | None = None,
        *,
        cancel: threading.Event | None = None,
        resume: bool = True,
    ) -> bool:
        """Open the link again. A board that kept its state (the session id left at connect
        is still in its RAM) is left as it is; any other is reset and restored: the runtime,
        then the history replayed (see docs/connections.md). Returns whether the board kept
        its state.

        ``attempts``: tries 1 s apart, negative for no limit; None takes the device's
        ``attempts``, or 1 when that is 0 (Belay's rule). A try starts early when the port
        reappears. ``cancel``: setting this event stops the tries (a UI's cancel button).
        ``resume=False``: reset and restore even a board that kept its state. Raises
        :class:`ConnectionLost` when no try works.
        """
        if attempts is None:
            attempts = self.attempts or 1
        if attempts == 0:
            raise ValueError("reconnect(attempts=0) would not try; give N > 0, or < 0 for no limit")
        return self._recovery.reconnect(attempts, cancel, resume)

    def ensure_connected(self, cancel: threading.Event | None = None) -> None:
        """Reconnect, with the device's ``attempts``, unless the link is up: what a
        supervisor does after a loss, which a call may have repaired meanwhile."""
        with self.connection.lock:
            if not (self.connection.connected or self.connection.closed):
                self.reconnect(cancel=cancel)

    def _restart(self) -> None:
        """A board that lost its state: the runtime installed, then the history replayed."""
        self._start_session()
        if self._history:
            self.events.publish(Restoring(self.port, len(self._history)))
            self._replay_history()

    def recover(self, error: ConnectionLost, what: str, *, resend: bool = True) -> bool:
        """The recovery policy, for a feature whose exchange found the link dead: reconnect
        when ``attempts`` allows, else re-raise. Returns whether the board kept its state.
        ``resend=False``: what was cut off used board objects a reset destroys, so
        ConnectionLost is raised when the board did not keep its state (the caller cannot
        simply send it again)."""
        return self._recovery.recover(error, what, resend)

    def close(self) -> None:
        """Run teardown, leave the board at its friendly REPL and close the port."""
        link = self.connection
        link.closed = True  # stops a reconnect loop in another thread
        failed: PyboardException | None = None
        with link.lock:
            teardown = self.tasks.teardown
            try:
                if link.connected and teardown is not None:
                    try:
                        teardown()
                    except PyboardException as e:  # raised once the port is closed
                        failed = None if self.tasks.teardown_ignores_errors else e
                link.close(leave=True)
            except (ConnectionLost, PyboardException, DeviceTimeoutError):
                pass
            finally:
                self._async.close()
                link.close()  # nothing left to do when it closed above
                if self._board is not None:
                    self._board.close()
        if failed is not None:
            raise failed

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
        trusted: bool = False,
        return_time: bool = False,
    ) -> Any:
        """Run ``cmd`` on the board; the value of a final expression comes back: a literal
        as its value, any other object as a :class:`~engine.ProxyObject`.

        ``record``: keep it in the history replayed after a reconnect. ``deserialize=False``:
        return the value's ``repr`` text. ``stream_out``: where this call's prints go.
        ``trusted``: rebuild a non-literal result from its ``repr`` with ``eval`` on the
        host (the board can then run code here: use only with a board you trust).
        ``return_time``: return ``(value, datetime)``, the host time at which the final
        expression ran on the board.
        """
        flags = Options(trusted=trusted or not deserialize, return_time=return_time).flags
        code, expr = command_code(cmd, minify, flags)
        if return_time:
            self.clock.require()
            if not expr:
                raise ValueError("return_time needs code that ends with an expression")
        sink = stream_writer(stream_out) if stream_out is not None else None
        what = shorten(expr) if expr else "the command"
        resets = self._recovery.resets
        result = self.call(code, what, sink=sink, deserialize=deserialize, trusted=trusted)
        if self._recovery.resets != resets:
            return result  # it reset the board: nothing to time, and no replay resets it again
        if return_time:
            result = self.stamped(result, what, trusted)
        if record:
            self.record(Command(cmd))
        return result

    # -- the board's clock ---------------------------------------------------------------

    @property
    def time_offset(self) -> float | None:
        """Board seconds minus host seconds, from the last :meth:`sync_time` (None before)."""
        return self.clock.offset

    def sync_time(self, samples: int = 10) -> float:
        """Measure the board's ``time.ticks_ms()`` against the host's clock, keeping the
        sample with the smallest round trip, as Belay does; returns the offset in seconds
        (also :attr:`time_offset`). Convert a board reading with
        ``ticks_ms / 1000 - device.time_offset``. See docs/api.md for its accuracy."""
        return self.clock.sync(lambda: self.call(TICKS_CALL, "the time sync"), samples)

    def stamped(self, timed: Any, what: str, trusted: bool = False) -> tuple[Any, datetime]:
        """``(value, datetime)`` from a timed reply: the board's ticks before and after the
        call, and the call's own reply inside."""
        before, after, kind, payload = timed
        value = self.decode(Reply(kind, payload), what, trusted=trusted)
        return value, self.clock.midpoint(before, after)

    def proxy(self, cmd: str, delete: bool = True) -> Any:
        """A :class:`~engine.ProxyObject` for a board object: ``device.proxy("sensor")``,
        ``device.proxy("import machine")`` (a tuple for several names), or any expression
        (an immutable result comes back as a value). ``delete=False`` (Belay's) keeps the
        board object when the proxy of an expression is collected."""
        from .proxy import keep, proxy_names

        found = proxy_names(self, cmd)
        return found if delete else keep(found)

    def release(self, key: int) -> None:
        """Free the board object kept under ``key`` for a proxy; it rides along with the next
        exchange (safe to call from a garbage collector)."""
        self._cleanups.release(key)

    def later(self, code: str) -> None:
        """Run board ``code`` (one line, replying nothing) now when the link is free, else
        with the next exchange: safe from a garbage collector or a generator's close()."""
        link = self.connection
        if link.busy is None and link.connected and link.lock.acquire(blocking=False):
            try:
                if link.busy is None:  # not inside an exchange of this very thread
                    self.call(guarded(code).encode() + b"_BF('R','None')", "a clean-up")
                    return
            except BelayException:
                return  # a board that is gone has nothing left to clean up
            finally:
                link.lock.release()
        self._cleanups.defer(code)

    def call(
        self,
        code: bytes,
        what: str,
        *,
        sink: Callable[[str], None] | None = None,
        resend: bool = True,
        deserialize: bool = True,
        trusted: bool = False,
    ) -> Any:
        """Run engine-written ``code`` that replies with one frame, and return its value
        (see :meth:`decode` for ``deserialize`` and ``trusted``).

        Output before the frame is streamed live (to ``sink``, else the device's output).
        Ctrl-C on the host interrupts the board, waits for it to settle, and re-raises
        ``KeyboardInterrupt``. A link found dead is restored when ``attempts`` allows; then
        the code is sent again, or with ``resend=False`` (code that uses board objects a
        reset destroys) ConnectionLost is raised. A call running past ``call_timeout`` is
        interrupted (DeviceTimeoutError); one that ignores Ctrl-C gets the board reset and
        restored when ``attempts`` allows. A board error raises PyboardException.
        """
        exchange = partial(self._exchange, code, what, sink)
        with self.connection.lock, self._recovery.in_flight(self.call_timeout):
            try:
                try:
                    reply = exchange()
                except ConnectionLost as e:
                    reply = self._recovery.after_loss(e, what, resend, exchange)
            except Stuck as e:
                self._recovery.unstick(e)
        return self.decode(reply, what, deserialize, trusted)

    def _exchange(self, code: bytes, what: str, sink: Callable[[str], None] | None) -> Reply:
        code = self._cleanups.prefix(code)
        reply = self.connection.exchange(code, what, sink, self.call_timeout)
        return self._recovery.reset_by(reply, what)

    def decode(
        self, reply: Reply, what: str, deserialize: bool = True, trusted: bool = False
    ) -> Any:
        """The value a reply stands for: a value, a generator's handle or end, a
        :class:`~engine.ProxyObject` for an object the board keeps; a board error is raised
        as PyboardException (KeyboardInterrupt when the board was interrupted).
        ``deserialize=False``: a value's ``repr`` text as it is. ``trusted``: a ``repr``
        that is not a literal is rebuilt with ``eval`` (which runs what the board sent)."""
        kind, payload = reply
        if kind == ReplyKind.RESULT:
            if not deserialize:
                return payload
            if trusted:
                return trusted_value(payload, what)
            return codec.from_literal(payload, what)
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
            from .proxy import ProxyObject

            key, _, description = payload.partition(":")
            return ProxyObject(self, f"_BP[{key}]", int(key), source=what, seen=description)
        raise InternalError(f"unknown reply kind {kind!r} for {what}")

    def _install_runtime(self) -> None:
        """The reply framing and task table, then the startup code (Belay's convenience
        imports unless ``startup`` replaces them)."""
        link = self.connection
        link.run_raw(prelude(link.token, link.session, imports=self._startup is None))
        if self._startup:
            self(self._startup, record=False)

    def terminal(self, *, keys: int | None = None, screen: BinaryIO | None = None) -> None:
        """A raw, interactive terminal to the board's REPL in this terminal (Belay's
        ``terminal``): typed keys go to the board, its output comes back; Ctrl-] exits.
        ``keys`` (a file descriptor) and ``screen`` (a binary file) default to stdin and
        stdout. The board's globals stay; the next call starts from a fresh raw REPL."""
        from .terminal import run_terminal

        with self.connection.hold("the terminal") as stream:
            try:
                run_terminal(stream, keys, screen, self.port)
            finally:
                stream.abandon()  # the board is at its friendly REPL now

    # -- history -------------------------------------------------------------------------

    def record(self, entry: HistoryEntry) -> None:
        """Keep ``entry`` for a reconnect to replay (an equal entry is kept once only when
        the caller checks :attr:`history`)."""
        with self.connection.lock:  # calls from several threads record in their own turn
            if len(self._history) >= self.MAX_CMD_HISTORY_LEN:
                raise MaxHistoryLengthError(
                    f"more than {self.MAX_CMD_HISTORY_LEN} recorded commands; pass "
                    "record=False for commands that need not be replayed after a reconnect"
                )
            self._history.append(entry)

    def _replay_history(self) -> None:
        for entry in self._history:
            entry.replay(self)

    # -- many calls: pipelined, and from asyncio -----------------------------------------

    def map(self, fn: Callable, *iterables: Iterable[Any], in_flight: int = 10) -> list[Any]:
        """``fn(*args)`` for each ``args`` of ``zip(*iterables)``, ``fn`` a task of this
        device; the results in order. Over a link that allows it (WebREPL) the calls are
        pipelined: sent back to back, up to ``in_flight`` awaiting their replies, each
        reply matched to its call by a sequence number, so round trips overlap; elsewhere
        they run one after the other. The calls must not depend on each other. A board
        exception is raised once every call has run."""
        return self.tasks.map(fn, list(zip(*iterables, strict=False)), in_flight)

    async def acall(self, target: str | Callable, *args: Any, **kwargs: Any) -> Any:
        """The asyncio face: ``await device.acall(task, *args)`` runs a task (or thread) of
        this device, ``await device.acall("code")`` runs code as ``device("code")`` does.
        A generator task gives an async iterator: ``async for x in await
        device.acall(samples, 10)``. The calls run in the device's own worker thread, in
        turn, on the same machinery as the blocking calls; cancelling one that the board
        is running interrupts it (Ctrl-C)."""
        return await self._async.call(target, *args, **kwargs)

    async def amap(self, fn: Callable, *iterables: Iterable[Any], in_flight: int = 10) -> list:
        """:meth:`map`, awaited."""
        return await self._async.run(self.map, fn, *iterables, in_flight=in_flight)

    def interrupt(self) -> None:
        """Send Ctrl-C (from any thread): the running call ends with KeyboardInterrupt."""
        self.connection.interrupt()

    def reset(self) -> None:
        """Hard-reset the board (``machine.reset()``, as mpremote's ``reset``) and restore
        the runtime and history, whatever ``attempts``; waits for the board to come back."""
        self._recovery.hard_reset()

    def soft_reset(self) -> None:
        """Soft-reset the board and restore the runtime and history (over WebREPL, whose
        socket the board closes as it resets, by connecting again)."""
        self._recovery.soft_reset()

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
