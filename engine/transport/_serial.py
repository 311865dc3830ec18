"""Serial ports (USB CDC, UART adapters, the virtual board's pty) through pyserial."""

from __future__ import annotations

import contextlib
import os
import select

import serial

from ..exceptions import ConnectionLost, DeviceNotFoundError, PortBusyError
from ._base import Transport
from ._fd import write_all
from ._ports import describe_ports


def configure_serial(port: str, baudrate: int, lines: tuple[bool, bool] | None) -> serial.Serial:
    """A closed pyserial port set up the way boards need, ready for ``open()``.

    Exclusive: a second tool on the same port would steal half the replies of each, so it
    gets a clear "busy" instead (pyserial takes an ``flock`` on POSIX; Windows ports are
    exclusive anyway). ``lines``: (DTR, RTS) levels set before the port opens, so that
    pyserial applies them with the open, or None for its default (see
    ``reset_line_levels``: why ESP boards behind a USB-UART bridge need this).
    """
    ser = serial.Serial(None, baudrate, timeout=0, exclusive=True)
    ser.port = port
    if lines is not None:
        ser.dtr, ser.rts = lines
    return ser


def _is_busy(e: serial.SerialException) -> bool:
    """pyserial's words for a port another program holds (flock EAGAIN; Windows' access
    denied)."""
    text = str(e)
    return "exclusively lock" in text or "Access is denied" in text or "[Errno 16]" in text


class SerialTransport(Transport):
    """A pyserial port. On POSIX, reads go straight to the file descriptor with ``select``,
    which saves pyserial's per-call bookkeeping on the hot path of small task calls."""

    def __init__(
        self, port: str, baudrate: int = 115200, lines: tuple[bool, bool] | None = None
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.description = port
        self._ser = configure_serial(port, baudrate, lines)
        try:
            self._ser.open()
        except serial.SerialException as e:
            if not os.path.exists(port) and not port.upper().startswith("COM"):
                raise DeviceNotFoundError(
                    f"no serial port {port!r}; ports here: {describe_ports()}"
                ) from None
            if _is_busy(e):
                raise PortBusyError(
                    f"{port} is busy: another program has it open (mpremote, Thonny, a "
                    "serial monitor?); close that and try again"
                ) from None
            raise DeviceNotFoundError(f"cannot open {port}: {e}") from None
        self._fd: int | None = getattr(self._ser, "fd", None)

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
        try:
            if self._ser.timeout != timeout:
                self._ser.timeout = timeout
            first = self._ser.read(1)
            if not first:
                return b""
            return first + self._ser.read(self._ser.in_waiting)
        except (serial.SerialException, OSError) as e:
            raise ConnectionLost(f"lost {self.port}: {e}") from None

    def write(self, data: bytes | memoryview) -> None:
        try:
            if self._fd is None:
                self._ser.write(data)
                return
            write_all(self._fd, data)
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
        return self.baudrate // 10

    @property
    def control_lines(self) -> tuple[bool, bool]:
        """(DTR, RTS) as this side drives them (see :func:`configure_serial`)."""
        return self._ser.dtr, self._ser.rts

    def close(self) -> None:
        with contextlib.suppress(OSError, serial.SerialException):
            self._ser.close()
