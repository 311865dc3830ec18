"""The transport interface."""

from __future__ import annotations

import abc


class Transport(abc.ABC):
    """A byte pipe to a board.

    ``read`` returns what has arrived (at least one byte), or ``b""`` when ``timeout``
    seconds pass with nothing; it raises :class:`~engine.ConnectionLost` when the link is
    gone. ``write`` sends everything or raises ``ConnectionLost``.
    """

    #: A short, secret-free description for status bars and logs.
    description: str = ""
    #: Whether any byte written reaches the board's stdin unchanged (sync streams raw file
    #: data when it does, and falls back to base64 commands when it does not).
    binary_safe: bool = True
    #: True when the link itself paces the sender (TCP): long code needs neither raw-paste
    #: flow control nor pauses.
    flow_controlled: bool = False
    #: False when a soft reset drops the link (a board closes its WebREPL socket), so
    #: connecting must not soft-reset.
    survives_soft_reset: bool = True

    @abc.abstractmethod
    def read(self, timeout: float | None) -> bytes: ...

    @abc.abstractmethod
    def write(self, data: bytes | memoryview) -> None: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    @property
    @abc.abstractmethod
    def in_waiting(self) -> int:
        """Bytes that can be read without waiting."""

    @property
    def bytes_per_second(self) -> int:
        """The link's nominal byte rate, or 0 when unknown (USB CDC ignores the baud rate)."""
        return 0

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
