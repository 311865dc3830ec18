"""The app's settings from the command line, the environment and the project's
``[tool.belay-tui]`` table in ``pyproject.toml``.

The port: the command line, ``BELAY_DEVICE``, the table's ``port``, else the one board
attached, else the built-in virtual board. Whatever was not named by the user is said, so a
sync never lands on a board the user did not expect. The console: ``scrollback`` (lines kept
on screen) and ``log-output`` (board output also goes to the session log, so lines past the
scrollback are not lost).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import tomlkit

from engine import BelayException, PortInfo, attached_boards, list_devices, pick_board

VIRTUAL = "virtual"
AUTO = "auto"
NO_BOARD_NOTE = "using the virtual board: no board attached"
#: Console lines kept when the project sets none.
DEFAULT_SCROLLBACK = 10_000
#: Fewer lines than this would not fill a tall terminal.
MIN_SCROLLBACK = 100


@dataclass(frozen=True)
class PortChoice:
    """The port to open, and ``note``: what to tell the user about how it was chosen (empty
    when they named it)."""

    port: str
    note: str = ""


class SettingsError(BelayException):
    """A ``[tool.belay-tui]`` value of the wrong kind."""


def _table(project: Path) -> dict:
    """The project's ``[tool.belay-tui]`` table; empty when there is none or the file does not
    parse (the dependencies pane reports a broken ``pyproject.toml``)."""
    try:
        data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    table = data.get("tool", {}).get("belay-tui", {})
    return table if isinstance(table, dict) else {}


def project_port(project: Path) -> str | None:
    port = _table(project).get("port")
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


def remember_port(project: Path, port: str) -> Path:
    """Write ``[tool.belay-tui] port`` into the project's ``pyproject.toml`` (made if
    missing; formatting and comments kept), so later commands there use that board."""
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
    doc = tomlkit.parse(text)
    tool = doc.setdefault("tool", tomlkit.table(is_super_table=True))
    tool.setdefault("belay-tui", tomlkit.table())["port"] = port
    tmp = pyproject.with_name(f".{pyproject.name}.tmp")
    tmp.write_text(tomlkit.dumps(doc), encoding="utf-8")
    tmp.replace(pyproject)
    return pyproject


@dataclass(frozen=True)
class ConsoleSettings:
    scrollback: int = DEFAULT_SCROLLBACK
    log_output: bool = False


def console_settings(project: Path) -> ConsoleSettings:
    """The console's settings; :class:`SettingsError` names a value of the wrong kind."""
    table = _table(project)
    scrollback = table.get("scrollback", DEFAULT_SCROLLBACK)
    if isinstance(scrollback, bool) or not isinstance(scrollback, int):
        scrollback = -1
    if scrollback < MIN_SCROLLBACK:
        raise SettingsError(
            f"[tool.belay-tui] scrollback must be a whole number of lines, at least "
            f"{MIN_SCROLLBACK}, not {table.get('scrollback')!r}"
        )
    log_output = table.get("log-output", False)
    if not isinstance(log_output, bool):
        raise SettingsError(
            f"[tool.belay-tui] log-output must be true or false, not {log_output!r}"
        )
    return ConsoleSettings(scrollback, log_output)
