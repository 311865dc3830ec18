"""A line-preserving minifier for code sent to the board.

Fewer bytes means faster task definitions and syncs; keeping every line where it was means
a traceback from the board still points at the right line of the host file. Comments and
docstrings go, indentation becomes one space per level, and spaces between tokens are
kept only where two names or numbers would otherwise merge.
"""

from __future__ import annotations

import io
import keyword
import token
import tokenize

_JOINS = {token.NAME, token.NUMBER}


def minify(code: str) -> str:
    """Return ``code`` with comments, docstrings and needless spaces removed, same lines.

    Code that does not tokenize is returned unchanged (the board will report the error).
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return code
    rows: dict[int, list[str]] = {}  # physical line -> its parts
    absorbed: set[int] = set()  # lines inside a multi-line token, printed by that token
    depth = 0
    prev: tokenize.TokenInfo | None = None
    expect_doc = True  # at the start of the module or of a block
    for i, tok in enumerate(tokens):
        kind = tok.type
        if kind == token.INDENT:
            depth += 1
            continue
        if kind == token.DEDENT:
            depth -= 1
            continue
        if kind in (token.NEWLINE, token.NL, token.COMMENT, token.ENDMARKER):
            prev = None if kind != token.COMMENT else prev
            continue
        row = rows.get(tok.start[0])
        if row is None:
            # First token of a physical line: a statement gets its depth, a continuation
            # line (inside brackets) one space.
            row = rows[tok.start[0]] = [" " * depth if prev is None else " "]
        text = tok.string
        if expect_doc and prev is None and kind == token.STRING and _alone(tokens, i):
            text = "0"  # a docstring: keep a statement, drop the text
        elif prev is not None and _needs_space(prev, tok):
            row.append(" ")
        row.append(text)
        # A token spanning lines (a triple-quoted string) carries their line breaks; what
        # follows it on its last line continues the same output line.
        for r in range(tok.start[0] + 1, tok.end[0] + 1):
            if text is tok.string:
                rows[r] = row
                absorbed.add(r)
            else:
                rows[r] = []
        expect_doc = kind == token.OP and tok.string == ":"
        prev = tok
    last = max(rows, default=0)
    lines = []
    for r in range(1, last + 1):
        if r in absorbed:
            continue
        parts = rows.get(r, [])
        lines.append("".join(parts).rstrip() if any(p.strip() for p in parts) else "")
    return "\n".join(lines) + "\n" if lines else ""


def _alone(tokens: list[tokenize.TokenInfo], i: int) -> bool:
    """True when the string token at ``i`` stands alone as an expression statement."""
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    return nxt is not None and nxt.type in (token.NEWLINE, token.ENDMARKER, token.COMMENT)


def _needs_space(prev: tokenize.TokenInfo, tok: tokenize.TokenInfo) -> bool:
    a, b = prev.string, tok.string
    if not a or not b:
        return False
    if (a[-1].isalnum() or a[-1] == "_") and (b[0].isalnum() or b[0] in "_'\""):
        return True
    if prev.type == token.NUMBER and b[0] == ".":
        return True
    if prev.type == token.OP and tok.type == token.OP:
        return False
    return keyword.iskeyword(a) and b[0] in "([{'\"-~.@*" and a not in ("None", "True", "False")
