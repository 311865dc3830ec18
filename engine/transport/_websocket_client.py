"""A blocking websocket client on the ``websockets`` package's sans-I/O protocol.

websockets' threaded client decodes each text frame as UTF-8 and fails the connection when
one is not valid, but a board's REPL output is bytes: a print cut mid-character by the
board's buffering arrives as two text frames, neither valid alone. Here frames keep their
type and their bytes. There is no background thread either: reads run on the caller's
thread (one hop less per round trip); writes may come from any thread (Ctrl-C during a call).
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading
import time
from collections import deque

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

# websockets logs every frame at DEBUG level, the login frame with the password included.
# This logger is nobody's child and stays at WARNING: no logging setup can turn that on.
_QUIET = logging.Logger("engine.webrepl.websocket", logging.WARNING)


class WebsocketClosed(Exception):
    """The connection is closed (by either side, or by the network)."""


class WebsocketClient:
    """A client connection over ``sock``; the constructor does the HTTP handshake and raises
    websockets' ``InvalidHandshake`` or ``TimeoutError`` when it fails."""

    def __init__(self, sock: socket.socket, url: str, timeout: float) -> None:
        self._sock = sock
        self._protocol = ClientProtocol(parse_uri(url), max_size=None, logger=_QUIET)
        self._lock = threading.Lock()  # the protocol's state, between senders and the reader
        self._frames: deque[tuple[bool, bytes]] = deque()  # (is text, payload), in order
        self._last_text = True  # the type that a continuation frame continues
        self._eof = False
        with self._lock:
            self._protocol.send_request(self._protocol.connect())
            self._flush()
        deadline = time.monotonic() + timeout
        while self._protocol.state is State.CONNECTING and not self._protocol.handshake_exc:
            left = deadline - time.monotonic()
            if left <= 0 or not self._receive(left):
                raise TimeoutError(f"no websocket handshake within {timeout:g}s")
        if self._protocol.handshake_exc is not None:
            raise self._protocol.handshake_exc

    def recv(self, timeout: float | None) -> tuple[bool, bytes] | None:
        """The next data frame as (is text, payload), or None when ``timeout`` passes."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._frames:
            if self._eof or self._protocol.state is not State.OPEN:
                raise WebsocketClosed
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not self._receive(left):
                return None
        return self._frames.popleft()

    def send(self, data: bytes, text: bool) -> None:
        with self._lock:
            if self._protocol.state is not State.OPEN:
                raise WebsocketClosed
            if text:
                self._protocol.send_text(data)
            else:
                self._protocol.send_binary(data)
            self._flush()

    def close(self, timeout: float = 2.0) -> None:
        """Send a close frame, wait briefly for the peer's, and close the socket."""
        with self._lock:
            if self._protocol.state is State.OPEN:
                self._protocol.send_close()
                with contextlib.suppress(WebsocketClosed):
                    self._flush()
        deadline = time.monotonic() + timeout
        while not self._eof and (left := deadline - time.monotonic()) > 0:
            if not self._receive(left):
                break
        self._sock.close()

    def _receive(self, timeout: float | None) -> bool:
        """Feed what arrives within ``timeout`` to the protocol; False if nothing came."""
        try:
            ready, _, _ = select.select([self._sock], [], [], timeout)
            if not ready:
                return False
            data = self._sock.recv(65536)
        except (OSError, ValueError):
            data = b""  # a reset or a closed socket ends the stream like EOF
        with self._lock:
            if self._eof:
                return True
            if data:
                self._protocol.receive_data(data)
            else:
                self._eof = True
                self._protocol.receive_eof()
            events = self._protocol.events_received()
            with contextlib.suppress(WebsocketClosed):
                self._flush()  # pongs and close replies
        for event in events:
            if isinstance(event, Frame) and event.opcode in (Opcode.TEXT, Opcode.BINARY):
                self._last_text = event.opcode is Opcode.TEXT
                self._frames.append((self._last_text, bytes(event.data)))
            elif isinstance(event, Frame) and event.opcode is Opcode.CONT:
                self._frames.append((self._last_text, bytes(event.data)))
        return True

    def _flush(self) -> None:
        try:
            for chunk in self._protocol.data_to_send():
                if chunk:
                    self._sock.sendall(chunk)
                else:  # the protocol's signal to half-close
                    self._sock.shutdown(socket.SHUT_WR)
        except OSError:
            raise WebsocketClosed from None
