"""The REPL's history, kept per project in ``<project>/.belay/history``.

One entry per line, as a JSON string, so a multi-line block stays one entry. The file only
ever grows by appending (a crash cannot cut it short), and is rewritten with the newest
``KEEP`` entries once it holds twice that many. Lines that do not read as entries are skipped
and counted, never rewritten away: the file is left as it was found.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

#: Entries kept when the file is trimmed.
KEEP = 1000


class History:
    """Entries oldest first. ``error`` says why the file could not be read or written (the
    history then lives in memory only); ``skipped`` counts unreadable lines."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path  # None: in memory only
        self.entries: list[str] = []
        self.skipped = 0
        self.error: str | None = None
        self._load()

    @classmethod
    def for_project(cls, project: Path) -> History:
        return cls(project / ".belay" / "history")

    def _load(self) -> None:
        if self.path is None:
            return
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as e:
            self.error = f"cannot read the history {self.path}: {getattr(e, 'strerror', e)}"
            return
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            if isinstance(entry, str):
                self.entries.append(entry)
            elif line.strip():
                self.skipped += 1
        if len(self.entries) >= 2 * KEEP and not self.skipped:
            self._rewrite()

    @property
    def problem(self) -> str | None:
        """What the user should hear about the file, in one line, or None."""
        if self.error is None and self.skipped:
            plural = "s" if self.skipped > 1 else ""
            return f"{self.skipped} unreadable line{plural} in {self.path} skipped"
        return self.error

    def add(self, code: str) -> None:
        """Remember ``code`` (not again right after itself) and append it to the file."""
        if not code or (self.entries and self.entries[-1] == code):
            return
        self.entries.append(code)
        if self.error is not None or self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(code) + "\n")
        except OSError as e:
            self.error = f"cannot write the history {self.path}: {e.strerror or e}"

    def _rewrite(self) -> None:
        """Keep the newest entries, replacing the file in one step."""
        self.entries = self.entries[-KEEP:]
        temporary = self.path.with_name(self.path.name + ".new")
        try:
            temporary.write_text("".join(json.dumps(e) + "\n" for e in self.entries), "utf-8")
            os.replace(temporary, self.path)
        except OSError as e:
            self.error = f"cannot write the history {self.path}: {e.strerror or e}"
