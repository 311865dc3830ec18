"""The one-exchange operations: list, stat, walk, hash, df, mkdir, remove, rename. Each
sends its small board function and the call; board errors become one-line messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import codec
from . import _board
from ._errors import board_errors

if TYPE_CHECKING:
    from ..device import Device


def run(
    device: Device, kind: str, call: str, path: str | list[str], *args: Any, about: str = ""
) -> Any:
    """Define the ``kind`` function on the board and call ``call(path, *args)``; an error
    names ``about`` (default: the path)."""
    values = ",".join(codec.to_literal(v, "the request") for v in (path, *args))
    code = _board.op_code(kind) + _board.guarded(f"{call}({values})")
    name = about or (path if isinstance(path, str) else path[0])
    with board_errors(name):
        return device.call(code, f"{kind} {name}")


def walk(device: Device, paths: list[str]) -> list[tuple[str, int]]:
    """(path, size) of each path and, for a folder, of everything under it; size -1 for
    a folder. One exchange for all the paths."""
    return [tuple(e) for e in run(device, "tree", "_BKt", paths)]
