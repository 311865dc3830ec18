"""Reading numbers out of lines a board prints, for the plot.

People print readings in a few shapes: one number (``12.5``), several in columns
(``1, 2.5, 3`` or ``1 2.5 3``), or named values (``t=21.3 h=40``, ``t: 21.3, h: 40``). A line
of any of these shapes gives one value per series: columns are named ``1``, ``2``, …; named
values by their names. Any other line (text, a mix) gives nothing.
"""

from __future__ import annotations

import re

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_SEPARATOR = r"(?:\s*[,;]\s*|\s+)"
_PAIR = rf"([A-Za-z_]\w*)\s*[=:]\s*({_NUMBER})"
_COLUMNS = re.compile(rf"\s*({_NUMBER}(?:{_SEPARATOR}{_NUMBER})*)\s*[,;]?\s*")
_PAIRS = re.compile(rf"\s*{_PAIR}(?:{_SEPARATOR}{_PAIR})*\s*[,;]?\s*")
_ONE_PAIR = re.compile(_PAIR)
_ONE_NUMBER = re.compile(_NUMBER)


def numbers(line: str) -> dict[str, float] | None:
    """The values on ``line`` by series name, or None when it is not a line of numbers."""
    if len(line) > 1000:  # a reading is short; a long line is data of another kind
        return None
    if _COLUMNS.fullmatch(line):
        values = _ONE_NUMBER.findall(line)
        return {str(i): float(v) for i, v in enumerate(values, 1)}
    if _PAIRS.fullmatch(line):
        return {name: float(value) for name, value in _ONE_PAIR.findall(line)}
    return None
