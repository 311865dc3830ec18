"""Where the CLI and the app find their port: the command line, ``BELAY_DEVICE``, the
project's ``[tool.belay-tui] port``, or else the built-in virtual board."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import tomlkit

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
