"""Tab completion from the board: the names a line could go on with, as MicroPython's own REPL
finds them.

The line's last dotted name is split into a path and a prefix (``machine.Pi`` into
``machine`` and ``Pi``). One short call asks the board for the names of the object at the
path (or, without a path, the globals and builtins) that start with the prefix. The object
is reached only by looking names up — ``getattr`` along the path, never a call — so
completing runs no user code beyond attribute lookup. Anything after a call or an index
(``f().x``, ``a[0].x``) would need running code to know, and is not completed.

After ``import`` or ``from``, a line completes to the names of modules the board can import:
its built-in and frozen modules, and the ``.py`` and ``.mpy`` files and packages along its
``sys.path`` (``import ma`` to ``machine``, ``import asyncio.co`` to ``core``); after
``from pkg import``, to pkg's submodules, and its names once the board has it loaded. This is
one call too, and it imports nothing.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._boardcode import MODULE_LISTING, RESERVED
from .exceptions import PyboardException

if TYPE_CHECKING:
    from .device import Device

# The dotted name at the end of a line: the path with its dots, then the prefix. It must not
# follow a dot itself: ``f().x``, ``"s".up`` and ``a[0].x`` are attributes of values.
_TAIL = re.compile(r"(?:^|(?<=[^\w.]))((?:[A-Za-z_]\w*\.)*)(\w*)$")
# A statement, alone on the line or after a ``;``, that names a module at its end: the
# dotted path so far, then the name being typed.
_DOTTED = r"((?:[A-Za-z_]\w*\.)*)(\w*)$"
_IMPORT = re.compile(r"(?:^|;)\s*import\s+(?:[\w.]+(?:\s+as\s+\w+)?\s*,\s*)*" + _DOTTED)
_FROM = re.compile(r"(?:^|;)\s*from\s+" + _DOTTED)
# ``from pkg.mod import name`` (after other names, each maybe renamed with ``as``).
_FROM_IMPORT = re.compile(
    r"(?:^|;)\s*from\s+([A-Za-z_][\w.]*)\s+import\s+(?:\w+(?:\s+as\s+\w+)?\s*,\s*)*(\w*)$"
)


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


def module_target(line: str) -> tuple[list[str], str, bool] | None:
    """``(package path, prefix, inside)`` when ``line`` ends in a module's name after
    ``import`` or ``from`` (``inside``: after ``from pkg import``, the names in pkg), else
    None."""
    match = _FROM_IMPORT.search(line)
    if match is not None:
        return match.group(1).split("."), match.group(2), True
    match = _IMPORT.search(line) or _FROM.search(line)
    if match is None or match.group(2)[:1].isdigit():
        return None
    dotted, prefix = match.groups()
    return [part for part in dotted.split(".") if part], prefix, False


def can_complete(line: str) -> bool:
    """Whether Tab at the end of ``line`` completes (rather than indents)."""
    return module_target(line) is not None or completion_target(line) is not None


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
    """The names that could complete ``line`` on the board ``device``, in one call: module
    names after ``import`` or ``from``, else the names at the end of the line's dotted
    path. A path that does not exist completes to nothing."""
    module = module_target(line)
    if module is not None:
        return _complete_module(device, *module)
    target = completion_target(line)
    if target is None:
        return Completion("", ())
    path, prefix = target
    try:
        found = device(completion_query(path, prefix), record=False)
    except PyboardException:  # no such name or attribute on the board
        return Completion(prefix, ())
    return _offered(prefix, found)


def _complete_module(device: Device, path: list[str], prefix: str, inside: bool) -> Completion:
    listing = io.StringIO()
    query = f"{MODULE_LISTING}_BM({path!r},{prefix!r},{int(inside)})"
    try:
        found = device(query, record=False, stream_out=listing)
    except PyboardException:  # a firmware too small to list its filesystem, say
        return Completion(prefix, ())
    builtin = help_modules(listing.getvalue(), path)
    names = [name for name in [*found, *builtin] if isinstance(name, str) and name.isidentifier()]
    return _offered(prefix, [name for name in names if name.startswith(prefix)])


def help_modules(listing: str, path: list[str]) -> set[str]:
    """The modules under the package ``path`` in the text ``help('modules')`` prints: names
    in columns, frozen packages' modules as ``pkg/mod`` (``pkg/__init__`` for pkg itself),
    then a line saying that the filesystem has more."""
    names: set[str] = set()
    for line in listing.splitlines():
        if line.startswith("Plus any modules"):
            break
        for entry in line.split():
            parts = entry.split("/")
            if len(parts) > len(path) and parts[: len(path)] == path:
                names.add(parts[len(path)])
    names.discard("__init__")
    return names


def _offered(prefix: str, found: list) -> Completion:
    """As in MicroPython's REPL, names starting with ``_`` only once ``_`` is typed; the
    engine's own helpers on the board never."""
    names = {
        name
        for name in found
        if isinstance(name, str) and name not in RESERVED and (prefix or not name.startswith("_"))
    }
    return Completion(prefix, tuple(sorted(names)))
