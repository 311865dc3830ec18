"""``Connection``: one board's link, between the wire and Belay's semantics.

A :class:`~engine.Device` keeps Belay's meaning (the history, when to reconnect, what a
reply's value is); its ``connection`` keeps the link: where the board is, the open
transport and raw REPL, the reply token, the lock that lets one exchange run at a time, what
runs now, whether the next exchange must first resynchronise, the last good exchange, the
byte counters, and the news that the link was lost (:class:`~engine.events.LinkLost`).

Features drive the link through this contract and nothing else:

- :meth:`Connection.exchange` sends code that prints one framed reply and returns the
  :class:`~engine._reply.Reply` (no recovery: :meth:`Device.call` adds Belay's policy);
- :meth:`Connection.hold` lends the link for an exchange a feature drives itself (the sync's
  flow-controlled stream), as a :class:`Stream`;
- :meth:`Connection.check`, :meth:`Connection.idle` and :meth:`Connection.interrupt` for a
  supervisor; :attr:`Connection.stats` for byte counts; :attr:`Connection.file_channel` for
  binary file transfers where the link has them.
"""

from __future__ import annotations

import ast
import contextlib
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple

from . import codec
from ._boardcode import session_query
from ._output import OutputStream
from ._repl import CTRL_D, RESET_WINDOW, BoardReset, RawRepl, shows_restart
from ._reply import Reply, ReplyKind, ReplyReader
from ._secret import Secret
from .events import EventBus, LinkLost
from .exceptions import ConnectionLost, DeviceNotFoundError, DeviceTimeoutError, PyboardException
from .text import last_line
from .transport import Transport, WebreplTransport, open_transport
from .transport._ports import list_ports, locate_port, usb_identity
from .transport._webrepl import PendingPuts
from .transport._webrepl_protocol import HEADER_SIZE

SOFT_RESET_GRACE = 5.0  # seconds a board gets to close its WebREPL socket as it resets
KEEPALIVE = b" " + CTRL_D  # not empty: an empty program means soft reset

Sink = Callable[[str], None]


class LinkStats(NamedTuple):
    """Bytes over the link since the connection was made, reconnects included."""

    bytes_out: int
    bytes_in: int


class Stream:
    """The link lent for one exchange that a feature drives itself: its raw REPL's
    reading and writing, then :meth:`read_reply` for the frame that ends it, or
    :meth:`abandon` when the board is left mid-exchange."""

    def __init__(self, connection: Connection, repl: RawRepl) -> None:
        self._connection = connection
        self._repl = repl
        self.buf = repl.buf  # what arrived and is not consumed yet
        self.timeout = repl.timeout
        self.send_code = repl.send_code
        self.accept = repl.accept
        self.write = repl.write
        self.fill = repl.fill
        self.read_until = repl.read_until

    def read_reply(
        self,
        what: str,
        *,
        sink: Sink | None = None,
        limit: float | None = None,
        accepted: bool = False,
        output: bytes = b"",
        sequence: int | None = None,
    ) -> Reply:
        """The framed reply to ``what``, with the output before it streamed to ``sink``
        (the connection's by default). ``accepted``: the caller already took the board's
        ``OK``; ``output`` is board output it took off the wire on the way, passed on
        first. ``limit``: seconds the code may run before it is interrupted. ``sequence``:
        the reply of the pipelined call of that number (see :meth:`Connection.pipeline`)."""
        token = self._connection.token_bytes
        if sequence is not None:
            token += _sequence_mark(sequence)
        reader = ReplyReader(self._repl, token, sink or self._connection.sink)
        if accepted:
            reader.output(output)
        else:
            reader.accepted(what)
        try:
            reply = reader.read(what, limit)
        finally:  # counted also when the frame ends in KeyboardInterrupt or a timeout error
            if reader.framed:
                self._connection.replies += 1
        if reply.kind == ReplyKind.RESET:
            return self._connection._after_exit(self._repl, what)
        return reply

    def abandon(self) -> None:
        """The board was left mid-exchange (what was sent after the code ended reached the
        raw REPL as code): the next exchange starts from a fresh prompt."""
        self._connection._resync = True


