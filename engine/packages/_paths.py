"""Relative paths taken from configs, indexes and archives, checked before any file is written.

Everything the package manager writes lands below the dependencies folder. A name such as
``../x``, ``/etc/x`` or ``C:x`` coming from a remote index or archive must never reach the
filesystem, so every such path goes through :func:`safe_relpath` first.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_relpath(path: str) -> str | None:
    """``path`` normalised to ``a/b/c`` if it stays below its base folder, else ``None``.

    Refused: empty, absolute (``/x``, ``C:x``), backslashes, NUL, and any ``..`` part.
    ``.`` parts and doubled slashes are dropped.
    """
    if not path or "\\" in path or "\0" in path or path.startswith("/") or _DRIVE.match(path):
        return None
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return str(PurePosixPath(*parts))


def top_level(relpath: str) -> str:
    """The first part of a checked relative path: the folder (or file) it lives under."""
    return relpath.split("/", 1)[0]
