"""How right and how small ``engine.minify`` is on real code, next to Belay's minifier.

The corpus is code no one here wrote: an evenly spaced, sorted (so always the same) sample of
the running interpreter's standard library, found where it is installed, plus any folders
the caller adds. Each file that compiles is minified, and judged: does it still parse, does it
keep its line count and the line of every statement, and does it keep its meaning (the same
AST once docstrings, other bare constant statements and ``pass`` are set aside, since the
minifier drops those).
"""

from __future__ import annotations

import ast
import io
import json
import subprocess
import sysconfig
import tokenize
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import FeatureUnavailableError
from ..minify import minify

SAMPLE = 300  # standard library files in the corpus


def stdlib_sample(count: int = SAMPLE, max_bytes: int | None = None) -> list[Path]:
    """``count`` standard library modules (of at most ``max_bytes`` each), evenly spaced
    over the sorted list of all."""
    root = Path(sysconfig.get_paths()["stdlib"])
    every = sorted(
        p
        for p in root.rglob("*.py")
        if not {"site-packages", "dist-packages"} & set(p.relative_to(root).parts)
        and (max_bytes is None or p.stat().st_size <= max_bytes)
    )
    if len(every) <= count:
        return every
    return [every[i * len(every) // count] for i in range(count)]


def read_source(path: Path) -> str | None:
    """The text of a Python file as CPython decodes it, or None when it does not compile."""
    try:
        with tokenize.open(path) as f:
            text = f.read()
        compile(text, str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError, UnicodeDecodeError, OSError):
        return None
    return text


@dataclass
class Verdict:
    """Counts over a corpus; ``failures``: (file, what went wrong) for each file that failed."""

    files: int = 0
    no_longer_parses: int = 0
    line_count_changed: int = 0
    lines_moved: int = 0  # a statement or expression now starts on another line
    meaning_changed: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def size_ratio(self) -> float:
        """Minified bytes over source bytes (smaller is better)."""
        return self.bytes_out / self.bytes_in if self.bytes_in else 1.0

    def figures(self) -> dict:
        return {
            "files": self.files,
            "no_longer_parses": self.no_longer_parses,
            "line_count_changed": self.line_count_changed,
            "lines_moved": self.lines_moved,
            "meaning_changed": self.meaning_changed,
            "size_ratio": round(self.size_ratio, 3),
        }


def judge(pairs: Iterable[tuple[str, str, str]]) -> Verdict:
    """Judge (name, source, minified) triples."""
    verdict = Verdict()
    for name, source, small in pairs:
        verdict.files += 1
        verdict.bytes_in += len(source.encode())
        verdict.bytes_out += len(small.encode())
        problem = _problem(source, small, verdict)
        if problem:
            verdict.failures.append((name, problem))
    return verdict


def _problem(source: str, small: str, verdict: Verdict) -> str | None:
    try:
        after = _tree(small)
        compile(small, "<minified>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        verdict.no_longer_parses += 1
        return f"no longer parses: {e}"
    before = _tree(source)
    problems = []
    if _line_count(source) != _line_count(small):
        verdict.line_count_changed += 1
        problems.append("line count changed")
    if _lines(before) != _lines(after):
        verdict.lines_moved += 1
        problems.append("lines moved")
    if ast.dump(before) != ast.dump(after):
        verdict.meaning_changed += 1
        problems.append("meaning changed")
    return ", ".join(problems) or None


def _line_count(text: str) -> int:
    """Lines as CPython counts them (``str.splitlines`` also breaks at form feeds)."""
    return len(io.StringIO(text, newline=None).readlines())


def _tree(text: str) -> ast.Module:
    """The AST with type comments where the code allows them, without the statements a
    minifier may drop."""
    try:
        tree = ast.parse(text, type_comments=True)
    except SyntaxError:
        tree = ast.parse(text)
    return _Unpadded().visit(tree)


class _Unpadded(ast.NodeTransformer):
    """Removes docstrings, other bare constant statements and ``pass``."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for name in ("body", "orelse", "finalbody"):
            body = getattr(node, name, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                body[:] = [s for s in body if not _padding(s)]
        return node


def _padding(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Pass) or (
        isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
    )


def _lines(tree: ast.AST) -> list[tuple[str, int]]:
    return [(type(n).__name__, n.lineno) for n in ast.walk(tree) if hasattr(n, "lineno")]


def corpus(
    count: int = SAMPLE, max_bytes: int | None = None, extra: Iterable[Path] = ()
) -> dict[str, str]:
    """Source by file name: the standard library sample and ``extra`` files that compile."""
    out = {}
    for path in [*stdlib_sample(count, max_bytes), *extra]:
        text = read_source(path)
        if text is not None:
            out[str(path)] = text
    return out


def judge_minifier(sources: dict[str, str], fn: Callable[[str], str] = minify) -> Verdict:
    return judge((name, text, fn(text)) for name, text in sources.items())


_BELAY_MINIFY = """
import json, sys
from belay._minify import minify
out = {}
for name, text in json.load(sys.stdin).items():
    try:
        out[name] = minify(text)
    except Exception as e:
        out[name] = None
print(json.dumps(out))
"""


def belay_minified(sources: dict[str, str], python: str) -> dict[str, str | None]:
    """Belay's minifier run on ``sources`` in the interpreter where Belay is installed;
    None for a file it raised on."""
    try:
        done = subprocess.run(
            [python, "-c", _BELAY_MINIFY],
            input=json.dumps(sources),
            capture_output=True,
            text=True,
            timeout=300,
        )
    except OSError as e:
        raise FeatureUnavailableError(f"cannot run {python}: {e.strerror}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise FeatureUnavailableError(f"Belay's minifier failed in {python}: {last}")
    return json.loads(done.stdout)


def measure_minify(belay_python: str | None = None, count: int = SAMPLE) -> dict:
    """The verdict on ``engine.minify`` over the corpus, and with ``belay_python`` on
    Belay's, with the ratio of their sizes."""
    sources = corpus(count)
    ours = judge_minifier(sources).figures()
    figures = {f"ours_{k}": v for k, v in ours.items()}
    if belay_python:
        theirs_text = belay_minified(sources, belay_python)
        raised = sum(v is None for v in theirs_text.values())
        theirs = judge(
            (name, sources[name], text) for name, text in theirs_text.items() if text is not None
        ).figures()
        figures |= {f"belay_{k}": v for k, v in theirs.items()}
        figures["belay_raised"] = raised
        figures["ours_size_over_belays"] = round(ours["size_ratio"] / theirs["size_ratio"], 3)
    return figures