class FileChannel:
    """WebREPL's binary file transfers (no REPL code, no base64), over a connection."""

    def __init__(self, connection: Connection, transport: WebreplTransport) -> None:
        self._connection = connection
        self._transport = transport

    def send_puts(
        self, files: Iterable[tuple[str, bytes]], what: str = "the file transfer"
    ) -> PendingPuts:
        """Send the requests and data of several puts at once; REPL exchanges may follow
        before :meth:`put_replies` (a board serves the puts first: its input is one stream).
        ``what`` is what the connection shows as busy meanwhile."""
        files = list(files)
        with self._connection.hold(what):
            pending = self._transport.send_puts(files)
            self._connection.count_out(sum(HEADER_SIZE + len(data) for _, data in files))
        return pending

    def put_replies(
        self, pending: PendingPuts, what: str = "the file transfer"
    ) -> list[tuple[str, int]]:
        """The (name, errno) of each put of ``pending`` that the board could not write."""
        with self._connection.hold(what):
            return self._transport.put_replies(pending)

    def put_files(self, files: Iterable[tuple[str, bytes]]) -> None:
        """Write files in one round trip (their folders must exist)."""
        with self._connection.hold("the file transfer"):
            self._transport.put_files(files)

    def get_file(self, name: str) -> bytes:
        """The content of the board's file ``name``."""
        with self._connection.hold("the file transfer"):
            return self._transport.get_file(name)

    def get_files(
        self, files: list[tuple[str, int | None]], progress: Callable[[int], None] | None = None
    ) -> list[bytes]:
        """The content of several board files, each given with its size (None: unknown):
        every request goes out at once, so the batch costs about one round trip.
        ``progress`` gets the bytes of each chunk as it arrives."""
        with self._connection.hold("the file transfer"):
            return self._transport.get_files(files, progress)


