"""Choosing a transport from a port string."""

from __future__ import annotations

from .._secret import Secret
from ._base import Transport
from ._exec import PREFIX as EXEC_PREFIX
from ._exec import ExecTransport
from ._ports import find_usb_port
from ._serial import SerialTransport
from ._webrepl import WebreplTransport


def open_transport(
    port: str, *, baudrate: int = 115200, password: str | Secret | None = None
) -> Transport:
    """Open ``port``: a serial path or ``COMn``, ``usb:VID:PID[:SERIAL]``,
    ``ws://host[:port]`` (WebREPL, logging in with ``password``), or ``exec:COMMAND`` (a
    program whose stdin and stdout are the board)."""
    if port.startswith(EXEC_PREFIX):
        return ExecTransport(port)
    if port.startswith(("ws://", "wss://")):
        return WebreplTransport(port, password)
    if port.lower().startswith("usb:"):
        port = find_usb_port(port)
    return SerialTransport(port, baudrate)
