"""What ``device.fs`` needs of the link, in one place: an exchange, a held stream (code
sent, then bytes both ways, then the framed reply), and WebREPL's file channel."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..sync._webrepl import webrepl_of

if TYPE_CHECKING:
    from ..device import Device
    from ..transport import WebreplTransport


def exchange(device: Device, code: bytes, what: str) -> Any:
    """Run ``code`` (which replies with ``_BF``) and return the reply's value."""
    return device._exchange(code, what)


def file_channel(device: Device) -> WebreplTransport | None:
    """WebREPL's binary file channel, or None on other links."""
    return webrepl_of(device)


class Stream:
    """The link held for one streamed command: raw bytes in and out, then its reply."""

    def __init__(self, device: Device, repl: Any, what: str) -> None:
        self._device = device
        self._repl = repl
        self.what = what
        self.token = device._token.encode()
        self.binary_safe = repl.transport.binary_safe

    def read_until(self, marker: bytes, what: str) -> bytes:
        return self._repl.read_until(marker, what)

    def read_exact(self, n: int, what: str) -> bytes:
        return self._repl.read_exact(n, what)

    def write(self, data: bytes) -> None:
        self._repl.write(data)

    def read_reply(self, before: bytes = b"") -> Any:
        """The command's framed reply; ``before``: output to show ahead of it."""
        from ..device import _ReplyReader

        self._repl.buf[:0] = b"OK" + before
        reader = _ReplyReader(self._repl, self.token, self._device._output_sink)
        kind, payload = reader.read(self.what)
        return self._device._result(kind, payload, self.what)


@contextlib.contextmanager
def hold(device: Device, code: bytes, what: str) -> Iterator[Stream]:
    """Send ``code`` and hold the link while it streams; its ``OK`` is consumed. Anything
    that ends the stream early leaves the next exchange to resynchronise."""
    with device._session(what) as repl:
        repl.send_code(code)
        repl.read_until(b"OK", f"the board to accept {what}")
        yield Stream(device, repl, what)


@contextlib.contextmanager
def held(device: Device, what: str) -> Iterator[None]:
    """Hold the link (shown busy with ``what``) while the file channel works."""
    with device._session(what):
        yield
