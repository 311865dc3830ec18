"""``belay-tui sync|install|exec --port P1 --port P2 ...`` and ``--all``: every board at once,
a summary row per board, and an exit status that says whether all succeeded."""

from __future__ import annotations

import pytest
from pkgsite import make_project

from belay_tui.cli import main
from belay_tui.commands import _boards
from engine import PortInfo


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    """Summary rows on one line each, whatever the terminal."""
    monkeypatch.setenv("COLUMNS", "250")


def ports(vbs) -> list[str]:
    return [arg for vb in vbs for arg in ("--port", vb.port)]


def summary_row(out: str, board: str) -> str:
    (row,) = [line for line in out.splitlines() if board in line and "│" in line]
    return row


def test_sync_to_several_boards(boards, tmp_path, capsys):
    vbs = boards(3)
    project = tmp_path / "project"
    project.mkdir()
    (project / "main.py").write_text("print('hello')\n")
    assert main(["sync", *ports(vbs), str(project)]) == 0
    out = capsys.readouterr().out
    for vb in vbs:
        assert (vb.root / "main.py").read_text() == "print('hello')\n"
        assert "1 added" in summary_row(out, vb.port)
    assert "all 3 boards succeeded" in out


def test_one_board_without_room_fails_the_command_and_the_others_are_synced(
    boards, tmp_path, capsys
):
    roomy, cramped = boards(1)[0], boards(1, fs_size=4096)[0]
    project = tmp_path / "project"
    project.mkdir()
    (project / "big.bin").write_bytes(bytes(32768))
    assert main(["sync", "--port", roomy.port, "--port", cramped.port, str(project)]) == 1
    out = capsys.readouterr().out
    assert "failed" in summary_row(out, cramped.port)
    assert "1 added" in summary_row(out, roomy.port)
    assert "1 of 2 boards failed" in out
    assert (roomy.root / "big.bin").stat().st_size == 32768
    assert not (cramped.root / "big.bin").exists()  # nothing half-written


def test_exec_prints_each_result_under_its_board(boards, capsys):
    vbs = boards(2)
    vbs[1].root.joinpath("flag").write_text("")
    code = "import os\nprint('looking')\n'flag' in os.listdir('/')"
    assert main(["exec", *ports(vbs), code]) == 0
    lines = capsys.readouterr().out.splitlines()
    first = next(i for i, line in enumerate(lines) if vbs[0].port in line)
    second = next(i for i, line in enumerate(lines) if vbs[1].port in line)
    assert lines[first + 1 : first + 3] == ["looking", "False"]
    assert lines[second + 1 : second + 3] == ["looking", "True"]


def test_exec_on_a_missing_board_is_named_and_fails_the_command(boards, tmp_path, capsys):
    (vb,) = boards(1)
    missing = str(tmp_path / "ttyGONE")
    assert main(["exec", "--port", vb.port, "--port", missing, "6 * 7"]) == 1
    out = capsys.readouterr().out
    assert "no serial port" in summary_row(out, missing)
    assert "42" in out.splitlines()


def test_all_takes_every_attached_board(boards, tmp_path, capsys, monkeypatch):
    """USB boards cannot be staged here: the port list is recorded, its ports are virtual."""
    vbs = boards(2)
    listed = [PortInfo(vb.port, 0x2E8A, 0x0005, f"S{i}") for i, vb in enumerate(vbs)]
    listed.append(PortInfo("/dev/ttyS0"))  # a legacy UART with no board: left out
    monkeypatch.setattr(_boards, "list_devices", lambda: listed)
    assert main(["exec", "--all", "1 + 1"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines().count("2") == 2
    assert "all 2 boards succeeded" in out


def test_all_with_no_board_attached_is_one_line(capsys, monkeypatch):
    monkeypatch.setattr(_boards, "list_devices", lambda: [PortInfo("/dev/ttyS0")])
    assert main(["sync", "--all", "."]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "error: --all: no board attached (no USB serial port found)"


def test_one_port_given_with_the_option_works_as_the_positional(board, capsys):
    assert main(["exec", "--port", board.port, "6 * 7"]) == 0
    assert capsys.readouterr().out == "42\n"


def test_install_on_several_boards(boards, tmp_path, capsys):
    vbs = boards(2)
    root = make_project(tmp_path / "proj", '[tool.belay]\nname = "app"\n', package="app")
    (root / "boot_main.py").write_text("print('main ran')\n")
    args = ["install", *ports(vbs), "--project", str(root), "--main", str(root / "boot_main.py")]
    assert main(args) == 0
    out = capsys.readouterr().out
    for vb in vbs:
        assert (vb.root / "app" / "__init__.py").exists()
        assert (vb.root / "main.py").exists()
        assert "installed" in summary_row(out, vb.port)
