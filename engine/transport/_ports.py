"""Finding serial ports: listing them, recognising boards, choosing the one to use, and
``usb:VID:PID[:SERIAL]`` lookups.

Matching by USB identity means a board that re-enumerates under another name (ttyACM0 ->
ttyACM1) is found again without udev rules. Everything here but :func:`list_ports` is a
pure function of a port list, so recorded lists test it without hardware.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from ..exceptions import DeviceNotFoundError, InsufficientSpecifierError


@dataclass(frozen=True)
class PortInfo:
    """What we need of pyserial's ``ListPortInfo``; also built from recorded lists in tests."""

    device: str
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    description: str = ""
    manufacturer: str = ""
    product: str = ""
    location: str = ""  # where it hangs on the USB tree, e.g. "1-1.4:1.0"

    @property
    def usb_id(self) -> str | None:
        if self.vid is None or self.pid is None:
            return None
        spec = f"usb:{self.vid:04x}:{self.pid:04x}"
        return f"{spec}:{self.serial_number}" if self.serial_number else spec

    @property
    def vid_pid(self) -> str:
        """``2e8a:0005``, or ``""`` for a port with no USB identity."""
        return "" if self.vid is None or self.pid is None else f"{self.vid:04x}:{self.pid:04x}"

    @property
    def looks_like(self) -> str:
        """What the USB identity suggests is on the other end (see :data:`KNOWN_IDS`)."""
        return board_kind(self)

    @property
    def label(self) -> str:
        """``/dev/ttyACM0 (2e8a:0005, serial E6614C31)``: enough to tell boards apart."""
        about = [self.vid_pid or self.description or "serial"]
        if self.serial_number:
            about.append(f"serial {self.serial_number}")
        return f"{self.device} ({', '.join(about)})"


# USB ids that tell what a port is, as Thonny and Mu recognise them: Thonny's
# plugins/rp2040 and plugins/microbit (get_known_usb_vids_pids), plugins/circuitpython (every
# Adafruit 0x239a product, a table Thonny copied from Mu's modes/circuitpython.py), and
# plugins/micropython/mp_front.py get_uart_adapter_vids_pids (USB-UART bridges, which is how
# ESP8266 and most ESP32 boards reach USB). 0xf055 is MicroPython's own vendor id (pyboard
# and the ports that enumerate as "MicroPython"). mpremote recognises no ids: its
# ``connect auto`` takes the first port with a USB vid:pid; :func:`pick_board` takes one only
# when it is the only one.
MICROPYTHON = "micropython"
CIRCUITPYTHON = "circuitpython"
USB_UART = "usb-uart bridge (ESP8266/ESP32 boards)"
KNOWN_IDS: dict[tuple[int, int | None], str] = {
    (0xF055, None): MICROPYTHON,  # MicroPython's vendor id: pyboard 9800, generic 9802
    (0x2E8A, 0x0005): MICROPYTHON,  # Raspberry Pi Pico running MicroPython
    (0x0D28, 0x0204): MICROPYTHON,  # BBC micro:bit (DAPLink)
    (0x239A, None): CIRCUITPYTHON,  # Adafruit: every CircuitPython board of theirs
    (0x1A86, 0x7523): USB_UART,  # CH340
    (0x1A86, 0x5523): USB_UART,  # CH341
    (0x1A86, 0x55D4): USB_UART,  # CH9102F
    (0x10C4, 0xEA60): USB_UART,  # CP210x
    (0x0403, 0x6001): USB_UART,  # FT232
    (0x0403, 0x6010): USB_UART,  # FT2232 (ESP-WROVER-KIT)
    (0x0403, 0x6011): USB_UART,  # FT4232
    (0x0403, 0x6014): USB_UART,  # FT232H
    (0x0403, 0x6015): USB_UART,  # FT X-series
    (0x303A, 0x1001): USB_UART,  # Espressif's built-in USB-serial/JTAG (ESP32-C3/S3)
}


def board_kind(port: PortInfo) -> str:
    """``micropython``, ``circuitpython``, a USB-UART bridge, or ``""`` when unknown.

    MicroPython's TinyUSB ports name themselves in the USB manufacturer string, which Thonny
    also trusts; any other id is looked up in :data:`KNOWN_IDS`.
    """
    if port.manufacturer == "MicroPython":
        return MICROPYTHON
    if port.vid is None:
        return ""
    return KNOWN_IDS.get((port.vid, port.pid)) or KNOWN_IDS.get((port.vid, None), "")


