"""Serial ports on other machines: ``rfc2217://host:port`` (RFC 2217, as ser2net and
pyserial's own server speak it) and ``socket://host:port`` (raw TCP), opened with pyserial's
``serial_for_url``. A board on a lab machine is then driven as if it were plugged in here."""

from __future__ import annotations

import os
import time
from urllib.parse import urlsplit

import serial

from ..exceptions import ConnectionFailedError, ConnectionLost
from ._serial import SerialTransport

#: URL schemes of serial ports reached over the network.
NETWORK_SCHEMES = ("rfc2217://", "socket://")
# How long one blocking pyserial read waits: a constant, since changing an RFC 2217 port's
# timeout renegotiates the port's settings with the server.
_POLL = 0.05


def is_network_port(port: str) -> bool:
    """Whether ``port`` is a serial port on another machine (``rfc2217://``, ``socket://``)."""
    return port.lower().startswith(NETWORK_SCHEMES)


class NetworkSerialTransport(SerialTransport):
    """A serial port served over the network. Reads of a raw TCP port go straight to its
    socket on POSIX, as a local port's go to its file descriptor; an RFC 2217 port is read
    through pyserial, which takes the telnet protocol out of the bytes."""

    def __init__(self, url: str, baudrate: int = 115200) -> None:
        _check_url(url)
        self.port = url
        self.baudrate = baudrate
        self.description = url
        try:
            self._ser = serial.serial_for_url(url, baudrate, timeout=_POLL)
        except serial.SerialException as e:
            reason = str(e).removeprefix(f"Could not open port {url}: ")
            raise ConnectionFailedError(
                f"cannot reach {url}: {reason} (is the port server running there, with the "
                "board attached?)"
            ) from None
        raw = url.lower().startswith("socket://")
        self._fd = self._ser.fileno() if raw and os.name == "posix" else None

    def _read_portable(self, timeout: float | None) -> bytes:
        """Through pyserial, whose own timeout stays at ``_POLL``: waits in steps of it."""
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                if waiting := self._ser.in_waiting:
                    return self._ser.read(waiting)
                if deadline is not None and time.monotonic() >= deadline:
                    return b""
                if first := self._ser.read(1):
                    return first + self._ser.read(self._ser.in_waiting)
        except (serial.SerialException, OSError) as e:
            raise ConnectionLost(f"lost {self.port}: {e}") from None

    @property
    def bytes_per_second(self) -> int:
        # A raw TCP port has no baud rate; an RFC 2217 server sets the one asked for.
        return 0 if self.port.lower().startswith("socket://") else super().bytes_per_second


def _check_url(url: str) -> None:
    """``scheme://HOST:PORT[?options]``, or a one-line error before pyserial sees it."""
    parts = urlsplit(url)
    try:
        number = parts.port
    except ValueError:
        number = None
    if not parts.hostname or not number:
        raise ConnectionFailedError(f"expected {parts.scheme}://HOST:PORT, got {url!r}")
