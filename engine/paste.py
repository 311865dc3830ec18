"""Code run as MicroPython's paste mode (Ctrl-E at its REPL) runs it.

Paste mode compiles the block as a file, the way a module is, but in REPL mode: each
expression statement of the module's own code (in loops and ``if`` blocks too, not in a
function or class body) prints its value's ``repr`` (nothing for None), as it would typed at
``>>>``. The parser first drops an expression statement that is a constant
once folded (``7``, ``'text'``, ``2**8``, ``(1, 2)``, ``not 0``), so those print nothing.
``print(f(1))`` prints once; ``f(1)`` prints its value; ``x = f(1)`` prints nothing.

The host cannot switch a board in raw REPL to paste mode, so it sends the block with each
printing statement wrapped in the board's own ``__repl_print__``, the function paste mode
calls. Lines keep their numbers, so a traceback points where the block says.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from . import codec

if TYPE_CHECKING:
    from .device import Device

#: The builtin that paste mode prints a value with.
PRINTER = "__repl_print__"
_DIVISIONS = (ast.Div, ast.FloorDiv, ast.Mod)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def paste_source(code: str) -> str:
    """``code`` with every expression statement that paste mode prints wrapped in
    :data:`PRINTER`. Code that does not parse is returned as it is: the board reports the
    error, as paste mode would."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    lines = code.splitlines(keepends=True)
    printed = [s.value for s in _module_statements(tree.body) if isinstance(s, ast.Expr)]
    printed = sorted((node for node in printed if not _folded(node)), key=_start)
    for node in reversed(printed):  # from the end: earlier positions stay valid
        _insert(lines, *_end(node), ")")
        _insert(lines, *_start(node), PRINTER + "(")
    return "".join(lines)


def run_pasted(device: Device, code: str) -> None:
    """Run ``code`` on ``device`` as paste mode would: its prints and the values paste mode
    prints arrive as the board's output; nothing comes back. The block runs whole, as
    written (``device(code)`` would evaluate a final expression apart, on a line 1 of its
    own)."""
    device.call(f"_BX({codec.to_literal(paste_source(code), 'code')})".encode(), "the block")


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements that run in the module's own scope: those of ``body`` and of the
    blocks within them (loops, ``if``, ``try``, ``with``, ``match``), not those of a function
    or class body."""
    for statement in body:
        yield statement
        if isinstance(statement, _SCOPES):
            continue
        for field in ("body", "handlers", "cases", "orelse", "finalbody"):
            for item in getattr(statement, field, ()):
                if isinstance(item, ast.stmt):
                    yield from _module_statements([item])
                else:  # an except handler or a match case: a block of its own
                    yield from _module_statements(item.body)


def _start(node: ast.expr) -> tuple[int, int]:
    return node.lineno, node.col_offset


def _end(node: ast.expr) -> tuple[int, int]:
    assert node.end_lineno is not None and node.end_col_offset is not None  # ast.parse's
    return node.end_lineno, node.end_col_offset


def _insert(lines: list[str], lineno: int, col: int, text: str) -> None:
    """Insert ``text`` at ``col`` (a UTF-8 byte offset, as ``ast`` counts) of line
    ``lineno`` (from 1)."""
    line = lines[lineno - 1]
    at = len(line.encode()[:col].decode())
    lines[lineno - 1] = line[:at] + text + line[at:]


def _folded(node: ast.expr) -> bool:
    """Whether MicroPython's parser turns ``node`` into a constant (and so drops it as a
    statement): constants, arithmetic on numbers, ``not``/``and``/``or`` of constants, and
    non-empty tuples of constants. Operations on strings, ``True`` or ``False`` are not
    folded, nor a division by a literal zero (it raises when run)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Tuple):
        return bool(node.elts) and all(map(_folded, node.elts))
    if isinstance(node, ast.BoolOp):
        return all(map(_folded, node.values))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _folded(node.operand)
    return _number(node)


def _number(node: ast.expr) -> bool:
    """Whether ``node`` folds to a number."""
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float, complex)
    if isinstance(node, ast.UnaryOp):
        return not isinstance(node.op, ast.Not) and _number(node.operand)
    if isinstance(node, ast.BinOp):
        by_zero = (
            isinstance(node.op, _DIVISIONS)
            and isinstance(node.right, ast.Constant)
            and node.right.value == 0
        )
        return _number(node.left) and _number(node.right) and not by_zero
    return False