def reset_line_levels(port: PortInfo, os_name: str) -> tuple[bool, bool] | None:
    """(DTR, RTS) to set before opening ``port`` on ``os_name`` (``os.name``), or None to
    keep pyserial's default (both asserted).

    ESP8266 and ESP32 boards behind a USB-UART bridge wire DTR and RTS through two
    transistors to EN (reset) and GPIO0 (boot mode): one line asserted without the other
    resets the chip or, GPIO0 low, starts its ROM bootloader; both at one level leave it
    running. On POSIX the kernel raises both together when the port opens and drops both
    together when it closes (HUPCL), so the default is already safe, and clearing them
    after the open would take two ioctls, one line at a time: a reset pulse. On Windows
    pyserial applies the levels set before ``open()`` in the one SetCommState call, while
    with a vendor driver (CP210x, CH340) the default lets the lines change one at a time,
    which resets the chip on open and close; so, as mpremote does there, both are released
    (DTR False: GPIO0 high, a normal boot; RTS False: EN high, the chip runs). A native
    USB board (CDC-ACM) keeps the default everywhere: TinyUSB firmware sends nothing until
    the host raises DTR.
    """
    if os_name == "nt" and board_kind(port) == USB_UART:
        return False, False
    return None


def pick_board(ports: Iterable[PortInfo]) -> PortInfo:
    """The one attached USB serial board (mpremote's ``connect auto``).

    Raises :class:`DeviceNotFoundError` naming the candidates when there are several, and
    saying so when there is none.
    """
    usb = attached_boards(ports)
    if len(usb) == 1:
        return usb[0]
    if not usb:
        raise DeviceNotFoundError(
            "no board attached (no USB serial port here); pass a port, or 'virtual'"
        )
    names = "; ".join(p.label for p in usb)
    raise DeviceNotFoundError(f"{len(usb)} boards attached, pass one as the port: {names}")


def attached_boards(ports: Iterable[PortInfo]) -> list[PortInfo]:
    """The ports that may be boards: those with a USB identity. A UART such as /dev/ttyS0
    is on every PC whether or not a board hangs on it, so it is never a guess."""
    return [p for p in ports if p.vid is not None]


def list_ports() -> list[PortInfo]:
    from serial.tools import list_ports as lp

    return [
        PortInfo(
            p.device,
            p.vid,
            p.pid,
            p.serial_number,
            "" if p.description in (None, "n/a") else p.description,
            getattr(p, "manufacturer", None) or "",
            getattr(p, "product", None) or "",
            getattr(p, "location", None) or "",
        )
        for p in lp.comports()
    ]


def describe_ports(ports: Iterable[PortInfo] | None = None) -> str:
    ports = list(list_ports() if ports is None else ports)
    if not ports:
        return "none (try 'virtual' for the virtual board)"
    return ", ".join(f"{p.device} ({p.usb_id or p.description or 'serial'})" for p in ports)


@dataclass(frozen=True)
class UsbSpecifier:
    """Belay's way to name a board by what its USB port says about it:
    ``Device(UsbSpecifier(serial_number="E6614C31"))``. Every field given must match
    (strings without regard to case); ``device`` names the port outright and wins.

    A specifier of a vendor and product id (and serial number) alone becomes a
    ``usb:VID:PID[:SERIAL]`` port, so a reconnect finds the board again under another name;
    any other is looked up when the device connects.
    """

    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    manufacturer: str | None = None
    product: str | None = None
    location: str | None = None
    device: str | None = field(default=None, compare=False)

    def fields(self) -> dict[str, int | str]:
        """The fields given (``device`` aside): what a port must match."""
        named = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "device"}
        return {k: v for k, v in named.items() if v is not None}

    def matches(self, port: PortInfo) -> bool:
        return all(
            _fold(value) == _fold(getattr(port, key)) for key, value in self.fields().items()
        )

    def to_port(self, ports: Iterable[PortInfo] | None = None) -> str:
        """The path of the one listed port that matches (Belay's ``to_port``). Raises
        :class:`DeviceNotFoundError` for none, :class:`InsufficientSpecifierError` naming
        them for several."""
        if self.device:
            return self.device
        if not self.fields():
            raise InsufficientSpecifierError("a UsbSpecifier needs at least one field")
        ports = list(list_ports() if ports is None else ports)
        found = [p for p in ports if self.matches(p)]
        if not found:
            here = describe_ports(ports)
            raise DeviceNotFoundError(f"no port matches {self}; ports here: {here}")
        if len(found) > 1:
            names = "; ".join(p.label for p in found)
            raise InsufficientSpecifierError(
                f"{len(found)} ports match {self}: {names}; add a field such as serial_number"
            )
        return found[0].device

    def port(self) -> str:
        """What :class:`~engine.Device` opens: ``usb:VID:PID[:SERIAL]`` when that says it
        all (the form that follows a board to another name), else :meth:`to_port`."""
        given = set(self.fields())
        if self.device or not {"vid", "pid"} <= given <= {"vid", "pid", "serial_number"}:
            return self.to_port()
        spec = f"usb:{self.vid:04x}:{self.pid:04x}"
        return f"{spec}:{self.serial_number}" if self.serial_number else spec

    def __str__(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.fields().items()) or "an empty specifier"


