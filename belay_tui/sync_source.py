"""Which folder of the project the sync pane puts on the board, and where.

Most of a project stays on the host (``pyproject.toml``, the host program, ``.belay/``), so
the pane syncs the part meant for the board, found in this order:

1. ``[tool.belay-tui] sync = "DIR"`` in ``pyproject.toml`` (to ``/``);
2. a ``board/`` folder (Belay's documented layout, ``device.sync("board")``), to ``/``;
3. the package ``[tool.belay] name`` (the ``belay-tui new`` layout), to ``/<name>``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SyncSource:
    folder: Path
    dst: str
    why: str  # which rule chose it, for the pane's header

    def label(self, project: Path) -> str:
        try:
            shown = self.folder.relative_to(project).as_posix() + "/"
        except ValueError:
            shown = str(self.folder)
        return f"{shown} → {self.dst}"


def _tool(project: Path) -> dict:
    try:
        data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}  # the dependencies pane reports a broken pyproject.toml
    tool = data.get("tool", {})
    return tool if isinstance(tool, dict) else {}


def find_sync_source(project: Path) -> SyncSource | None:
    """The folder to sync, or None when the project has none of the three."""
    tool = _tool(project)
    configured = tool.get("belay-tui", {}).get("sync")
    if isinstance(configured, str) and configured:
        return SyncSource(project / configured, "/", "[tool.belay-tui] sync")
    if (project / "board").is_dir():
        return SyncSource(project / "board", "/", "board/ folder")
    name = tool.get("belay", {}).get("name")
    if isinstance(name, str) and name and (project / name).is_dir():
        return SyncSource(project / name, f"/{name}", "[tool.belay] name")
    return None


NO_SOURCE = (
    "Nothing to sync yet: make a board/ folder in the project for the files that go on the "
    'board, or set [tool.belay-tui] sync = "DIR" in pyproject.toml.'
)
