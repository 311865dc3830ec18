"""Choosing a transport from a port string."""

from __future__ import annotations

import os

from .._secret import Secret
from ._base import Transport
from ._exec import PREFIX as EXEC_PREFIX
from ._exec import ExecTransport
from ._ports import find_usb_port, list_ports, port_info, reset_line_levels
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
    ports = list_ports()
    if port.lower().startswith("usb:"):
        port = find_usb_port(port, ports)
    info = port_info(port, ports)
    lines = None if info is None else reset_line_levels(info, os.name)
    return SerialTransport(port, baudrate, lines)
