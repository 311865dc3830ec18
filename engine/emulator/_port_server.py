"""A serial port server in front of the virtual board: what ser2net, or pyserial's own
``rfc2217_server.py``, does for a board attached to a lab machine.

Two protocols, as ser2net offers them: RFC 2217 (``rfc2217://``: telnet with port settings;
pyserial's :class:`serial.rfc2217.PortManager` speaks it, this module only moves bytes) and
raw TCP (``socket://``: the bytes as they are). The server keeps listening while the board is
unplugged, as ser2net does when a cable is pulled on its side: a client that connects then
has its connection closed at once, and the board's port is opened again for the next one.
One client at a time; a second is closed, as ser2net does for a port in use.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
from collections.abc import Callable, Iterable

import serial
from serial.rfc2217 import PortManager

from ..exceptions import FeatureUnavailableError
from ._listener import Listener
from ._webrepl_server import parse_address

SCHEMES = ("rfc2217", "socket")


class _BoardPort(serial.Serial):
    """The board's pty as pyserial sees it, minus modem lines: a pseudo-terminal has none,
    so the client's DTR/RTS settings are accepted and dropped, and the lines read as a
    ready device's."""

    def _update_dtr_state(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    @property
    def cts(self) -> bool:
        return True

    @property
    def dsr(self) -> bool:
        return True

    @property
    def cd(self) -> bool:
        return True

    @property
    def ri(self) -> bool:
        return False


class PortServer:
    """Serves the serial port at ``board_port`` on ``url``: ``rfc2217://HOST:PORT`` or
    ``socket://HOST:PORT`` (port 0: any free one; ``url`` says which once started)."""

    def __init__(self, url: str, board_port: str) -> None:
        scheme, sep, address = url.partition("://")
        if not sep or scheme not in SCHEMES:
            raise FeatureUnavailableError(
                f"a port server URL is rfc2217://HOST:PORT or socket://HOST:PORT, got {url!r}"
            )
        self.scheme = scheme
        host, port = parse_address(address, "port server")
        self.board_port = board_port
        self._listener = Listener(host, port, "port-accept", self._take)
        self._client: socket.socket | None = None

    def __repr__(self) -> str:
        return f"<PortServer {self.url}>"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self._listener.host}:{self._listener.port}"

    @property
    def serving(self) -> bool:
        return self._listener.serving

    def start(self) -> None:
        self._listener.start(self.url)

    def stop(self) -> None:
        self._listener.stop()
        client = self._client
        if client is not None:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)

    def _take(self, sock: socket.socket) -> None:
        if self._client is not None:
            sock.close()
            return
        self._client = sock
        threading.Thread(target=self._serve, args=(sock,), name="port-session", daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        """One client until either side goes: network -> board here, board -> network in
        a second thread."""
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                port = _BoardPort(self.board_port, timeout=0)
            except (serial.SerialException, OSError):
                return  # the board is unplugged: the client learns it at once
            to_board, to_client = self._codec(port, sock)
            done = threading.Event()
            out = threading.Thread(
                target=_board_to_client, args=(port, sock, to_client, done), daemon=True
            )
            out.start()
            try:
                while data := sock.recv(4096):
                    port.write(to_board(data))
            except (OSError, serial.SerialException):
                pass
            finally:
                done.set()
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                out.join(5)
                port.close()
        finally:
            sock.close()
            self._client = None

    def _codec(
        self, port: _BoardPort, sock: socket.socket
    ) -> tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]:
        """(client bytes -> board bytes, board bytes -> client bytes) for the protocol."""
        if self.scheme == "socket":
            return bytes, bytes
        lock = threading.Lock()

        def send(data: bytes) -> None:
            with lock:
                sock.sendall(data)

        manager = PortManager(port, _Connection(send))
        return _joined(manager.filter), _joined(manager.escape)


def _joined(transform: Callable[[bytes], Iterable[bytes]]) -> Callable[[bytes], bytes]:
    return lambda data: b"".join(transform(data))


def _board_to_client(
    port: _BoardPort,
    sock: socket.socket,
    to_client: Callable[[bytes], bytes],
    done: threading.Event,
) -> None:
    try:
        while not done.is_set():
            ready, _, _ = select.select([port.fd], [], [], 0.25)
            if ready:
                data = os.read(port.fd, 65536)
                if not data:
                    break
                sock.sendall(to_client(data))
    except OSError:
        pass  # EIO: the pty's board end closed (unplugged); or the client left
    if not done.is_set():  # the board went away: so does the client
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _Connection:
    """What PortManager writes its telnet replies to."""

    def __init__(self, send: Callable[[bytes], None]) -> None:
        self.write = send
