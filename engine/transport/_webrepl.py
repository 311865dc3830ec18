"""WebREPL: a board's REPL and files over a websocket (``ws://host[:port]``), usually WiFi.

Text frames carry the REPL, so the raw REPL protocol runs on top unchanged. Binary frames
carry files (see ``_webrepl_protocol``). Round trips cost milliseconds on WiFi, so puts are
pipelined: every request and its data go out before the first reply is awaited, and a whole
batch of files costs one round trip.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from websockets.exceptions import InvalidHandshake

from .._secret import Secret
from ..exceptions import (
    AuthenticationError,
    ConnectionFailedError,
    ConnectionLost,
    DeviceTimeoutError,
    FeatureUnavailableError,
    InternalError,
    PasswordRequired,
    PyboardException,
)
from . import _webrepl_protocol as wire
from ._base import Transport
from ._websocket_client import WebsocketClient, WebsocketClosed

# A board writes flash at tens of KB/s: reply deadlines grow with the bytes in flight.
_SLOWEST_BYTES_PER_SECOND = 4096


@dataclass(frozen=True)
class PendingPuts:
    """Puts sent whose replies are still to be read: their names, and by when."""

    names: list[str]
    deadline: float


class WebreplTransport(Transport):
    """A logged-in WebREPL session. ``read``/``write`` are the REPL; :meth:`put_files`,
    :meth:`get_file` and :meth:`board_version` use the binary file channel.

    The password is sent once, at login, and not kept.
    """

    flow_controlled = True  # TCP paces the sender: no raw-paste windows, no pauses
    survives_soft_reset = False  # a board's soft reset closes its sockets

    def __init__(
        self, url: str, password: str | Secret | None = None, timeout: float = 10.0
    ) -> None:
        try:
            host, port = wire.split_url(url)
        except ValueError as e:
            raise ConnectionFailedError(str(e)) from None
        self.url = f"ws://{host}:{port}"
        self.description = f"{self.url} (WebREPL)"
        self.timeout = timeout
        self._text = bytearray()  # REPL bytes received, not yet read
        self._binary = bytearray()  # file-channel bytes received, not yet consumed
        self._owed: PendingPuts | None = None  # puts whose replies are still to be read
        secret = Secret.wrap(password)
        if secret is None or not len(secret):
            raise PasswordRequired(self.url)
        if "\r" in secret.reveal() or "\n" in secret.reveal():
            raise AuthenticationError("a WebREPL password cannot contain a line end")
        self._ws = self._open(host, port)
        try:
            self._login(secret)
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"<WebreplTransport {self.url}>"

    # -- connecting ----------------------------------------------------------------------

    def _open(self, host: str, port: int) -> WebsocketClient:
        try:
            # Our own socket: no HTTP proxy from the environment, and no Nagle delay.
            sock = socket.create_connection((host, port), timeout=self.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(None)
        except TimeoutError:
            raise ConnectionFailedError(
                f"no answer from {self.url} within {self.timeout:g}s"
            ) from None
        except OSError as e:
            raise ConnectionFailedError(
                f"cannot reach {self.url}: {e.strerror or e} (is the board on the network, "
                "with webrepl.start() in boot.py?)"
            ) from None
        try:
            return WebsocketClient(sock, f"ws://{host}:{port}/", self.timeout)
        except (InvalidHandshake, WebsocketClosed):
            sock.close()
            # A board closes a second connection before the HTTP handshake.
            raise ConnectionFailedError(
                f"{self.url} closed the connection before the WebREPL handshake: another "
                "client is probably connected (a board takes one at a time)"
            ) from None
        except TimeoutError:
            sock.close()
            raise ConnectionFailedError(
                f"{self.url} did not finish the WebREPL handshake within {self.timeout:g}s"
            ) from None

    def _login(self, password: Secret) -> None:
        try:
            self._read_text_until((wire.PASSWORD_PROMPT,), "the WebREPL password prompt")
        except ConnectionLost:
            said = self._text.decode(errors="replace").strip()
            raise ConnectionFailedError(
                f"{self.url} closed the connection before asking for the password"
                + (f": {said}" if said else "")
            ) from None
        self._send(password.reveal().encode() + b"\r", text=True)
        try:
            marker = self._read_text_until(
                (wire.CONNECTED, wire.DENIED), "the answer to the WebREPL password"
            )
        except ConnectionLost:
            said = self._text.decode(errors="replace").strip()
            if said:  # not a refusal: the board said why it hung up
                raise ConnectionFailedError(
                    f"{self.url} hung up after the password: {said}"
                ) from None
            marker = wire.DENIED  # a board may close before its answer arrives
        if marker == wire.DENIED:
            hint = ""
            if len(password) > wire.MAX_PASSWORD:
                hint = f" (boards take at most {wire.MAX_PASSWORD} characters)"
            raise AuthenticationError(f"{self.url} refused the WebREPL password{hint}")

    def _read_text_until(self, markers: tuple[bytes, ...], what: str) -> bytes:
        """Consume REPL text up to the first of ``markers``; return which one it was."""
        if not self._pump(self.timeout, lambda: any(m in self._text for m in markers)):
            raise DeviceTimeoutError(
                f"timed out after {self.timeout:g}s waiting for {what} from {self.url}"
            )
        i, marker = min((i, m) for m in markers if (i := self._text.find(m)) >= 0)
        del self._text[: i + len(marker)]
        return marker

    # -- frames --------------------------------------------------------------------------

    def _pump(self, timeout: float | None, done: Callable[[], bool]) -> bool:
        """Receive frames, REPL text and file bytes apart, until ``done()`` or ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not done():
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                frame = self._ws.recv(left)
            except WebsocketClosed:
                raise ConnectionLost(f"lost {self.url}: the board closed the connection") from None
            if frame is None:
                return False
            is_text, data = frame
            (self._text if is_text else self._binary).extend(data)
        return True

    def _send(self, data: bytes, text: bool) -> None:
        try:
            for i in range(0, len(data), wire.MAX_FRAME):
                self._ws.send(data[i : i + wire.MAX_FRAME], text=text)
        except WebsocketClosed:
            raise ConnectionLost(f"lost {self.url}: the board closed the connection") from None

    # -- the REPL ------------------------------------------------------------------------

    def read(self, timeout: float | None) -> bytes:
        self._pump(timeout, lambda: bool(self._text))
        data = bytes(self._text)
        self._text.clear()
        return data

    def write(self, data: bytes | memoryview) -> None:
        self._send(bytes(data), text=True)

    @property
    def in_waiting(self) -> int:
        self._pump(0, lambda: False)
        return len(self._text)

    def close(self) -> None:
        self._ws.close()

    # -- files ---------------------------------------------------------------------------

    def put_file(self, name: str, data: bytes) -> None:
        """Write ``data`` to the board's file ``name`` (an absolute board path)."""
        self.put_files([(name, data)])

    def put_files(self, files: Iterable[tuple[str, bytes]]) -> None:
        """Write several files in one round trip: all requests and data first, then all
        replies. The folders must exist (a board drops the connection otherwise)."""
        failed = self.put_replies(self.send_puts(files))
        if failed:
            name, status = failed[0]
            more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
            raise PyboardException(f"{_os_error(status)}: cannot write {name}{more}")

    def send_puts(self, files: Iterable[tuple[str, bytes]]) -> PendingPuts:
        """The sending half of :meth:`put_files`. REPL traffic may follow before
        :meth:`put_replies` (a board serves the requests first: its input is one stream)."""
        batch = [(self._name(name), name, bytes(data)) for name, data in files]
        self._settle()
        with self._whole():
            for raw, _name, data in batch:
                self._send(wire.request(wire.PUT_FILE, raw, len(data)), text=False)
                self._send(data, text=False)
        size = sum(len(data) for _, _, data in batch)
        deadline = time.monotonic() + self.timeout + size / _SLOWEST_BYTES_PER_SECOND
        self._owed = PendingPuts([name for _, name, _ in batch], deadline)
        return self._owed

    def put_replies(self, pending: PendingPuts) -> list[tuple[str, int]]:
        """The replies to :meth:`send_puts`: the (name, errno) of each file not written."""
        if pending is not self._owed:
            return []  # already read
        self._owed = None
        failed: list[tuple[str, int]] = []
        try:
            for name in pending.names:
                status = self._reply(f"the reply to putting {name}", pending.deadline)
                if status == 0:
                    status = self._reply(f"the end of putting {name}", pending.deadline)
                if status:
                    failed.append((name, status))
        except ConnectionLost:
            raise ConnectionLost(
                f"lost {self.url} while writing files (a board drops WebREPL when it cannot "
                "open a file: does the folder exist?)"
            ) from None
        return failed

    def get_file(self, name: str) -> bytes:
        """The content of the board's file ``name``. The protocol sends 256 bytes per round
        trip; reading through the REPL is quicker for large files on a slow network."""
        raw = self._name(name)
        self._settle()
        with self._whole():
            deadline = time.monotonic() + self.timeout
            self._send(wire.request(wire.GET_FILE, raw), text=False)
            status = self._reply(f"the reply to getting {name}", deadline)
            if status:
                raise PyboardException(f"{_os_error(status)}: cannot read {name}")
            out = bytearray()
            while True:
                self._send(b"\0", text=False)
                deadline = time.monotonic() + self.timeout
                size = int.from_bytes(self._take(2, f"a chunk of {name}", deadline), "little")
                if not size:
                    break
                out += self._take(size, f"a chunk of {name}", deadline)
            status = self._reply(f"the end of getting {name}", deadline)
        if status:
            raise PyboardException(f"{_os_error(status)}: cannot read {name}")
        return bytes(out)

    def board_version(self) -> tuple[int, int, int]:
        """The board's MicroPython version, as its WebREPL reports it."""
        self._settle()
        with self._whole():
            self._send(wire.request(wire.GET_VER), text=False)
            major, minor, micro = self._take(3, "the version", time.monotonic() + self.timeout)
        return major, minor, micro

    def _settle(self) -> None:
        """Read the replies still owed to earlier puts, so that the next request's replies
        are not taken for theirs."""
        if self._owed is not None:
            self.put_replies(self._owed)

    @contextlib.contextmanager
    def _whole(self) -> Iterator[None]:
        """A file exchange cut short (Ctrl-C, a timeout) leaves the board's file channel
        mid-request, where no later request can be understood: close the connection then,
        and let a reconnect start afresh."""
        try:
            yield
        except PyboardException:
            raise  # a refused request: the exchange finished
        except BaseException:
            self.close()
            raise

    def _name(self, name: str) -> bytes:
        try:
            return wire.encode_name(name)
        except ValueError as e:
            raise FeatureUnavailableError(str(e)) from None

    def _take(self, n: int, what: str, deadline: float) -> bytes:
        if not self._pump(deadline - time.monotonic(), lambda: len(self._binary) >= n):
            raise DeviceTimeoutError(f"timed out waiting for {what} from {self.url}")
        data = bytes(self._binary[:n])
        del self._binary[:n]
        return data

    def _reply(self, what: str, deadline: float) -> int:
        data = self._take(wire.REPLY_SIZE, what, deadline)
        try:
            return wire.parse_reply(data)
        except ValueError as e:
            raise InternalError(f"{self.url} broke the WebREPL file protocol: {e}") from None


def _os_error(code: int) -> str:
    name = errno.errorcode.get(code, str(code))
    return f"OSError: [Errno {code}] {name}"
