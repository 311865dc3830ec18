"""The session log: ``<project>/.belay/session.log``, one line per thing that happened.

It lets a user answer "what did I run, and what went wrong?" after the fact. Secrets (the
WebREPL password, ``BELAY_PASSWORD``) are replaced before anything reaches the disk. It
records every REPL line, so it rotates: past ``MAX_BYTES`` it becomes ``session.log.1``
(replacing the previous one) and a new file starts. New projects' ``.gitignore`` leaves it out.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path

REDACTED = "***"
MAX_BYTES = 1 << 20  # one file's size before it rotates; two are kept


class SessionLog:
    """Appends timestamped lines to a file; a log that cannot be written turns itself off
    (``error`` says why) instead of breaking the session."""

    def __init__(
        self, path: Path, secrets: Iterable[str | None] = (), max_bytes: int = MAX_BYTES
    ) -> None:
        self.path = path
        self.error: str | None = None
        self.max_bytes = max_bytes
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._lock = threading.Lock()
        self._file = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._open()
        except OSError as e:
            self.error = f"cannot write the session log {path}: {e.strerror or e}"

    def _open(self) -> None:
        """Open the log for appending, rotating it first when it is already full."""
        if self.path.is_file() and self.path.stat().st_size >= self.max_bytes:
            self.path.replace(self.path.with_name(self.path.name + ".1"))
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - open for the session

    @classmethod
    def for_project(cls, project: Path, password: str | None) -> SessionLog:
        return cls(project / ".belay" / "session.log", (password, os.environ.get("BELAY_PASSWORD")))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def write(self, kind: str, text: str) -> None:
        """One entry; continuation lines are indented so each entry starts at column 0."""
        if self._file is None:
            return
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        body = self.redact(text.rstrip("\n")).replace("\n", "\n" + " " * 32)
        with self._lock:
            try:
                self._file.write(f"{stamp} {kind:<11} {body}\n")
                self._file.flush()
                if self._file.tell() >= self.max_bytes:
                    self._file.close()
                    self._open()
            except (OSError, ValueError) as e:
                self.error = f"cannot write the session log {self.path}: {e}"
                self._file = None

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
