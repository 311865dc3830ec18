"""``belay-tui sync``, as a user runs it."""

from __future__ import annotations

import json

from test_sync import files, write

from belay_tui.cli import main


def test_dry_run_shows_the_plan_and_writes_nothing(board, tmp_path, capsys):
    src = tmp_path / "src"
    write(src, "a.py", "a = 1\n")
    write(board.root, "old.py", "x")
    assert main(["sync", board.port, str(src), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "added" in out and "/a.py" in out
    assert "deleted" in out and "/old.py" in out
    assert "1 added, 0 changed, 1 deleted, 0 unchanged" in out
    assert files(board.root) == {"old.py": b"x"}


def test_sync_with_options(board, tmp_path, capsys):
    src = tmp_path / "src"
    write(src, "a.py", "a = 1  # c\n")
    write(src, "skip.txt", "no")
    write(board.root, "app/mine.txt", "kept")
    argv = ["sync", board.port, str(src), "--dst", "/app", "--no-minify"]
    argv += ["--ignore", "*.txt", "--keep", "mine.txt"]
    assert main(argv) == 0
    assert "1 added" in capsys.readouterr().out
    assert files(board.root) == {"app/a.py": b"a = 1  # c\n", "app/mine.txt": b"kept"}
    assert main(["sync", board.port, str(src), "--dst", "/app", "--mpy-cross"]) == 0
    assert "app/a.mpy" in files(board.root)


def test_missing_folder_is_one_line(board, tmp_path, capsys):
    assert main(["sync", board.port, str(tmp_path / "nope")]) == 1
    assert capsys.readouterr().err == f"error: {tmp_path / 'nope'} does not exist\n"


def test_bad_dst_is_one_line(board, tmp_path, capsys):
    write(tmp_path / "src", "a.py", "")
    assert main(["sync", board.port, str(tmp_path / "src"), "--dst", "relative"]) == 1
    err = capsys.readouterr().err
    assert err == "error: dst 'relative' must be an absolute board path, starting with '/'\n"


def test_bench_sync_suite_reports_figures(capsys):
    assert main(["bench", "--suite", "sync", "--bps", "0", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    figures = result["sync"]
    assert figures["full_s"] > 0 and figures["noop_s"] > 0 and figures["one_changed_s"] > 0
    assert figures["corpus_bytes"] > 200_000
    assert figures["bytes_sent_full"] < figures["corpus_bytes"]


def test_files_sent_unminified_are_counted(board, tmp_path, capsys, caplog):
    src = tmp_path / "src"
    write(src, "ok.py", "a = 1  # c\n")
    write(src, "odd.py", "print 'python 2'\n")
    assert main(["sync", board.port, str(src)]) == 0
    assert "; 1 not minified (sent as written)" in " ".join(capsys.readouterr().out.split())
    (record,) = caplog.records  # on the terminal, through logging's last-resort handler
    assert record.getMessage().startswith("odd.py: not minified: it does not compile on this")
    assert files(board.root) == {"ok.py": b"a=1\n", "odd.py": b"print 'python 2'\n"}
