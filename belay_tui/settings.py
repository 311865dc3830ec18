"""Where the CLI and the app find their port: the command line, ``BELAY_DEVICE``, the
project's ``[tool.belay-tui] port``, else the one board attached, else the built-in virtual
board. Whatever was not named by the user is said, so a sync never lands on a board the
user did not expect."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from engine import PortInfo, attached_boards, list_devices, pick_board

VIRTUAL = "virtual"
AUTO = "auto"
NO_BOARD_NOTE = "using the virtual board: no board attached"


@dataclass(frozen=True)
class PortChoice:
    """The port to open, and ``note``: what to tell the user about how it was chosen (empty
    when they named it)."""

    port: str
    note: str = ""


def project_port(project: Path) -> str | None:
    try:
        data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    port = data.get("tool", {}).get("belay-tui", {}).get("port")
    return port if isinstance(port, str) and port else None


def choose_port(
    port: str | None, project: Path | None = None, ports: Iterable[PortInfo] | None = None
) -> PortChoice:
    """The port for ``port`` (as given on the command line, possibly None).

    ``auto``, or nothing named anywhere, takes the one attached board; several attached is
    an error listing them. ``auto`` with none attached is an error; nothing named with none
    attached is the virtual board. ``ports``: the port list (default: this machine's).
    """
    named = port or os.environ.get("BELAY_DEVICE") or project_port(project or Path.cwd())
    if named and named != AUTO:
        return PortChoice(named)
    ports = list_devices() if ports is None else list(ports)
    if not named and not attached_boards(ports):
        return PortChoice(VIRTUAL, NO_BOARD_NOTE)
    board = pick_board(ports)
    return PortChoice(board.device, f"using {board.label}: the one board attached")
