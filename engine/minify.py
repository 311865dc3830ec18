"""A line-preserving minifier for code sent to the board.

Fewer bytes means faster task definitions and syncs; keeping every line where it was means
a traceback from the board still points at the right line of the host file. Comments and
docstrings go, indentation becomes one space per level, and spaces between tokens are kept
only where two tokens would otherwise merge.

It works on the token stream, so every line break CPython accepts survives: an explicit
``\\`` continuation is written again, a break inside brackets stays a bare line break, and a
token spanning lines (a triple-quoted string, a string continued with ``\\``, an f-string)
is copied as it is in the source. ``# type:`` comments and the encoding line are kept.
"""

from __future__ import annotations

import io
import itertools
import re
import token
import tokenize
from dataclasses import dataclass

# Names that turn a following quote into a string prefix (t-strings: Python 3.14).
_PREFIXES = frozenset(
    p.lower() for p in ("b", "r", "u", "f", "t", "br", "rb", "fr", "rf", "tr", "rt")
)
_OPENERS, _CLOSERS = frozenset("([{"), frozenset(")]}")
# PEP 263: the encoding line, on line 1 or 2.
_CODING = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")
_TYPE_COMMENT = re.compile(r"#\s*type\s*:")
_LINE_BREAK = re.compile(r"\r\n?")
# Python 3.12+ tokenizes f-strings into parts (3.14 adds t-strings); None where it does not.
_PART_STARTS = frozenset(
    getattr(token, name) for name in ("FSTRING_START", "TSTRING_START") if hasattr(token, name)
)
_PART_ENDS = frozenset(
    getattr(token, name) for name in ("FSTRING_END", "TSTRING_END") if hasattr(token, name)
)


def minify(code: str) -> str:
    """Return ``code`` with comments, docstrings and needless spaces removed, same lines.

    Code that does not tokenize is returned unchanged (the board will report the error).
    """
    text = _LINE_BREAK.sub("\n", code.removeprefix("\ufeff"))
    try:
        tokens = _merged(list(tokenize.generate_tokens(io.StringIO(text).readline)), text)
    except (tokenize.TokenError, SyntaxError):  # IndentationError is a SyntaxError
        return code
    if any(t.type == token.ERRORTOKEN and not t.string.isspace() for t in tokens):
        return code
    return _Writer(text.count("\n") + (not text.endswith("\n") and text != "")).write(tokens)


@dataclass(frozen=True)
class Checked:
    """What to send for some source: ``code``, and ``reason`` when it is not minified."""

    code: str
    reason: str | None = None


