"""Finding serial ports: listing them, and ``usb:VID:PID[:SERIAL]`` lookups.

Matching by USB identity means a board that re-enumerates under another name (ttyACM0 ->
ttyACM1) is found again without udev rules.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass

from ..exceptions import DeviceNotFoundError


@dataclass(frozen=True)
class PortInfo:
    """What we need of pyserial's ``ListPortInfo``; also built from recorded lists in tests."""

    device: str
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    description: str = ""

    @property
    def usb_id(self) -> str | None:
        if self.vid is None or self.pid is None:
            return None
        spec = f"usb:{self.vid:04x}:{self.pid:04x}"
        return f"{spec}:{self.serial_number}" if self.serial_number else spec


def list_ports() -> list[PortInfo]:
    from serial.tools import list_ports as lp

    return [
        PortInfo(p.device, p.vid, p.pid, p.serial_number, p.description or "")
        for p in lp.comports()
    ]


def describe_ports(ports: Iterable[PortInfo] | None = None) -> str:
    ports = list(list_ports() if ports is None else ports)
    if not ports:
        return "none (try 'virtual' for the virtual board)"
    return ", ".join(f"{p.device} ({p.usb_id or p.description or 'serial'})" for p in ports)


def usb_spec_from_json(text: str) -> str:
    """Belay's ``BELAY_DEVICE='{"vid": 11914, "pid": 5, "serial_number": "E66"}'`` (what
    ``belay select`` prints) as our ``usb:2e8a:0005:E66``."""
    try:
        spec = json.loads(text)
        vid, pid = int(spec["vid"]), int(spec["pid"])
    except (ValueError, TypeError, KeyError):
        raise DeviceNotFoundError(
            f"{text!r} is not a USB specification: give vid and pid, e.g. "
            '{"vid": 11914, "pid": 5}'
        ) from None
    serial = spec.get("serial_number")
    return f"usb:{vid:04x}:{pid:04x}" + (f":{serial}" if serial else "")


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


def usb_identity(port: str, ports: Iterable[PortInfo]) -> str | None:
    """The ``usb:VID:PID[:SERIAL]`` of the listed port that ``port`` names (directly or
    through a symlink such as /dev/serial/by-id/...), or None for a port with no USB
    identity (a UART, a pseudo-terminal, a network link)."""
    real = os.path.realpath(port)
    for p in ports:
        if p.usb_id and (p.device == port or os.path.realpath(p.device) == real):
            return p.usb_id
    return None


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
