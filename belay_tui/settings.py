"""The app's settings from the project's ``[tool.belay-tui]`` table in ``pyproject.toml``.

The port: the command line, ``BELAY_DEVICE``, the table's ``port``, or else the built-in
virtual board. The console: ``scrollback`` (lines kept on screen) and ``log-output`` (board
output also goes to the session log, so lines past the scrollback are not lost).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from engine import BelayException

VIRTUAL = "virtual"
#: Console lines kept when the project sets none.
DEFAULT_SCROLLBACK = 10_000
#: Fewer lines than this would not fill a tall terminal.
MIN_SCROLLBACK = 100


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


def resolve_port(port: str | None, project: Path | None = None) -> str:
    return port or os.environ.get("BELAY_DEVICE") or project_port(project or Path.cwd()) or VIRTUAL


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
