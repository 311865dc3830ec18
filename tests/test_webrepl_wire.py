"""The WebREPL wire format, byte for byte, against the published protocol.

The expected bytes are written out here from MicroPython's ``modwebrepl.c``,
``modwebsocket.c``, ``websocket_helper.py`` and ``webrepl_cli.py`` (the request struct is
``"<2sBBQLH64s"``), not taken from the engine, so that both ends are checked against the
protocol rather than against each other: raw sockets talk to the virtual board's endpoint,
and a small recording server stands in for a board to capture the engine client's frames.
"""

from __future__ import annotations

import base64
import hashlib
import os
import queue
import socket
import struct
import threading

import pytest

from engine import VirtualBoard
from engine.transport import WebreplTransport

PASSWORD = "pw123"
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def req(kind: int, name: bytes = b"", size: int = 0) -> bytes:
    return struct.pack("<2sBBQLH64s", b"WA", kind, 0, 0, size, len(name), name)


# -- a raw websocket client ---------------------------------------------------------------


def recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError(f"closed after {data!r}")
        data += chunk
    return data


def client_frame(opcode: int, payload: bytes, mask: bytes = b"\x37\xfa\x21\x3d") -> bytes:
    """A client frame as RFC 6455 requires: final, masked."""
    n = len(payload)
    head = bytes((0x80 | opcode, 0x80 | n)) if n < 126 else bytes((0x80 | opcode, 0xFE))
    head += n.to_bytes(2, "big") if n >= 126 else b""
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_raw_frame(sock: socket.socket) -> bytes:
    """One frame exactly as it came: header and payload bytes."""
    head = recv_exact(sock, 2)
    size = head[1] & 0x7F
    if size == 126:
        ext = recv_exact(sock, 2)
        head += ext
        size = int.from_bytes(ext, "big")
    return head + recv_exact(sock, size)


def next_binary(sock: socket.socket) -> bytes:
    """The next binary frame, skipping the REPL text the board sends meanwhile."""
    while (frame := read_raw_frame(sock))[0] == 0x81:
        pass
    return frame


