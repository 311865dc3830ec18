"""The virtual board's WebREPL endpoint: what ``webrepl.start()`` serves on a board.

One client at a time: a second connection is closed before the handshake, as a board does.
The session asks ``Password: ``, compares at most 10 typed characters with the password,
answers ``WebREPL connected`` or ``Access denied`` (and closes). Then text frames are the
REPL, bridged to the board by opening its own serial port like any client and relaying both
ways, and binary frames are the file channel (``_webrepl_files``).

``latency`` adds that many seconds of round-trip time, half each way, as WiFi would.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from functools import partial
from pathlib import Path

from .._secret import Secret
from ..exceptions import BelayException, ConnectionLost, FeatureUnavailableError
from ..transport import SerialTransport
from ..transport import _webrepl_protocol as wire
from ._delay import DelayLine
from ._listener import Listener
from ._webrepl_files import FileChannel
from ._websocket import (
    BINARY,
    CLOSE,
    TEXT,
    FrameReader,
    WebsocketError,
    encode_frame,
    server_handshake,
)

_TYPED_MAX = 10  # a board keeps this many typed password characters
LEAVER_GRACE = 1.0  # seconds a new client waits for the session of one that left to end
LIVE_GRACE = 0.1  # ... and for a session that looks live to turn out to be leaving


def parse_address(address: str, what: str = "WebREPL") -> tuple[str, int]:
    """``HOST:PORT`` (port 0: any free port) -> (host, port), with a one-line error."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise FeatureUnavailableError(f"{what} address must be HOST:PORT, got {address!r}")
    return host, int(port)


def check_password(password: Secret | None) -> Secret:
    """A board's WebREPL needs a password of 1 to 9 characters (``_webrepl.password``)."""
    if password is None or not 0 < len(password) <= wire.MAX_PASSWORD:
        raise FeatureUnavailableError(
            f"a WebREPL password has 1 to {wire.MAX_PASSWORD} characters, as on boards"
            + (f" (this one has {len(password)})" if password is not None else "")
        )
    if any(c in password.reveal() for c in "\r\n"):
        raise FeatureUnavailableError("a WebREPL password cannot contain a line end")
    return password


class WebreplServer:
    """Serves WebREPL on ``host:port`` for the board whose serial port is ``board_port`` and
    whose filesystem is ``root``. :meth:`start` and :meth:`stop` follow the board's power."""

    def __init__(
        self,
        address: str,
        password: Secret | None,
        board_port: str,
        root: Path,
        latency: float = 0.0,
    ) -> None:
        host, port = parse_address(address)
        self._password = check_password(password)
        self.board_port = board_port
        self.root = root
        self.latency = latency
        self._listener = Listener(host, port, "webrepl-accept", self._take)
        self._session: _Session | None = None
        self._lock = threading.RLock()
        self._freed = threading.Condition(self._lock)  # notified when a session ends
        self._back_at = 0.0  # monotonic end of a WiFi outage (0: none)

    def __repr__(self) -> str:
        return f"<WebreplServer {self.url}>"

    @property
    def url(self) -> str:
        return f"ws://{self._listener.host}:{self._listener.port}"

    def start(self) -> None:
        self._listener.start(f"WebREPL on {self.url}")  # a replug comes back on the same port

    def stop(self) -> None:
        """Stop listening and drop the client (the board lost power)."""
        self._back_at = 0.0
        self._stop_listening()
        self.drop_client()

    def outage(self, seconds: float) -> None:
        """The board's WiFi drops for ``seconds``: its client is cut and new connections are
        refused (nothing listens) until it is back, while the board runs on."""
        self._back_at = time.monotonic() + seconds
        self._stop_listening()
        self.drop_client()
        threading.Thread(target=self._outage_ends, name="webrepl-wifi", daemon=True).start()

    def _outage_ends(self) -> None:
        while (left := self._back_at - time.monotonic()) > 0:
            time.sleep(min(left, 0.05))  # a simulated radio's downtime: nothing to wait on
        with self._lock:
            if self._back_at and not self._listener.serving:
                self._back_at = 0.0
                self.start()

    def _stop_listening(self) -> None:
        self._listener.stop()

    def drop_client(self, wait: bool = True) -> None:
        """End the current session, as a board's reboot does. ``wait=False``: end it from
        another thread (the session is chosen now, so a client that connects meanwhile
        stays)."""
        session = self._session
        if session is None:
            return
        if wait:
            session.end()
        else:
            threading.Thread(target=session.end, name="webrepl-drop", daemon=True).start()

    def _take(self, sock: socket.socket) -> None:
        """A client connected (from the listener's accept thread)."""
        if not self._wait_for_leaver():
            sock.close()  # a board rejects a concurrent connection outright
            return
        with self._lock:
            if self._session is not None or not self._listener.serving:
                sock.close()
                return
            try:
                session = self._session = _Session(self, sock)
            except OSError:  # the client already left
                sock.close()
                return
        session.start()

    def _wait_for_leaver(self) -> bool:
        """Whether the slot is free, once a session whose client has just left has wound
        down: a client that reconnects right after a drop gets a handshake, not a closed
        socket. A live session keeps the slot (False), as on a board."""
        start = time.monotonic()
        with self._freed:
            while (session := self._session) is not None:
                leaving = session.leaving or session.client_gone()
                if time.monotonic() - start > (LEAVER_GRACE if leaving else LIVE_GRACE):
                    return False
                self._freed.wait(0.02)  # woken early when the session ends
        return True

    def _ended(self, session: _Session) -> None:
        with self._freed:
            if self._session is session:
                self._session = None
            self._freed.notify_all()

    def _password_matches(self, typed: bytes) -> bool:
        return typed == self._password.reveal().encode()


