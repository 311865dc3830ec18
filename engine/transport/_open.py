"""Choosing a transport from a port string."""

from __future__ import annotations

import os

from .._secret import Secret
from ._base import Transport
from ._exec import PREFIX as EXEC_PREFIX
from ._exec import ExecTransport
from ._network import NetworkSerialTransport, is_network_port
from ._ports import find_usb_port, list_ports, port_info, reset_line_levels
from ._serial import SerialTransport
from ._webrepl import WebreplTransport


def open_transport(
    port: str, *, baudrate: int = 115200, password: str | Secret | None = None
) -> Transport:
    """Open ``port``: a serial path or ``COMn``, ``usb:VID:PID[:SERIAL]``, a serial port on
    another machine (``rfc2217://host:port``, ``socket://host:port``), ``ws://host[:port]``
    (WebREPL, logging in with ``password``), or ``exec:COMMAND`` (a program whose stdin and
    stdout are the board)."""
    if port.startswith(EXEC_PREFIX):
        return ExecTransport(port)
    if port.startswith(("ws://", "wss://")):
        return WebreplTransport(port, password)
    if is_network_port(port):
        return NetworkSerialTransport(port, baudrate)
    ports = list_ports()
    if port.lower().startswith("usb:"):
        port = find_usb_port(port, ports)
    info = port_info(port, ports)
    lines = None if info is None else reset_line_levels(info, os.name)
    return SerialTransport(port, baudrate, lines)
