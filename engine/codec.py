"""Values crossing the link: Python literals out, literals back, and reply framing.

Arguments are sent as their ``repr`` and results come back as the board's ``repr``, so only
what ``ast.literal_eval`` reads is allowed (numbers, strings, bytes, None, booleans and
lists, tuples, dicts and sets of them). Checking on the host gives a message that names the
argument instead of a confusing error from the board.

Replies are framed by a random per-connection token that the board holds. User code that
prints protocol-looking text (``OK``, ``\\x04``, Belay's ``_BELAYR``) cannot end a reply
early because it cannot know the token.
"""

from __future__ import annotations

import ast
import secrets
import string

from .exceptions import NonLiteralError

FRAME_START = "\x1e"


def new_token() -> str:
    """A reply marker: a record-separator byte and three random letters."""
    return FRAME_START + "".join(secrets.choice(string.ascii_letters) for _ in range(3))


def to_literal(value: object, what: str) -> str:
    """``repr(value)`` if it reads back as the same value, else :class:`NonLiteralError`."""
    text = repr(value)
    try:
        back = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        back = _NOT_SAME
    if back != value or type(back) is not type(value):
        raise NonLiteralError(
            f"{what} is {_describe(value)}, which is not a Python literal "
            "(use numbers, strings, bytes, None, booleans, or lists/tuples/dicts/sets of them)"
        )
    return text


def from_literal(text: str, what: str) -> object:
    """Parse a reply the board sent as a ``repr``."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        short = text if len(text) <= 60 else text[:57] + "..."
        raise NonLiteralError(
            f"{what} returned {short}, which is not a Python literal; "
            "return numbers, strings, bytes, None, booleans or containers of them"
        ) from None


def _describe(value: object) -> str:
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"a {type(value).__name__} ({text})"


class _NotSame:
    def __eq__(self, other: object) -> bool:
        return False


_NOT_SAME = _NotSame()
