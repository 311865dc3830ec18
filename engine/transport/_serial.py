"""Serial ports (USB CDC, UART adapters, the virtual board's pty) through pyserial, and
serial ports on other machines: ``rfc2217://host:port`` (RFC 2217, as ser2net and pyserial's
own server speak it) and ``socket://host:port`` (raw TCP) through ``serial_for_url``."""

from __future__ import annotations

import contextlib
import os
import select
import time
from urllib.parse import urlsplit

import serial

from ..exceptions import ConnectionFailedError, ConnectionLost, DeviceNotFoundError
from ._base import Transport
from ._ports import describe_ports

#: URL schemes of serial ports reached over the network.
NETWORK_SCHEMES = ("rfc2217://", "socket://")
# How long one blocking pyserial read waits on ports read without a file descriptor: a
# constant, since changing an RFC 2217 port's timeout renegotiates the port settings.
_POLL = 0.05


def is_network_port(port: str) -> bool:
    """Whether ``port`` is a serial port on another machine (``rfc2217://``, ``socket://``)."""
    return port.lower().startswith(NETWORK_SCHEMES)


class SerialTransport(Transport):
    """A pyserial port. On POSIX, reads go straight to the file descriptor with ``select``
    (a raw TCP port's socket included), which saves pyserial's per-call bookkeeping on the
    hot path of small task calls."""

    def __init__(self, port: str, baudrate: int = 115200) -> None:
        self.port = port
        self.baudrate = baudrate
        self.description = port
        self.network = is_network_port(port)
        self._ser = self._open()
        self._fd: int | None = getattr(self._ser, "fd", None)
        if self._fd is None and port.lower().startswith("socket://") and os.name == "posix":
            self._fd = self._ser.fileno()

    def _open(self) -> serial.SerialBase:
        port = self.port
        if self.network:
            _check_url(port)
        try:
            if self.network:
                return serial.serial_for_url(port, self.baudrate, timeout=_POLL)
            return serial.Serial(port, self.baudrate, timeout=_POLL, exclusive=True)
        except serial.SerialException as e:
            if self.network:
                raise ConnectionFailedError(
                    f"cannot reach {port}: {_reason(e, port)} (is the port server running "
                    "there, with the board attached?)"
                ) from None
            if not os.path.exists(port) and not port.upper().startswith("COM"):
                raise DeviceNotFoundError(
                    f"no serial port {port!r}; ports here: {describe_ports()}"
                ) from None
            raise DeviceNotFoundError(f"cannot open {port}: {e}") from None

    def read(self, timeout: float | None) -> bytes:
        if self._fd is None:
            return self._read_portable(timeout)
        try:
            ready, _, _ = select.select([self._fd], [], [], timeout)
            if not ready:
                return b""
            data = os.read(self._fd, 65536)
        except (OSError, ValueError, TypeError) as e:
            raise ConnectionLost(f"lost {self.port}: {e}") from None
        if not data:
            raise ConnectionLost(f"lost {self.port}: the device went away")
        return data

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

    def write(self, data: bytes) -> None:
        try:
            if self._fd is None:
                self._ser.write(data)
                return
            view = memoryview(data)
            while view:
                try:
                    n = os.write(self._fd, view)
                except BlockingIOError:
                    select.select([], [self._fd], [], 1.0)
                    continue
                view = view[n:]
        except (OSError, serial.SerialException, ValueError, TypeError) as e:
            raise ConnectionLost(f"lost {self.port}: {e}") from None

    @property
    def in_waiting(self) -> int:
        try:
            return self._ser.in_waiting
        except (OSError, serial.SerialException) as e:
            raise ConnectionLost(f"lost {self.port}: {e}") from None

    @property
    def bytes_per_second(self) -> int:
        # A raw TCP port has no baud rate; an RFC 2217 server sets the one asked for.
        return 0 if self.port.lower().startswith("socket://") else self.baudrate // 10

    def close(self) -> None:
        with contextlib.suppress(OSError, serial.SerialException):
            self._ser.close()


def _check_url(port: str) -> None:
    """``scheme://HOST:PORT[?options]``, or a one-line error before pyserial sees it."""
    parts = urlsplit(port)
    try:
        number = parts.port
    except ValueError:
        number = None
    if not parts.hostname or not number:
        raise ConnectionFailedError(f"expected {parts.scheme}://HOST:PORT, got {port!r}")


def _reason(error: Exception, port: str) -> str:
    """pyserial's message without its ``Could not open port URL:`` preamble."""
    return str(error).removeprefix(f"Could not open port {port}: ")
