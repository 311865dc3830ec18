"""Belay 0.30's command line and configuration, as Belay's users write them."""

from __future__ import annotations

import json

from belay_tui.cli import main


def test_info_says_where_dependencies_go(board, tmp_path, capsys):
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "pyproject.toml").write_text(
        '[tool.belay]\ndependencies_path = "../shared-deps"\n'
    )
    assert main(["info", board.port, "--json", "--project", str(tmp_path / "proj")]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["dependencies_path"] == str(tmp_path / "shared-deps")
    assert info["dependencies_on_board"] == "/lib"


def test_unknown_key_warns_in_one_line_and_strict_refuses(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool.belay]\nnmae = 'x'\n")
    assert main(["clean", "--project", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "unknown key tool.belay.nmae; did you mean 'name'?" in err
    assert main(["clean", "--project", str(tmp_path), "--strict"]) == 1
    assert "error:" in capsys.readouterr().err
