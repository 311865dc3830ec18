"""Board errors as one line a person can act on: a missing file, a folder where a file was
meant, a full filesystem."""

from __future__ import annotations

import contextlib
import errno
import re
from collections.abc import Iterator

from ..exceptions import BoardFileError, FeatureUnavailableError, PyboardException

_OSERROR = re.compile(r"OSError: (?:\[Errno )?(\d+)")

_MESSAGES = {
    errno.ENOENT: "{path}: no such file or folder on the board",
    errno.ENOTDIR: "{path}: part of this path is a file, not a folder",
    errno.EISDIR: "{path} is a folder",
    errno.EEXIST: "{path} already exists on the board",
    errno.ENOSPC: "the board's filesystem is full (writing {path})",
    errno.ENOTEMPTY: "{path} is a folder that is not empty",
    errno.EROFS: "the board's filesystem is read-only (writing {path})",
    errno.EACCES: "{path}: permission denied on the board",
    errno.EINVAL: "{path}: the board refused it (invalid argument)",
}


def explain(number: int, path: str) -> BoardFileError:
    """The :class:`BoardFileError` for the board's ``errno`` about ``path``."""
    text = _MESSAGES.get(number, "{path}: the board said " + errno.errorcode.get(number, "?"))
    error = BoardFileError(text.format(path=path))
    error.errno = number
    return error


@contextlib.contextmanager
def board_errors(path: str) -> Iterator[None]:
    """Turn an ``OSError`` raised on the board (or WebREPL's refusal) into one line."""
    try:
        yield
    except PyboardException as e:
        text = str(e)
        found = _OSERROR.findall(text)
        if found:
            raise explain(int(found[-1]), path) from None
        if "ImportError" in text and "hashlib" in text:
            raise FeatureUnavailableError("the board has no hashlib to hash files with") from None
        raise
