"""Serial ports (USB CDC, UART adapters, the virtual board's pty) through pyserial."""

from __future__ import annotations

import contextlib
import os
import select

import serial

from ..exceptions import ConnectionLost, DeviceNotFoundError
from ._base import Transport
from ._ports import describe_ports


class SerialTransport(Transport):
    """A pyserial port. On POSIX, reads go straight to the file descriptor with ``select``,
    which saves pyserial's per-call bookkeeping on the hot path of small task calls."""

    def __init__(self, port: str, baudrate: int = 115200) -> None:
        self.port = port
        self.baudrate = baudrate
        self.description = port
        try:
            self._ser = serial.Serial(port, baudrate, timeout=0, exclusive=True)
        except serial.SerialException as e:
            if not os.path.exists(port) and not port.upper().startswith("COM"):
                raise DeviceNotFoundError(
                    f"no serial port {port!r}; ports here: {describe_ports()}"
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
        return self.baudrate // 10

    def close(self) -> None:
        with contextlib.suppress(OSError, serial.SerialException):
            self._ser.close()
