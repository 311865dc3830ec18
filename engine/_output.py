"""Streaming the board's prints to the host as they arrive."""

from __future__ import annotations

import codecs
import sys
from collections.abc import Callable


class OutputStream:
    """Decodes board output incrementally, turns CRLF into LF, and hands text on.

    ``sink`` gets every piece; by default it writes to whatever ``sys.stdout`` is at that
    moment, so redirecting stdout (pytest's capsys, contextlib.redirect_stdout) works.
    """

    def __init__(self, sink: Callable[[str], None] | None = None) -> None:
        self.sink = sink or write_stdout
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._cr = False

    def feed(self, data: bytes, final: bool = False) -> None:
        text = self._decoder.decode(data, final)
        if self._cr:
            text = "\r" + text
            self._cr = False
        if text.endswith("\r") and not final:
            text, self._cr = text[:-1], True
        text = text.replace("\r\n", "\n")
        if text:
            self.sink(text)

    def flush(self) -> None:
        self.feed(b"", final=True)


def write_stdout(text: str) -> None:
    out = sys.stdout
    if out is None:
        return
    out.write(text)
    out.flush()
