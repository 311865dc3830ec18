"""Belay's exception hierarchy, so ``except belay.X`` keeps working with ``engine as belay``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .text import last_line

if TYPE_CHECKING:
    from ._concurrent import Outcome


class BelayException(Exception):  # noqa: N818 - Belay's name
    """Root of all engine errors."""


class BelayWarning(UserWarning):
    """Something done as asked, but that may not be what was meant (shown once each)."""


class LinkWarning(BelayWarning):
    """A symlink leading out of the project was skipped (``follow_links`` syncs it)."""


class ConnectionFailedError(BelayException):
    """Could not connect to the device."""


class DeviceNotFoundError(ConnectionFailedError):
    """The port, or the USB device described by ``usb:VID:PID``, does not exist."""


class InsufficientSpecifierError(DeviceNotFoundError):
    """A :class:`~engine.UsbSpecifier` matches several ports (Belay's name)."""


class PortBusyError(ConnectionFailedError):
    """Another program (mpremote, Thonny, a serial monitor) holds the port open."""


class AuthenticationError(ConnectionFailedError):
    """WebREPL refused the password."""


class PasswordRequired(AuthenticationError):
    """A WebREPL board was given no password. The message says how to give one: Python's
    ``password=`` by default; :meth:`telling` rewords it for another front end."""

    def __init__(self, url: str, how: str = "password=") -> None:
        super().__init__(f"{url} needs the WebREPL password: pass {how} or set BELAY_PASSWORD")
        self.url = url

    def telling(self, how: str) -> PasswordRequired:
        """The same error, saying ``how`` (e.g. ``--password``) instead of ``password=``."""
        return PasswordRequired(self.url, how)


class ConnectionLost(ConnectionFailedError):  # noqa: N818 - Belay's name
    """The link to the device went away and could not be restored."""


class InternalError(BelayException):
    """The engine or the board broke the protocol; a bug to report."""


class FeatureUnavailableError(BelayException):
    """The board (or this machine) lacks what the call needs."""


class SpecialFunctionNameError(BelayException):
    """A task or thread name that Belay reserves (``__x__`` or ``_belay...``)."""


class MaxHistoryLengthError(BelayException):
    """The replay history grew past its limit."""


class NotBelayResponseError(BelayException):
    """The device answered with something that is not a framed Belay reply."""


class DeviceTimeoutError(BelayException, TimeoutError):
    """The device did not answer in time. The message says what was awaited."""


class NonLiteralError(BelayException, ValueError):
    """A value that cannot travel as a Python literal (an argument or a result)."""


class SyncError(BelayException, ValueError):
    """A sync cannot go ahead (a missing folder, a path escaping ``dst``, no room on the
    board), or some files could not be written; the message says which and why."""


class BoardFileError(BelayException, OSError):
    """A board file operation failed: a missing file, a folder where a file was meant, a
    full filesystem. ``errno`` is the board's error number when it gave one."""


class PyboardException(BelayException):  # noqa: N818 - Belay's name
    """An exception raised on the device and not caught there.

    ``args[0]`` is the device's traceback, with task frames pointing at the host source.
    """


PyboardError = PyboardException


class FleetError(BelayException):
    """Some boards failed. Raised once every board has finished, so the others' work is
    done; the message names each failing board with its error. ``outcomes`` has every
    board's :class:`Outcome`, in order; ``failures`` only the failed ones. The first
    failure's exception is the ``__cause__``."""

    def __init__(self, outcomes: Sequence[Outcome]) -> None:
        self.outcomes = list(outcomes)
        self.failures = [o for o in self.outcomes if not o.ok]
        lines = "; ".join(f"{o.board}: {_describe(o.error)}" for o in self.failures)
        count = len(self.failures)
        head = (
            "1 board failed"
            if count == 1 and len(self.outcomes) == 1
            else f"{count} of {len(self.outcomes)} boards failed"
        )
        super().__init__(f"{head}: {lines}")


def _describe(error: BaseException | None) -> str:
    """One line: the exception's type and its last line (a board traceback's verdict)."""
    name = type(error).__name__
    last = last_line(error) if error is not None else name
    return last if last.startswith(name) else f"{name}: {last}"
