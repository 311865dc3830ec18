"""Tab completion from the board: the names a line could go on with, as MicroPython's own REPL
finds them.

The line's last dotted name is split into a path and a prefix (``machine.Pi`` into
``machine`` and ``Pi``). One short call asks the board for the names of the object at the
path (or, without a path, the globals and builtins) that start with the prefix. The object
is reached only by looking names up — ``getattr`` along the path, never a call — so
completing runs no user code beyond attribute lookup. Anything after a call or an index
(``f().x``, ``a[0].x``) would need running code to know, and is not completed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._boardcode import RESERVED
from .exceptions import PyboardException

if TYPE_CHECKING:
    from .device import Device

# The dotted name at the end of a line: the path with its dots, then the prefix. It must not
# follow a dot itself: ``f().x``, ``"s".up`` and ``a[0].x`` are attributes of values.
_TAIL = re.compile(r"(?:^|(?<=[^\w.]))((?:[A-Za-z_]\w*\.)*)(\w*)$")


@dataclass(frozen=True)
class Completion:
    """What completing a line found: the ``prefix`` typed and the ``names`` that start with
    it (sorted); ``common`` is what all of them share."""

    prefix: str
    names: tuple[str, ...]

    @property
    def common(self) -> str:
        if not self.names:
            return self.prefix
        first, last = min(self.names), max(self.names)
        size = 0
        while size < min(len(first), len(last)) and first[size] == last[size]:
            size += 1
        return first[:size]


def completion_target(line: str) -> tuple[list[str], str] | None:
    """``(path, prefix)`` for the end of ``line``, or None when nothing there can be completed
    by looking names up (a number, a call's result, an empty line)."""
    match = _TAIL.search(line)
    if match is None:
        return None
    dotted, prefix = match.groups()
    if (not dotted and not prefix) or prefix[:1].isdigit():
        return None
    return [part for part in dotted.split(".") if part], prefix


def completion_query(path: list[str], prefix: str) -> str:
    """The board expression: names of the object at ``path`` (globals and builtins when the
    path is empty) that start with ``prefix``."""
    if path:
        root = path[0]
        target = (
            f"(globals()[{root!r}] if {root!r} in globals() "
            f"else getattr(__import__('builtins'),{root!r}))"
        )
        for name in path[1:]:
            target = f"getattr({target},{name!r})"
        names = f"dir({target})"
    else:
        names = "list(globals())+dir(__import__('builtins'))"
    return f"[n for n in {names} if n.startswith({prefix!r})]"


def complete(device: Device, line: str) -> Completion:
    """The names that could complete ``line`` on the board ``device``, in one call. A path
    that does not exist completes to nothing.

    As in MicroPython's REPL, names starting with ``_`` are offered only once ``_`` is
    typed; the engine's own helpers on the board never are."""
    target = completion_target(line)
    if target is None:
        return Completion("", ())
    path, prefix = target
    try:
        found = device(completion_query(path, prefix), record=False)
    except PyboardException:  # no such name or attribute on the board
        return Completion(prefix, ())
    names = {
        name
        for name in found
        if isinstance(name, str) and name not in RESERVED and (prefix or not name.startswith("_"))
    }
    return Completion(prefix, tuple(sorted(names)))