def open_raw(url: str) -> socket.socket:
    host, port = url.removeprefix("ws://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    key = base64.b64encode(os.urandom(16))
    sock.sendall(
        b"GET / HTTP/1.1\r\nHost: board\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    response = b""
    while not response.endswith(b"\r\n\r\n"):
        response += recv_exact(sock, 1)
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    assert response == (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
    return sock


@pytest.fixture
def wboard(tmp_path):
    with VirtualBoard(root=tmp_path / "flash", webrepl="127.0.0.1:0", password=PASSWORD) as vb:
        yield vb


def test_board_login_frames(wboard):
    sock = open_raw(wboard.webrepl_url)
    assert read_raw_frame(sock) == b"\x81\x0aPassword: "
    # Typed in pieces, as the browser client sends keystrokes.
    sock.sendall(client_frame(0x1, b"pw1") + client_frame(0x1, b"23\r"))
    assert read_raw_frame(sock) == b"\x81\x19\r\nWebREPL connected\r\n>>> "
    sock.sendall(client_frame(0x8, b""))
    while (frame := read_raw_frame(sock))[0] == 0x81:
        pass  # board output forwarded before the close
    assert frame == b"\x88\x00"  # the board's close reply: no status code
    assert sock.recv(1) == b""
    sock.close()


def test_board_denies_and_hangs_up(wboard):
    sock = open_raw(wboard.webrepl_url)
    assert read_raw_frame(sock) == b"\x81\x0aPassword: "
    sock.sendall(client_frame(0x2, b"nope\r"))  # webrepl_cli.py types it in a binary frame
    assert read_raw_frame(sock) == b"\x81\x11\r\nAccess denied\r\n"
    assert sock.recv(1) == b""
    sock.close()


def test_board_refuses_a_second_connection_before_http(wboard):
    first = open_raw(wboard.webrepl_url)
    second = socket.create_connection(("127.0.0.1", int(wboard.webrepl_url.split(":")[-1])))
    second.settimeout(30)
    assert second.recv(100) == b""  # closed before any HTTP, without a word
    second.close()
    assert read_raw_frame(first) == b"\x81\x0aPassword: "  # the first is unaffected
    first.close()


def test_board_file_channel_frames(wboard):
    sock = open_raw(wboard.webrepl_url)
    read_raw_frame(sock)
    sock.sendall(client_frame(0x1, PASSWORD.encode() + b"\r"))
    read_raw_frame(sock)

    sock.sendall(client_frame(0x2, req(3)))
    version = next_binary(sock)
    assert version[:2] == b"\x82\x03" and len(version) == 5

    # webrepl_cli.py sends the header in two frames (10 bytes, then 72).
    header = req(1, b"/w.txt", 5)
    sock.sendall(client_frame(0x2, header[:10]) + client_frame(0x2, header[10:]))
    assert next_binary(sock) == b"\x82\x04WB\x00\x00"
    sock.sendall(client_frame(0x2, b"hello"))
    assert next_binary(sock) == b"\x82\x04WB\x00\x00"
    assert (wboard.root / "w.txt").read_bytes() == b"hello"

    sock.sendall(client_frame(0x2, req(2, b"/w.txt")))
    assert next_binary(sock) == b"\x82\x04WB\x00\x00"
    sock.sendall(client_frame(0x2, b"\x00"))
    assert next_binary(sock) == b"\x82\x07\x05\x00hello"
    sock.sendall(client_frame(0x2, b"\x00"))
    assert next_binary(sock) == b"\x82\x02\x00\x00"
    assert next_binary(sock) == b"\x82\x04WB\x00\x00"

    big = bytes(range(256)) * 2 + b"!"  # three chunks: 256, 256, 1
    (wboard.root / "big.bin").write_bytes(big)
    sock.sendall(client_frame(0x2, req(2, b"/big.bin")))
    assert next_binary(sock) == b"\x82\x04WB\x00\x00"
    expected = [
        b"\x82\x7e\x01\x02" + b"\x00\x01" + big[:256],  # 16-bit length for 258 bytes
        b"\x82\x7e\x01\x02" + b"\x00\x01" + big[256:512],
        b"\x82\x03\x01\x00!",
        b"\x82\x02\x00\x00",  # the end
    ]
    got = b""
    for frame in expected:
        sock.sendall(client_frame(0x2, b"\x00"))
        assert next_binary(sock) == frame
        got += frame[6:] if frame[1] == 0x7E else frame[4:]
    assert got == big
    assert next_binary(sock) == b"\x82\x04WB\x00\x00"
    sock.close()


# -- a recording board, for the client's frames -----------------------------------------


class RecordingBoard:
    """Accepts one client, answers the handshake and the login, then records each frame
    the client sends (header byte, mask bit, unmasked payload) and sends what it is told."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"ws://127.0.0.1:{self.listener.getsockname()[1]}"
        self.frames: queue.Queue[tuple[int, bool, bytes]] = queue.Queue()
        self.request = b""
        self.conn: socket.socket | None = None
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        self.conn = conn
        while not self.request.endswith(b"\r\n\r\n"):
            self.request += recv_exact(conn, 1)
        key = next(
            line.split(b":", 1)[1].strip()
            for line in self.request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        conn.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade"
            b"\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        conn.sendall(b"\x81\x0aPassword: ")
        logged_in = False
        while True:
            try:
                head = recv_exact(conn, 2)
            except (EOFError, OSError):
                return
            size = head[1] & 0x7F
            if size == 126:
                size = int.from_bytes(recv_exact(conn, 2), "big")
            mask = recv_exact(conn, 4) if head[1] & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(recv_exact(conn, size)))
            if head[0] == 0x88:  # close: answer as a board does, and hang up
                conn.sendall(b"\x88\x00")
                conn.close()
                return
            self.frames.put((head[0], bool(head[1] & 0x80), data))
            if not logged_in and data.endswith(b"\r"):
                logged_in = True
                conn.sendall(b"\x81\x19\r\nWebREPL connected\r\n>>> ")

    def next(self) -> tuple[int, bool, bytes]:
        return self.frames.get(timeout=30)

    def send(self, raw: bytes) -> None:
        self.conn.sendall(raw)


def in_thread(fn, *args):
    """Run ``fn`` in a thread; the returned getter waits for its result."""
    box: queue.Queue = queue.Queue()

    def run() -> None:
        try:
            box.put((True, fn(*args)))
        except BaseException as e:  # handed back to the test thread
            box.put((False, e))

    threading.Thread(target=run, daemon=True).start()

    def result():
        ok, value = box.get(timeout=30)
        if not ok:
            raise value
        return value

    return result


@pytest.fixture
def recorded():
    board = RecordingBoard()
    transport = WebreplTransport(board.url, PASSWORD)
    yield board, transport
    transport.close()


def test_client_handshake_and_login_frames(recorded):
    board, _transport = recorded
    assert board.request.startswith(b"GET / HTTP/1.1\r\n")
    assert b"\r\nSec-WebSocket-Key: " in board.request
    assert board.next() == (0x81, True, PASSWORD.encode() + b"\r")  # text, masked


def test_client_repl_frames(recorded):
    board, transport = recorded
    board.next()
    transport.write(b"\x01")
    assert board.next() == (0x81, True, b"\x01")
    code = b"x = 1\n" * 1500  # 9000 bytes: whole frames below a board's 64 KiB limit
    transport.write(code)
    parts = [board.next() for _ in range(3)]
    assert [p[0] for p in parts] == [0x81, 0x81, 0x81]  # each final, none a continuation
    assert b"".join(p[2] for p in parts) == code
    board.send(b"\x81\x05hello")
    assert transport.read(30) == b"hello"
    board.send(b"\x81\x01\xc3" + b"\x81\x01\xa9")  # one character cut in two text frames
    received = b""
    while len(received) < 2:
        received += transport.read(30)
    assert received == "é".encode()


def test_client_put_frames_are_pipelined(recorded):
    board, transport = recorded
    board.next()
    done = in_thread(transport.put_files, [("/a.txt", b"hello"), ("/lib/b.py", b"")])
    # Every request and its data arrive before the board has answered anything.
    assert board.next() == (0x82, True, req(1, b"/a.txt", 5))
    assert board.next() == (0x82, True, b"hello")
    assert board.next() == (0x82, True, req(1, b"/lib/b.py", 0))
    board.send(b"\x82\x04WB\x00\x00" * 4)
    done()


def test_client_get_and_version_frames(recorded):
    board, transport = recorded
    board.next()
    done = in_thread(transport.get_file, "/a.txt")
    assert board.next() == (0x82, True, req(2, b"/a.txt"))
    board.send(b"\x82\x04WB\x00\x00")
    assert board.next() == (0x82, True, b"\x00")
    board.send(b"\x82\x05\x03\x00abc")
    assert board.next() == (0x82, True, b"\x00")
    board.send(b"\x82\x02\x00\x00" + b"\x82\x04WB\x00\x00")
    assert done() == b"abc"

    done = in_thread(transport.board_version)
    assert board.next() == (0x82, True, req(3))
    board.send(b"\x82\x03\x01\x17\x02")
    assert done() == (1, 23, 2)


def test_client_reports_a_failed_get(recorded):
    board, transport = recorded
    board.next()
    done = in_thread(transport.get_file, "/missing")
    board.next()
    board.send(b"\x82\x04WB\x02\x00")  # status 2: ENOENT
    with pytest.raises(Exception, match=r"\[Errno 2\] ENOENT: cannot read /missing"):
        done()
