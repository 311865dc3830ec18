"""The board's side of a websocket, as MicroPython's ``websocket_helper.server_handshake``
and ``modwebsocket.c`` implement it: a bare HTTP upgrade, unmasked frames out, masked frames
in, 16-bit lengths at most, pings ignored and a close answered with an empty close.

Written from the published firmware rather than with a library, so that the engine's client
(the ``websockets`` package) is tested against an independent implementation.
"""

from __future__ import annotations

import base64
import hashlib
import socket
from typing import BinaryIO

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE = 0x1, 0x2, 0x8
_CONT = 0x0


class WebsocketError(Exception):
    """The peer broke the websocket protocol (or the board's subset of it)."""


def server_handshake(reader: BinaryIO, sock: socket.socket) -> None:
    """Answer an HTTP upgrade request with the board's exact 101 response."""
    if not reader.readline():
        raise WebsocketError("EOF before the request line")
    key = None
    while True:
        line = reader.readline()
        if not line:
            raise WebsocketError("EOF in headers")
        if line == b"\r\n":
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"sec-websocket-key":
            key = value.strip()
    if not key:
        raise WebsocketError("not a websocket request")
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    sock.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """One unmasked, final frame, as the board writes them (payloads below 64 KiB)."""
    n = len(payload)
    if n >= 0x10000:
        raise ValueError("a board writes frames below 64 KiB")
    if n < 126:
        return bytes((0x80 | opcode, n)) + payload
    return bytes((0x80 | opcode, 126)) + n.to_bytes(2, "big") + payload


class FrameReader:
    """Reads a client's frames; a continuation frame keeps its message's type."""

    def __init__(self, reader: BinaryIO) -> None:
        self._reader = reader
        self._last_data = TEXT

    def _exact(self, n: int) -> bytes | None:
        data = self._reader.read(n) if n else b""
        return data if len(data) == n else None

    def read(self) -> tuple[int, bytes] | None:
        """(opcode, payload) of the next frame, or None at the end of the stream."""
        head = self._exact(2)
        if head is None:
            return None
        opcode, size = head[0] & 0x0F, head[1] & 0x7F
        if size == 127:
            raise WebsocketError("a board takes frames below 64 KiB (no 64-bit lengths)")
        if size == 126:
            ext = self._exact(2)
            if ext is None:
                return None
            size = int.from_bytes(ext, "big")
        mask = self._exact(4) if head[1] & 0x80 else b"\0\0\0\0"
        payload = self._exact(size)
        if mask is None or payload is None:
            return None
        if opcode == _CONT:
            opcode = self._last_data
        elif opcode in (TEXT, BINARY):
            self._last_data = opcode
        return opcode, _unmask(payload, mask)


def _unmask(payload: bytes, mask: bytes) -> bytes:
    if not payload or mask == b"\0\0\0\0":
        return payload
    n = len(payload)
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")