class Connection:
    """The link to the board at ``port`` (a serial path, ``usb:VID:PID[:SERIAL]`` or
    ``ws://``); see the module docstring. Made closed: :meth:`open` opens it.

    ``output`` gets board output that no exchange names another sink for; ``events`` gets
    :class:`~engine.events.LinkLost` when the link goes.
    """

    def __init__(
        self,
        port: str,
        *,
        events: EventBus,
        output: Sink,
        baudrate: int = 115200,
        password: Secret | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.port = port
        self.events = events
        self.sink = output
        self.timeout = timeout
        self.lock = threading.RLock()  # one exchange at a time; features may hold it longer
        self.last_ok: float | None = None  # wall-clock time of the last good exchange
        self.lost_reason = ""
        self.lost_at: float | None = None  # monotonic time the link went down
        self.closed = False
        # The board's runtime: its session id, and the replies read that it framed (the
        # board counts them too, so a reconnect can tell whether the call in flight ran).
        self.session = ""
        self.replies = 0
        self._baudrate = baudrate
        self._password = password
        self._repl: RawRepl | None = None
        self._token = ""
        self._resync = False
        self._busy: tuple[str, float] | None = None  # what runs, since (monotonic)
        self._earlier = LinkStats(0, 0)  # bytes of connections before this one
        self._idle_out = OutputStream(output)
        self._idle_tail = b""  # recent output received while idle, to notice a reset
        self._usb_id: str | None = port if port.lower().startswith("usb:") else None
        self._path: str | None = None  # where the board was found last

    # -- where the board is --------------------------------------------------------------

    @property
    def path(self) -> str:
        """Where the board was last found: differs from ``port`` for a ``usb:`` spec and for
        a board that came back under another name."""
        return self._path or self.port

    def _locate(self) -> str:
        """The port to open. The first open remembers the port's USB identity, so that a
        board which comes back under another name (ttyACM0 -> ttyACM1) is found by it."""
        if self._path is None and self._usb_id is None and _is_local(self.port):
            self._usb_id = usb_identity(self.port, list_ports())
        if self._usb_id is None:
            return self.path
        return locate_port(self.path, self._usb_id, list_ports())

    def port_present(self) -> bool:
        """Whether the port is there to open (False when that cannot be told cheaply)."""
        if self._usb_id is not None:
            try:
                locate_port(self.path, self._usb_id, list_ports())
            except DeviceNotFoundError:
                return False
            return True
        return self.path.startswith("/") and os.path.exists(self.path)

    @property
    def polls_usb(self) -> bool:
        """Whether finding the port lists USB devices (slower than looking for a path)."""
        return self._usb_id is not None

    # -- life cycle ----------------------------------------------------------------------

    def open(self) -> None:
        """Open the transport and enter the raw REPL (soft-resetting the board where the
        link survives that), for a new session: the runtime is to be installed."""
        repl = self._open_repl()
        try:
            # Over WebREPL a soft reset would close the board's socket: only resynchronise.
            repl.enter(soft_reset=repl.transport.survives_soft_reset)
        except BaseException:
            repl.transport.close()
            raise
        self._start(repl)

    def resume(self, running: float | None = None) -> Resumption:
        """Open the link again after an outage without resetting the board first, and ask
        it for this session's id (see docs/connections.md).

        ``running``: seconds the call in flight may still take (None: none runs); the board
        is interrupted only past that, or at once when nothing of ours runs. When the board
        kept the session, the link is up as before and the result says whether the call in
        flight finished (its reply, which the outage ate) or never started. When it did not
        (it reset, or another board answers), the board is soft-reset where the link
        survives that, for a new session: install the runtime and replay.
        """
        repl = self._open_repl()
        try:
            interrupted = repl.reach_prompt(running)
            record = _session_record(repl)
            sid, (count, kind, payload) = record or ("", (-1, "", ""))
            kept = bool(self.session) and sid == self.session
            kept = kept and count in (self.replies, self.replies + 1)
            if not kept and repl.transport.survives_soft_reset:
                repl.soft_reset()
        except BaseException:
            repl.transport.close()
            raise
        if not kept:
            self._start(repl)
            return Resumption(False, None, interrupted)
        self._repl, self._resync = repl, False
        missed = Reply(kind, payload) if count == self.replies + 1 else None
        self.replies = count
        return Resumption(True, missed, interrupted)

    def _open_repl(self) -> RawRepl:
        target = self._locate()
        transport = open_transport(target, baudrate=self._baudrate, password=self._password)
        self._path = target
        return RawRepl(transport, self.timeout)

    def _start(self, repl: RawRepl) -> None:
        """``repl`` is at a clean raw prompt of a board without our runtime: a new reply
        token and session id for the runtime about to be installed."""
        self._token = codec.new_token()
        self.session = secrets.token_hex(8)
        self.replies = 0
        self._repl = repl
        self._resync = False

    def run_raw(self, code: str | bytes) -> bytes:
        """Run engine code whose output is ours (the runtime's install), outside the reply
        framing; returns its output."""
        with self.lock:
            return self._repl_now().exec_raw(code)

    def drop(self, reason: str) -> None:
        """The link is gone (or must go): close our end and publish ``LinkLost``, once."""
        repl = self._take_repl()
        if repl is None:
            return
        self.lost_reason = reason
        self.lost_at = time.monotonic()
        repl.transport.close()
        self.events.publish(LinkLost(self.port, reason))

    def close(self, leave: bool = False) -> None:
        """Close our end without news (a connect that failed, or :meth:`Device.close`).
        ``leave``: first return the board to its friendly REPL."""
        repl = self._take_repl()
        if repl is None:
            return
        try:
            if leave:
                repl.leave()
        finally:
            repl.transport.close()

    def _take_repl(self) -> RawRepl | None:
        repl, self._repl = self._repl, None
        self._idle_tail = b""  # what the closed link heard: no sign of the next one's board
        if repl is not None:
            out, inn = self._earlier
            self._earlier = LinkStats(out + repl.bytes_out, inn + repl.bytes_in)
        return repl

    def _repl_now(self) -> RawRepl:
        repl = self._repl
        if repl is None:
            raise ConnectionLost(self.down_message())
        return repl

    def down_message(self) -> str:
        """Why no exchange can run now, in a line."""
        if self.closed:
            return f"{self.port} is closed"
        return f"the link to {self.port} is down: {self.lost_reason}"

    @property
    def connected(self) -> bool:
        return self._repl is not None

    @property
    def transport(self) -> Transport:
        return self._repl_now().transport

    @property
    def token(self) -> str:
        """The reply token of this connection (the runtime's frames start with it)."""
        return self._token

    @property
    def token_bytes(self) -> bytes:
        return self._token.encode()

    @property
    def busy(self) -> tuple[str, float] | None:
        """(what, seconds) of the exchange running now, or None when the link is idle."""
        busy = self._busy
        return None if busy is None else (busy[0], time.monotonic() - busy[1])

    @property
    def stats(self) -> LinkStats:
        repl, (out, inn) = self._repl, self._earlier
        if repl is None:
            return LinkStats(out, inn)
        return LinkStats(out + repl.bytes_out, inn + repl.bytes_in)

    def count_out(self, n: int) -> None:
        """Bytes a transfer sent past the raw REPL (WebREPL's file channel)."""
        self._repl_now().bytes_out += n

    @property
    def raw_paste(self) -> bool | None:
        """Whether the board took raw-paste mode for long code (None: not tried yet)."""
        return self._repl_now().raw_paste

    @property
    def binary_safe(self) -> bool:
        """Whether raw bytes reach the board's stdin unchanged (False when closed)."""
        repl = self._repl
        return repl is not None and repl.transport.binary_safe

    @property
    def file_channel(self) -> FileChannel | None:
        """WebREPL's binary file transfers, or None on a link that has none."""
        repl = self._repl
        transport = repl.transport if repl is not None else None
        return FileChannel(self, transport) if isinstance(transport, WebreplTransport) else None

    @property
    def survives_soft_reset(self) -> bool:
        return self._repl_now().transport.survives_soft_reset

    def soft_reset(self) -> None:
        """Soft-reset the board. Over a link that survives it, the board is back at its
        raw prompt, for a new session: the runtime is to be installed. Over one that does
        not (WebREPL: the board closes its socket as it resets), the close is awaited and
        the link dropped, to be reconnected."""
        with self.lock:
            repl = self._repl_now()
            self.lost_at = time.monotonic()
            if repl.transport.survives_soft_reset:
                repl.soft_reset()
                self._start(repl)
                return
            with contextlib.suppress(ConnectionLost):
                repl.write(CTRL_D)
                deadline = time.monotonic() + SOFT_RESET_GRACE
                while (left := deadline - time.monotonic()) > 0:
                    repl.fill(left)
            self.drop("soft reset")

    def _after_exit(self, repl: RawRepl, what: str) -> Reply:
        """The code of ``what`` raised ``SystemExit`` (its reply said so). A board that
        went on at its raw prompt kept its state: the call's value is None. One that
        soft-reset is awaited back at its raw prompt, for a new session, and the reply
        stays ``RESET``: the runtime is to be installed. One that does not come back on
        this link (WebREPL closes as the board resets, a port that went away, no prompt in
        time) is dropped, to be reconnected."""
        self.lost_at = time.monotonic()
        try:
            if not repl.after_exit():
                return Reply(ReplyKind.RESULT, "None")
        except (ConnectionLost, DeviceTimeoutError) as e:
            self.drop(f"{what} reset the board, which left this link: {last_line(e)}")
            return Reply(ReplyKind.RESET, "")
        self._start(repl)
        return Reply(ReplyKind.RESET, "")

    # -- exchanges -----------------------------------------------------------------------

    @contextlib.contextmanager
    def hold(self, what: str) -> Iterator[Stream]:
        """Hold the link for one exchange (shown as busy with ``what``): a dead link is
        dropped, and an exchange that does not finish (Ctrl-C, a timeout, a protocol error)
        leaves the next one to resynchronise at a clean prompt instead of mid-reply."""
        with self.lock:
            repl = self._repl_now()
            outer, self._busy = self._busy, (what, time.monotonic())
            try:
                self._notice_restart(repl, what)
                if self._resync:
                    repl.enter(soft_reset=False)
                    self._learn_replies(repl, what)
                    self._resync = False
                yield Stream(self, repl)
                self.last_ok = time.time()
            except ConnectionLost as e:
                self.drop(str(e))
                raise
            except BaseException:
                self._resync = True
                raise
            finally:
                self._busy = outer

    def _notice_restart(self, repl: RawRepl, what: str) -> None:
        """Before an exchange: a board that restarted while the link was idle said so (its
        banner, a soft reboot back to the raw prompt) in what arrived meanwhile, which stays
        for the exchange to pass on. Nothing is sent to it: it raises :class:`BoardReset`,
        a lost link whose board did not keep its state, which a reconnect restores."""
        repl.fill(0)
        recent = (self._idle_tail + bytes(repl.buf[-RESET_WINDOW:]))[-RESET_WINDOW:]
        self._idle_tail = b""
        if recent and shows_restart(recent):
            raise BoardReset(what, before=True)

    def _learn_replies(self, repl: RawRepl, what: str) -> None:
        """After a resynchronisation: the board may have framed a reply that was dropped
        unread (an exchange cut short), so take its count of replies for ours. A board
        without our session lost its state meanwhile: :class:`BoardReset`."""
        record = _session_record(repl)
        if record is None or record[0] != self.session:
            raise BoardReset(what, before=True)
        self.replies = record[1][0]

    def exchange(
        self, code: bytes, what: str, sink: Sink | None = None, limit: float | None = None
    ) -> Reply:
        """Send ``code`` (which prints one framed reply) and return the reply. Output before
        the frame streams to ``sink``. Ctrl-C on the host interrupts the board, waits for it
        to settle and re-raises; ``limit``: seconds before the board is interrupted."""
        with self.hold(what) as stream:
            stream.send_code(code, what)
            return stream.read_reply(what, sink=sink, limit=limit)

    @property
    def pipelines(self) -> bool:
        """Whether calls can be sent before the replies to earlier ones arrive: on a link
        that paces the sender (WebREPL's TCP), where the board's input cannot overrun."""
        repl = self._repl
        return repl is not None and repl.transport.flow_controlled

    def pipeline(
        self, calls: Sequence[str], what: str, in_flight: int, sink: Sink | None = None
    ) -> list[Reply]:
        """Run independent calls sent back to back, at most ``in_flight`` of them awaiting
        their replies, and return the replies in order. Each call is ``f,args`` for the
        runtime's ``_BQ``, which frames the reply of call ``n`` with the reply token and
        ``n``: every reply is matched to its call by that sequence number, so output or a
        lost reply can never pass one call's reply off as another's. Round trips overlap,
        so over a slow network the calls are limited by the board, not by the round trip.
        """
        replies: list[Reply] = []
        with self.hold(what) as stream:
            sent = 0
            while len(replies) < len(calls):
                while sent < len(calls) and sent - len(replies) < max(in_flight, 1):
                    mark = _sequence_mark(sent).decode()
                    stream.send_code(f"_BQ('{mark}',{calls[sent]})".encode(), what)
                    sent += 1
                replies.append(stream.read_reply(what, sink=sink, sequence=len(replies)))
        return replies

    def interrupt(self) -> None:
        """Send Ctrl-C (from any thread): the running exchange ends with KeyboardInterrupt."""
        repl = self._repl
        if repl is not None:
            repl.interrupt()

    @contextlib.contextmanager
    def idle(self) -> Iterator[bool]:
        """Hold the link if no exchange runs (yields True), else yield False at once: for
        background work that must never make a user's call wait."""
        free = self.lock.acquire(blocking=False)
        try:
            yield free and self._repl is not None
        finally:
            if free:
                self.lock.release()

    def check(self, probe: bool = False, wait: float = 1.0) -> bool | None:
        """Keepalive for an idle link. None when an exchange holds it (nothing done).

        Takes in what the board sent since the last exchange (a board thread's prints go
        out at once), and notices a vanished port or a board that reset. ``probe`` also
        sends an empty program: the board answers ``OK`` without running any Python, so
        board threads and globals are untouched; no answer within ``wait`` seconds counts
        as a dead board. A dead link is dropped (``LinkLost``), as a failed exchange would.
        Returns whether the link is up.
        """
        if not self.lock.acquire(blocking=False):
            return None
        try:
            repl = self._repl
            if repl is None:
                return False
            if self._resync:  # the next exchange resynchronises; a probe would get in its way
                return True
            while repl.fill(0):
                pass
            data = bytes(repl.buf)
            repl.buf.clear()
            self._take_idle_output(data)
            if probe:
                repl.write(KEEPALIVE)
                before = repl.accept("the keepalive", wait)
                # Then stdout \x04 stderr \x04 >, empty unless a board thread printed.
                rest = repl.read_until(CTRL_D + b">", "the keepalive reply", wait)[:-2]
                self._take_idle_output(before + rest.replace(CTRL_D, b""))
                self.last_ok = time.time()
        except DeviceTimeoutError:
            self.drop(f"the board stopped answering (no reply to a keepalive in {wait:g} s)")
            return False
        except ConnectionLost as e:
            self.drop(str(e))
            return False
        finally:
            self.lock.release()
        return True

    def _take_idle_output(self, data: bytes) -> None:
        """Output that came while no exchange ran (a board thread's prints), or a reset."""
        if not data:
            return
        self._idle_out.feed(data)
        self._idle_tail = (self._idle_tail + data)[-RESET_WINDOW:]
        if shows_restart(self._idle_tail):  # the same signs an exchange looks for first
            raise BoardReset(None)


class Resumption(NamedTuple):
    """What :meth:`Connection.resume` found. ``kept``: the board kept the session (nothing
    to replay). ``missed``: the reply to the call in flight, framed by the board but lost
    on the way (None: that call never started, or the board did not keep the session).
    ``interrupted``: something still ran and got Ctrl-C."""

    kept: bool
    missed: Reply | None
    interrupted: bool


def _session_record(repl: RawRepl) -> tuple[str, tuple[int, str, str]] | None:
    """The board's (session id, (replies framed, last kind, last payload)), or None when
    the board has no runtime of ours."""
    marker = secrets.token_hex(4)
    try:
        out = repl.exec_raw(session_query(marker)).decode(errors="replace")
    except PyboardException:  # not a MicroPython that runs our query: not our session
        return None
    parts = out.split(marker)  # a board thread may print around the record, not inside it
    try:
        sid, record = ast.literal_eval(parts[1]) if len(parts) > 2 else (None, None)
    except (ValueError, SyntaxError):
        return None
    if not isinstance(sid, str) or not isinstance(record, list) or len(record) != 3:
        return None
    return sid, (record[0], record[1], record[2])


def _sequence_mark(n: int) -> bytes:
    """What follows the reply token in the reply of pipelined call ``n``: ``7.`` (the dot
    ends it, so no mark is the start of another)."""
    return f"{n}.".encode()


def _is_local(port: str) -> bool:
    """A serial port on this machine (not a network link or a USB spec)."""
    return not port.lower().startswith(("ws://", "wss://", "usb:"))
