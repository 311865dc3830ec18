"""Turning a host function into code for the board, with a map back to host lines."""

from __future__ import annotations

import ast
import inspect
import logging
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from ._boardcode import RESERVED
from .exceptions import SpecialFunctionNameError
from .minify import minify_checked

_log = logging.getLogger(__name__)

# Decorators that register with us (device.task, Device.thread, belay.Device.setup(...)).
_OURS = re.compile(r"(^|\.)(task|thread|setup|teardown)(\(.*\))?$", re.S)


@dataclass
class Source:
    name: str
    code: str  # what the board runs
    filename: str
    host_lines: list[int]  # host line of each board line (1-based board line -> index + 1)
    function: Callable
    body: str = ""  # for setup/teardown: the function body, dedented

    def host_line(self, board_line: int) -> int | None:
        if 1 <= board_line <= len(self.host_lines):
            return self.host_lines[board_line - 1]
        return None


def check_name(name: str) -> None:
    if (name.startswith("__") and name.endswith("__")) or name.startswith("_belay"):
        raise SpecialFunctionNameError(
            f"{name!r} is reserved (Belay reserves __dunder__ and _belay* names); rename it"
        )
    if name in RESERVED:
        raise SpecialFunctionNameError(f"{name!r} is used by the engine on the board; rename it")


def function_source(f, *, use_minify: bool = True) -> Source:
    """The source of ``f`` without our decorators, dedented, optionally minified."""
    check_name(f.__name__)
    try:
        lines, start = inspect.getsourcelines(f)
    except (OSError, TypeError) as e:
        raise SpecialFunctionNameError(f"cannot read the source of {f.__name__}: {e}") from None
    text = textwrap.dedent("".join(lines))
    tree = ast.parse(text)
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        raise SpecialFunctionNameError(f"{f.__name__} is not a plain function definition")
    src_lines = text.splitlines()
    keep: list[int] = []  # 0-based indexes into src_lines
    for dec in node.decorator_list:
        if not _OURS.search(ast.unparse(dec)):
            keep.extend(range(dec.lineno - 1, dec.end_lineno or dec.lineno))
    end = node.end_lineno or node.lineno
    keep.extend(range(node.lineno - 1, end))
    code = "\n".join(src_lines[i] for i in keep) + "\n"
    filename = inspect.getsourcefile(f) or "<unknown>"
    if use_minify:
        checked = minify_checked(code, filename)
        if checked.reason:  # sent as written rather than broken
            _log.warning("task %s (%s, line %d): %s", f.__name__, filename, start, checked.reason)
        code = checked.code
    body_start = node.body[0].lineno - 1
    if isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
        body_start = node.body[0].end_lineno or body_start + 1  # skip a docstring
    body = textwrap.dedent("\n".join(src_lines[body_start:end])) + "\n"
    return Source(
        name=f.__name__,
        code=code,
        filename=filename,
        host_lines=[start + i for i in keep],
        function=f,
        body=body,
    )


_FRAME = re.compile(r'File "<(?:stdin|string)>", line (\d+), in (\w+)')


def rewrite_traceback(text: str, sources: dict[str, Source]) -> str:
    """Point frames of known tasks at the host file and line they came from."""

    def fix(m: re.Match) -> str:
        src = sources.get(m.group(2))
        line = src.host_line(int(m.group(1))) if src else None
        if src is None or line is None:
            return m.group(0)
        return f'File "{src.filename}", line {line}, in {m.group(2)}'

    text = _INTERNAL.sub("", text)
    return _FRAME.sub(fix, text)


# Frames of the engine's own runtime on the board (_B, _BX, ...): noise to a user.
_INTERNAL = re.compile(r'  File "<stdin>", line \d+, in _B\w*\r?\n')