def _fold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def usb_spec_from_json(text: str) -> str:
    """Belay's ``BELAY_DEVICE='{"vid": 11914, "pid": 5, "serial_number": "E66"}'`` (what
    ``belay select`` prints) as the port to open (see :meth:`UsbSpecifier.port`)."""
    try:
        spec = UsbSpecifier(**json.loads(text))
    except (ValueError, TypeError):
        raise DeviceNotFoundError(
            f"{text!r} is not a USB specification: give fields of a USB port, e.g. "
            '{"vid": 11914, "pid": 5, "serial_number": "E66"}'
        ) from None
    return spec.port()


def parse_usb_spec(spec: str) -> tuple[int, int, str | None]:
    """``usb:2e8a:0005[:SERIAL]`` -> (vid, pid, serial)."""
    parts = spec.split(":", 3)
    if len(parts) < 3 or parts[0].lower() != "usb":
        raise ValueError(f"not a USB port spec: {spec!r} (expected usb:VID:PID[:SERIAL])")
    try:
        vid, pid = int(parts[1], 16), int(parts[2], 16)
    except ValueError:
        raise ValueError(f"VID and PID must be hex in {spec!r}") from None
    return vid, pid, parts[3] if len(parts) == 4 and parts[3] else None


def _usb_matches(spec: str, ports: Iterable[PortInfo]) -> list[PortInfo]:
    vid, pid, serial_number = parse_usb_spec(spec)
    return [
        p
        for p in ports
        if p.vid == vid
        and p.pid == pid
        and (serial_number is None or (p.serial_number or "").lower() == serial_number.lower())
    ]


def find_usb_port(spec: str, ports: Iterable[PortInfo] | None = None) -> str:
    """The device path of the one port matching ``spec``; a clear error for none or many."""
    ports = list(list_ports() if ports is None else ports)
    matches = _usb_matches(spec, ports)
    if not matches:
        raise DeviceNotFoundError(f"no USB device {spec}; ports here: {describe_ports(ports)}")
    if len(matches) > 1:
        names = ", ".join(f"{p.device} ({p.usb_id})" for p in matches)
        raise DeviceNotFoundError(f"{spec} matches {len(matches)} devices ({names}); add :SERIAL")
    return matches[0].device


def port_info(port: str, ports: Iterable[PortInfo]) -> PortInfo | None:
    """The listed port that ``port`` names, directly or through a symlink such as
    /dev/serial/by-id/..., or None (a pseudo-terminal, a network link)."""
    real = os.path.realpath(port)
    for p in ports:
        if p.device == port or os.path.realpath(p.device) == real:
            return p
    return None


def usb_identity(port: str, ports: Iterable[PortInfo]) -> str | None:
    """The ``usb:VID:PID[:SERIAL]`` of the listed port that ``port`` names, or None for a
    port with no USB identity (a UART, a pseudo-terminal, a network link)."""
    info = port_info(port, [p for p in ports if p.usb_id])
    return info.usb_id if info else None


def locate_port(port: str, usb_id: str | None, ports: Iterable[PortInfo]) -> str:
    """Where a board that was at ``port`` is now.

    Without a USB identity the name is all we know. With one, the board keeps its old
    name when a port of that name still has that identity; otherwise it is the one port
    with that identity, under whatever name the system gave it this time. Raises
    :class:`DeviceNotFoundError` when no port (or more than one) fits.
    """
    if usb_id is None:
        return port
    ports = list(ports)
    matches = _usb_matches(usb_id, ports)
    if any(p.device == port for p in matches):
        return port
    if len(matches) == 1:
        return matches[0].device
    if not matches:
        raise DeviceNotFoundError(f"no USB device {usb_id}; ports here: {describe_ports(ports)}")
    names = ", ".join(p.device for p in matches)
    raise DeviceNotFoundError(
        f"{usb_id} matches {len(matches)} ports ({names}) and none is {port}; "
        "give the board's serial number (usb:VID:PID:SERIAL)"
    )