class _Session:
    """One client: handshake, login, then the bridge to the board and the file channel."""

    def __init__(self, server: WebreplServer, sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = sock.makefile("rb")
        self.frames = FrameReader(self.reader)
        half = server.latency / 2
        self.outbound = DelayLine(half, "webrepl-out")
        self.inbound = DelayLine(half, "webrepl-in")
        self.files = FileChannel(server.root, lambda data: self.send(BINARY, data))
        self.serial: SerialTransport | None = None
        # The board thread owns the serial port and closes it itself once the session's
        # other threads are done with it: a port closed under a reader's feet frees a file
        # descriptor number that a new connection may get.
        self._board_thread = threading.Thread(
            target=self._from_board, name="webrepl-board", daemon=True
        )
        self._ended = threading.Event()  # end() has begun
        self._quiet = threading.Event()  # end() has stopped everything else
        self._end_lock = threading.Lock()

    def start(self) -> None:
        threading.Thread(target=self._run, name="webrepl-session", daemon=True).start()

    @property
    def leaving(self) -> bool:
        """The session is ending (its client left, or the board dropped it)."""
        return self._ended.is_set()

    def client_gone(self) -> bool:
        """Whether the client has closed its end (the session may not have noticed yet)."""
        try:
            ready, _, _ = select.select([self.sock], [], [], 0)
            return bool(ready) and not self.sock.recv(1, socket.MSG_PEEK)
        except (OSError, ValueError):
            return True

    def send(self, opcode: int, payload: bytes) -> None:
        for i in range(0, max(len(payload), 1), wire.MAX_FRAME):
            frame = encode_frame(opcode, payload[i : i + wire.MAX_FRAME])
            self.outbound.put(partial(self.sock.sendall, frame))

    def _run(self) -> None:
        try:
            server_handshake(self.reader, self.sock)
            self.send(TEXT, wire.PASSWORD_PROMPT)
            first = self._login()
            if first is None:
                return
            frame: tuple[int, bytes] | None = first
            while frame is not None:
                opcode, payload = frame
                if opcode == CLOSE:
                    self.send(CLOSE, b"")
                    return
                self._to_board(opcode, payload)
                frame = self.frames.read()
        except (WebsocketError, OSError, ValueError):
            pass  # a broken or vanished client: the session ends as on a board
        finally:
            self.end()
            self.reader.close()

    def _login(self) -> tuple[int, bytes] | None:
        """Read the typed password; return what followed its line end in the same frame."""
        typed = bytearray()
        while (frame := self.frames.read()) is not None:
            opcode, payload = frame
            if opcode == CLOSE:
                self.send(CLOSE, b"")
                return None
            if opcode not in (TEXT, BINARY):
                continue  # pings and pongs: a board ignores them
            for i, byte in enumerate(payload):
                if byte in b"\r\n":
                    if self.server._password_matches(bytes(typed)):
                        if not self._open_board():
                            return None
                        self.send(TEXT, wire.CONNECTED)  # before any of the board's output
                        self._board_thread.start()
                        return opcode, payload[i + 1 :]
                    self.send(TEXT, wire.DENIED)
                    return None
                if len(typed) < _TYPED_MAX:
                    typed.append(byte)
        return None

    def _open_board(self) -> bool:
        try:
            self.serial = SerialTransport(self.server.board_port)
        except BelayException as e:
            self.send(TEXT, f"\r\nvirtual board: {e}\r\n".encode())
            return False
        return True

    def _to_board(self, opcode: int, payload: bytes) -> None:
        serial = self.serial
        if opcode == TEXT and serial is not None:
            self.inbound.put(lambda: serial.write(payload))
        elif opcode == BINARY:
            self.inbound.put(lambda: self.files.feed(payload))

    def _from_board(self) -> None:
        serial = self.serial
        if serial is None:
            return
        try:
            while not self._quiet.is_set():
                data = serial.read(0.25)
                if data:
                    self.send(TEXT, data)
        except ConnectionLost:
            self.end()  # the board went away
        finally:
            serial.close()

    def end(self) -> None:
        """Close the session (idempotent, from any thread)."""
        with self._end_lock:
            if self._ended.is_set():
                return
            self._ended.set()
        self.inbound.stop()
        self.outbound.stop()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.files.close()
        self._quiet.set()
        if self._board_thread.ident is None:
            if self.serial is not None:
                self.serial.close()  # opened, but the login never finished
        elif threading.current_thread() is not self._board_thread:
            self._board_thread.join(5)  # the port is free before the next client comes
        self.server._ended(self)
