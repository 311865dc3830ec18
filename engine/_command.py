"""The text of a command: what ``device("...")`` sends and how its result is labelled.

Pure functions of text, apart from ``Device`` so that the class keeps to Belay's semantics.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable
from typing import Any, TextIO

from . import codec
from .exceptions import NonLiteralError
from .minify import minify_checked


def command_code(cmd: str, minify: bool, flags: int) -> tuple[bytes, str | None]:
    """What ``device(cmd)`` sends, ``_BX('<statements>','<final expression>',flags)``, and
    that final expression (None when the code ends otherwise). The statements are minified
    when ``minify`` is set and the minified text compiles; the expression goes as written,
    since it labels the result."""
    exec_part, expr = split_final_expression(cmd)
    if minify and exec_part:
        exec_part = minify_checked(exec_part, "<command>").code
    args = codec.to_literal(exec_part, "code")
    if expr:
        args += "," + codec.to_literal(expr, "expression") + (f",{flags}" if flags else "")
    return f"_BX({args})".encode(), expr


def stream_writer(stream: TextIO) -> Callable[[str], None]:
    """A sink for ``stream_out``: flushed at every piece, so prints show as they come."""

    def write(text: str) -> None:
        stream.write(text)
        stream.flush()

    return write


def split_final_expression(cmd: str) -> tuple[str, str | None]:
    """("a = 1\nb = 2", "a + b") for "a = 1\nb = 2\na + b"; (cmd, None) when the code does
    not end with an expression (or is not valid Python, which the board will report)."""
    try:
        tree = ast.parse(cmd)
    except SyntaxError:
        return cmd, None
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return cmd, None
    last = tree.body[-1]
    lines = cmd.splitlines(keepends=True)
    start = sum(map(len, lines[: last.lineno - 1]))
    start += len(lines[last.lineno - 1].encode()[: last.col_offset].decode())
    head = cmd[:start].rstrip().rstrip(";")
    return head, ast.get_source_segment(cmd, last)


def trusted_value(payload: str, what: str) -> Any:
    """A literal as such; anything else rebuilt with ``eval``, as Belay's ``trusted`` does."""
    try:
        return codec.from_literal(payload, what)
    except NonLiteralError:
        try:
            return eval(payload, {"__builtins__": builtins})  # noqa: S307 - trusted=True
        except Exception as e:
            raise NonLiteralError(
                f"{what} returned {payload[:60]!r}, which eval cannot rebuild here: {e}"
            ) from None


def shorten(code: str) -> str:
    """Code as a label for a proxy or an error: one line, at most 60 characters."""
    line = " ".join(code.split())
    return line if len(line) <= 60 else line[:57] + "..."