def minify_checked(code: str, filename: str) -> Checked:
    """``code`` minified if the result compiles on the host, else ``code`` itself.

    The host's compiler is the judge: what it rejects after minifying is sent as written,
    with the reason, rather than a corrupted file reaching the board.
    """
    small = minify(code)
    try:
        compile(small, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:  # ValueError: a NUL byte in the source
        return Checked(code, f"not minified: {_why(e, code, filename)}")
    return Checked(small)


def _why(error: Exception, code: str, filename: str) -> str:
    """Why minifying was refused: the host cannot compile the source at all, or only the
    minified one (a minifier bug, said as such)."""
    try:
        compile(code, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        return f"it does not compile on this host ({_error_text(e)})"
    return f"the minified code would not compile ({_error_text(error)})"


def _error_text(error: Exception) -> str:
    line = getattr(error, "lineno", None)
    message = getattr(error, "msg", None) or str(error)
    return f"{message}, line {line}" if line else message


def _merged(tokens: list[tokenize.TokenInfo], code: str) -> list[tokenize.TokenInfo]:
    """Tokens with each f-string (tokenized into parts on Python 3.12+) made one STRING
    token holding its source text, so that it is copied as written."""
    if not _PART_STARTS:
        return tokens
    starts = [0]
    for line in code.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    out: list[tokenize.TokenInfo] = []
    nesting = 0
    first: tokenize.TokenInfo | None = None
    for tok in tokens:
        if tok.type in _PART_STARTS:
            nesting += 1
            first = first or tok
        elif tok.type in _PART_ENDS:
            nesting -= 1
            if nesting == 0 and first is not None:  # (a start always came first)
                begin = starts[first.start[0] - 1] + first.start[1]
                end = starts[tok.end[0] - 1] + tok.end[1]
                text = code[begin:end]
                out.append(tokenize.TokenInfo(token.STRING, text, first.start, tok.end, ""))
                first = None
        elif nesting == 0:
            out.append(tok)
    return out


class _Writer:
    """Writes tokens back out, one output line per source line."""

    def __init__(self, lines: int) -> None:
        self.lines = lines
        self.parts: list[str] = []
        self.row = 1  # the output line being written

    def write(self, tokens: list[tokenize.TokenInfo]) -> str:
        depth = 0  # indentation level
        brackets = 0  # open brackets: line breaks inside are free
        prev: tokenize.TokenInfo | None = None  # last token of this statement so far
        for i, tok in enumerate(tokens):
            kind = tok.type
            if kind == token.INDENT:
                depth += 1
            elif kind == token.DEDENT:
                depth -= 1
            elif kind == token.NEWLINE:
                prev = None
            elif kind == token.COMMENT:
                if _kept_comment(tok):
                    self._goto(tok.start[0])
                    self.parts.append(tok.string)
            elif kind in (token.NL, token.ENDMARKER) or tok.string == "":
                continue
            elif kind == token.ERRORTOKEN:
                continue  # stray whitespace (anything else was refused before)
            elif prev is None:  # the first token of a statement
                self._goto(tok.start[0])
                if _bare_string(tokens, i):
                    self.parts.append(_dropped_string(tokens, i, depth))
                else:
                    self.parts.append(" " * depth)
                    self._emit(tok)
                prev = tok
            else:
                if tok.start[0] > self.row:
                    self._goto(tok.start[0], "\n" if brackets else "\\\n")
                elif _needs_space(prev, tok):
                    self.parts.append(" ")
                self._emit(tok)
                prev = tok
            if kind == token.OP:
                brackets += (tok.string in _OPENERS) - (tok.string in _CLOSERS)
        self._goto(self.lines)
        return "".join(self.parts) + "\n" if self.lines else ""

    def _emit(self, tok: tokenize.TokenInfo) -> None:
        self.parts.append(tok.string)
        self.row += tok.end[0] - tok.start[0]

    def _goto(self, row: int, each: str = "\n") -> None:
        """Move the output to ``row`` with line breaks of the given kind."""
        if row > self.row:
            self.parts.append(each * (row - self.row))
            self.row = row


def _kept_comment(tok: tokenize.TokenInfo) -> bool:
    """``# type:`` comments (type checkers and ``ast.parse(type_comments=True)`` read them)
    and the encoding line."""
    text = tok.string
    return bool(_TYPE_COMMENT.match(text)) or (tok.start[0] <= 2 and bool(_CODING.match(text)))


def _bare_string(tokens: list[tokenize.TokenInfo], i: int) -> bool:
    """True when the token at ``i`` is a plain (not f-) string forming a whole statement."""
    tok = tokens[i]
    if tok.type != token.STRING:
        return False
    prefix = tok.string[: len(tok.string) - len(tok.string.lstrip("bBrRuUfFtT"))].lower()
    if "f" in prefix or "t" in prefix:
        return False  # an f-string runs code
    nxt = next((t for t in itertools.islice(tokens, i + 1, None) if t.type != token.COMMENT), None)
    return nxt is None or nxt.type in (token.NEWLINE, token.ENDMARKER)


def _dropped_string(tokens: list[tokenize.TokenInfo], i: int, depth: int) -> str:
    """What a bare string statement (a docstring) becomes: nothing, or ``0`` where it may be
    the only statement of its block."""
    if depth == 0 or not _dedents_after(tokens, i):
        return ""  # a module needs no statement; a statement follows in this block
    return " " * depth + "0"


def _dedents_after(tokens: list[tokenize.TokenInfo], i: int) -> bool:
    """True when the statement at ``i`` is the last of its block."""
    for t in itertools.islice(tokens, i + 1, None):
        if t.type not in (token.NEWLINE, token.NL, token.COMMENT):
            return t.type in (token.DEDENT, token.ENDMARKER)
    return True


def _ident_char(c: str) -> bool:
    return c.isalnum() or c == "_" or ord(c) > 127


def _needs_space(prev: tokenize.TokenInfo, tok: tokenize.TokenInfo) -> bool:
    """Whether ``prev`` and ``tok``, written side by side, would read as other tokens."""
    a, b = prev.string, tok.string
    if prev.type == token.NUMBER:
        # 1 if, 0x1 for, 1 .real: a number swallows what follows it.
        return _ident_char(b[0]) or b[0] == "."
    if prev.type == token.STRING and tok.type == token.STRING:
        return True  # '' 'x' must not become '''x'
    if _ident_char(a[-1]):
        if b[0] in "'\"":
            return a.lower() in _PREFIXES
        return _ident_char(b[0])
    return False
