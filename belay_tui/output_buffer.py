"""Board output on its way from the engine's threads to the console.

The engine can deliver output far faster than a screen can draw it. Output is buffered
here and the console takes it in frame-sized pieces, so the app keeps drawing (and echoing
keys) while a flood is shown. Positions count characters ever appended, so a piece of UI
work (echoing the next line, showing a result) can be placed exactly after the output that
came before it.
"""

from __future__ import annotations

import threading


class OutputBuffer:
    """Text appended by any thread, taken in pieces by the UI thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: list[str] = []
        self._appended = 0  # characters ever appended
        self._taken = 0  # characters ever taken

    def append(self, text: str) -> bool:
        """Add ``text``; True when the buffer was empty (the UI should be told)."""
        with self._lock:
            first = self._appended == self._taken
            self._parts.append(text)
            self._appended += len(text)
        return first

    @property
    def mark(self) -> int:
        """The position after everything appended so far."""
        with self._lock:
            return self._appended

    @property
    def taken(self) -> int:
        """The position after everything taken so far."""
        with self._lock:
            return self._taken

    def take(self, limit: int | None = None) -> str:
        """Up to ``limit`` characters (everything when None), oldest first."""
        with self._lock:
            text = "".join(self._parts)
            if limit is not None and len(text) > limit:
                text, rest = text[:limit], text[limit:]
                self._parts = [rest]
            else:
                self._parts = []
            self._taken += len(text)
            return text
