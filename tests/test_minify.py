"""``engine.minify`` on every layout CPython accepts, and over real code no one here wrote."""

from __future__ import annotations

import ast
import logging
import textwrap
from pathlib import Path

import pytest

from engine import minify
from engine._source import function_source
from engine.bench import measure_minify
from engine.bench._minify import corpus, judge_minifier, read_source
from engine.minify import minify_checked

TESTS = Path(__file__).parent


def same_program(source: str) -> str:
    """Minify ``source``, checking it compiles to the same lines and (docstrings aside) AST."""
    compile(source, "case", "exec")
    small = minify(source)
    verdict = judge_minifier({"case": source}, lambda _: small)
    assert verdict.failures == [], small
    return small


@pytest.mark.parametrize(
    "source",
    [
        "def total(a, b):\n    return a + \\\n        b\n",
        "x = 1 + \\\n\\\n    2\n",
        "if a and \\\n   b:\n    pass\n",
        "x = [1,\n\n     # a comment line\n     2]\n",
        "s = '''a\n  b''' + \\\n  'c'\n",
        "s = 'one \\\ntwo'\n",
        "s = f\"{x!r:>{w}} {{y}}\" f'{\"q\"}' '' 'x' u'z'\nb = rb'\\d' b'' B\"x\"\n",
        "x = 1 if y else 0x1f\ny = 1 .real\nz = 1.e5 if 1. else 2j\n",
        "def f():\n\tif x:\n\t\treturn 1\n\treturn 2\n",
        'def f():\n    """Only a\n    docstring."""\nclass A:\n    \'doc\'\n    x = 1\n',
        "x: 'int' = 1\nlambda: 'not a docstring'\n",
        "v = 1  # type: int\n"
        "def f(a,  # type: int\n      ):\n    # type: (...) -> None\n    pass\n",
        "import os  # type: ignore\n",
        "print('no newline at the end')",
        "x = 1\r\ny = 2\r\n",
        "if x:\n \tif y:\n \t\tz = 1\n \telse:\n\x0c \t\tz = 2\n",
        "s = f'''{\n  x}\n  '''  # a multi-line f-string\n",
        "# type: ignore\nx = 1\n",
        "from . import x\n",
    ],
)
def test_layouts_keep_lines_and_meaning(source):
    same_program(source)


def test_the_issue_example_keeps_its_continuation():
    assert minify("def total(a, b):\n    return a + \\\n        b\n") == (
        "def total(a,b):\n return a+\\\nb\n"
    )


def test_comments_docstrings_and_spaces_go():
    small = same_program('"""Doc."""\nimport os  # why\n\n\ndef f( a ):\n    return  a\n')
    assert small == "\nimport os\n\n\ndef f(a):\n return a\n"


def test_type_comments_and_the_encoding_line_stay():
    small = same_program("# -*- coding: latin-1 -*-\nx = []  # type: list\n# other\n")
    assert small == "# -*- coding: latin-1 -*-\nx=[]# type: list\n\n"
    tree = ast.parse(small, type_comments=True)
    assert tree.body[0].type_comment == "list"


def test_a_docstring_alone_in_a_block_leaves_a_statement():
    assert minify('def f():\n    """doc"""\n') == "def f():\n 0\n"
    assert minify('def f():\n    """doc"""\n    return 1\n') == "def f():\n\n return 1\n"


def test_code_that_does_not_tokenize_is_returned_as_is():
    assert minify("x = (1,\n") == "x = (1,\n"
    assert minify("x = $\n") == "x = $\n"


def test_checked_refuses_code_the_host_cannot_compile():
    checked = minify_checked("def f(:\n  pass\n", "bad.py")
    assert checked.code == "def f(:\n  pass\n"
    assert checked.reason.startswith("not minified: it does not compile on this host")
    assert "line 1" in checked.reason
    assert minify_checked("x = 1  # c\n", "ok.py") == type(checked)("x=1\n")


def test_real_code_keeps_lines_and_meaning():
    """A sample of this interpreter's standard library (found where it is installed) and
    the MicroPython-style code and tests of this project: each file minified must parse,
    keep its line count and every statement's line, and its AST (docstrings aside)."""
    board_code = sorted(TESTS.rglob("*.py"))
    sources = corpus(300, max_bytes=6000, extra=board_code)
    assert len(sources) > 300
    verdict = judge_minifier(sources)
    assert verdict.failures == []
    assert verdict.size_ratio < 0.8


def test_board_code_fixtures_compile():
    for path in sorted((TESTS / "board_code").glob("*.py")):
        assert read_source(path) is not None, path


def test_a_task_the_host_cannot_compile_alone_is_sent_as_written(tmp_path, caplog):
    # `nonlocal` compiles inside `outer`, but not in the task's own source.
    module = tmp_path / "nonlocal_task.py"
    module.write_text(
        textwrap.dedent(
            """
            def outer():
                x = 1
                def task():
                    nonlocal x  # a comment minifying would drop
                    return x
                return task
            """
        )
    )
    namespace: dict = {}
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    with caplog.at_level(logging.WARNING, logger="engine._source"):
        source = function_source(namespace["outer"]())
    assert "# a comment minifying would drop" in source.code
    (record,) = caplog.records
    assert "task task" in record.getMessage() and "not minified" in record.getMessage()
    assert "nonlocal" in record.getMessage()


def test_bench_figures_name_what_they_count():
    figures = measure_minify(count=5)
    assert 0 < figures["ours_files"] <= 5
    assert figures["ours_no_longer_parses"] == figures["ours_meaning_changed"] == 0
    assert 0 < figures["ours_size_ratio"] < 1


def test_a_command_with_a_continuation_runs_on_the_board(device):
    assert device("total = 1 + \\\n    2\ntotal") == 3
