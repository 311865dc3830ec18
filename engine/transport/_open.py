"""Choosing a transport from a port string."""

from __future__ import annotations

from ..exceptions import FeatureUnavailableError
from ._base import Transport
from ._ports import find_usb_port
from ._serial import SerialTransport


def open_transport(port: str, *, baudrate: int = 115200, password: str | None = None) -> Transport:
    """Open ``port``: a serial path or ``COMn``, or ``usb:VID:PID[:SERIAL]``."""
    if port.startswith(("ws://", "wss://")):
        raise FeatureUnavailableError("WebREPL (ws://) is not available in this build")
    if port.lower().startswith("usb:"):
        port = find_usb_port(port)
    return SerialTransport(port, baudrate)
