"""Where the CLI and the app find their port: the command line, ``BELAY_DEVICE``, the
project's ``[tool.belay-tui] port``, or else the built-in virtual board."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

VIRTUAL = "virtual"


def project_port(project: Path) -> str | None:
    try:
        data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    port = data.get("tool", {}).get("belay-tui", {}).get("port")
    return port if isinstance(port, str) and port else None


def resolve_port(port: str | None, project: Path | None = None) -> str:
    return port or os.environ.get("BELAY_DEVICE") or project_port(project or Path.cwd()) or VIRTUAL
