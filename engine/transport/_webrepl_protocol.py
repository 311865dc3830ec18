"""The WebREPL wire format, shared by the client transport and the virtual board's server.

As published by MicroPython (``extmod/modwebrepl.c``, ``webrepl_cli.py``): the board sends
``Password: ``; the client answers the password and a line end; the board answers
``WebREPL connected`` or ``Access denied``. Text frames then carry the REPL both ways and
binary frames carry file requests: an 82-byte header ``struct "<2sBBQLH64s"`` (``WA``, type,
flags, offset, size, name length, name), answered by ``WB`` + u16 status. A put sends
``size`` bytes after the header and gets a second status when they are written; a get
answers each ``\\0`` from the client with a u16 length and that many bytes, a zero length at
the end, then a second status.
"""

from __future__ import annotations

import struct
from urllib.parse import urlsplit

DEFAULT_PORT = 8266
REQUEST = struct.Struct("<2sBBQLH64s")
HEADER_SIZE = REQUEST.size  # 82
PUT_FILE, GET_FILE, GET_VER = 1, 2, 3
REQUEST_SIG = b"WA"
REPLY_SIG = b"WB"
REPLY_SIZE = 4
CHUNK = 256  # a board's get answers at most this many bytes per \0
MAX_NAME = 63  # the board reads the name as a C string in a 64-byte field
MAX_PASSWORD = 9  # _webrepl.password() refuses longer ones
MAX_FRAME = 4096  # boards read frames below 64 KiB (16-bit lengths); keep them small

PASSWORD_PROMPT = b"Password: "
CONNECTED = b"\r\nWebREPL connected\r\n>>> "
DENIED = b"\r\nAccess denied\r\n"


def request(kind: int, name: bytes = b"", size: int = 0) -> bytes:
    """The 82-byte header of a file request (offset and flags are always 0, as boards
    ignore them)."""
    return REQUEST.pack(REQUEST_SIG, kind, 0, 0, size, len(name), name)


def reply(status: int) -> bytes:
    return REPLY_SIG + status.to_bytes(2, "little")


def parse_reply(data: bytes) -> int:
    """The status in a ``WB`` reply; ValueError for anything else."""
    if len(data) != REPLY_SIZE or data[:2] != REPLY_SIG:
        raise ValueError(f"not a WebREPL reply: {data!r}")
    return int.from_bytes(data[2:], "little")


def encode_name(name: str) -> bytes:
    """A board path as the request's name field; ValueError when a board cannot take it."""
    raw = name.encode()
    if not raw or len(raw) > MAX_NAME or b"\0" in raw:
        raise ValueError(
            f"WebREPL file names are 1 to {MAX_NAME} bytes without NUL; {name!r} has {len(raw)}"
        )
    return raw


def split_url(url: str) -> tuple[str, int]:
    """(host, port) of ``ws://host[:port][/]``; ValueError for anything else.

    Credentials in the URL are refused rather than parsed: the password travels on its own.
    """
    parts = urlsplit(url)
    if "@" in parts.netloc:  # checked first: later messages quote the URL
        raise ValueError("put the WebREPL password in password= or BELAY_PASSWORD, not the URL")
    if parts.scheme != "ws":
        raise ValueError(f"WebREPL URLs start with ws:// (boards do not speak TLS): {url!r}")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise ValueError(f"bad port in {url!r}") from None
    if not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(f"expected ws://host[:port], got {url!r}")
    return parts.hostname, port
