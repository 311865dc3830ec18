"""``.belay/lock.toml``: the sha256 and source of every file ``update`` fetched.

Belay trusts whatever is in the dependencies folder. The lock lets ``install`` refuse a
file that changed (edited by hand, damaged, swapped) since the last ``update``, and records
which dependency owns which path so ``clean`` and ``update`` never delete a file another
dependency still needs. Paths are relative to the group's folder, as they land in ``/lib``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import tomlkit

from ._errors import ConfigError, toml_problem
from ._paths import safe_relpath, top_level

LOCK_VERSION = 1
_HEADER = (
    "Written by `belay-tui update`: the sha256 and source of every fetched file.\n"
    "`belay-tui install` refuses files that differ. Commit it with the dependencies folder."
)


@dataclass(frozen=True)
class LockedFile:
    path: str  # relative to the group folder
    sha256: str
    source: str  # the URL or local path the bytes came from


@dataclass(frozen=True)
class LockEntry:
    group: str
    name: str
    uris: tuple[str, ...]  # the sources as configured when fetched
    files: tuple[LockedFile, ...]
    develop: bool = False

    @property
    def key(self) -> str:
        return f"{self.group}/{self.name}"


@dataclass
class Lock:
    entries: dict[str, LockEntry] = field(default_factory=dict)
    exists: bool = False  # False for a project Belay managed: nothing to check against

    @classmethod
    def load(cls, path: Path) -> Lock:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"cannot read {path}: {e}") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(
                f"{path}: invalid TOML {toml_problem(e)}; run `belay-tui update` to write it again"
            ) from None
        try:
            entries = [_entry(raw) for raw in data.get("dependency", [])]
        except (KeyError, TypeError, ValueError) as e:
            raise ConfigError(
                f"{path}: not a lock this version understands ({e}); "
                "run `belay-tui update` to write it again"
            ) from None
        return cls({e.key: e for e in entries}, exists=True)

    def save(self, path: Path) -> None:
        """Write atomically, sorted, one file per line: small diffs in review."""
        doc = tomlkit.document()
        for line in _HEADER.splitlines():
            doc.add(tomlkit.comment(line))
        doc.add("version", LOCK_VERSION)
        tables = tomlkit.aot()
        for key in sorted(self.entries):
            tables.append(_table(self.entries[key]))
        doc.add("dependency", tables)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(tomlkit.dumps(doc), encoding="utf-8")
        os.replace(tmp, path)
        self.exists = True

    def owners(self, group_path: str, group: str | None = None) -> list[str]:
        """Keys of the entries that hold ``group_path``: in ``group``'s folder, or in any
        group's (all groups land in the same ``/lib``)."""
        return [
            key
            for key, e in self.entries.items()
            if (group is None or e.group == group) and any(f.path == group_path for f in e.files)
        ]

    def top_levels(self, group: str) -> set[str]:
        """The first path parts of everything ``group``'s entries hold."""
        held = [e for e in self.entries.values() if e.group == group]
        return {top_level(f.path) for e in held for f in e.files}


def _entry(raw: dict) -> LockEntry:
    files = []
    for f in raw["files"]:
        path = safe_relpath(f["path"])
        if path is None:
            raise ValueError(f"path {f['path']!r} escapes the dependencies folder")
        files.append(LockedFile(path, str(f["sha256"]), str(f["source"])))
    return LockEntry(
        group=str(raw["group"]),
        name=str(raw["name"]),
        uris=tuple(str(u) for u in raw["uris"]),
        files=tuple(files),
        develop=bool(raw.get("develop", False)),
    )


def _table(entry: LockEntry) -> tomlkit.items.Table:
    table = tomlkit.table()
    table.add("group", entry.group)
    table.add("name", entry.name)
    table.add("uris", list(entry.uris))
    if entry.develop:
        table.add("develop", True)
    files = tomlkit.array()
    files.multiline(True)
    for f in sorted(entry.files, key=lambda f: f.path):
        item = tomlkit.inline_table()
        item.update({"path": f.path, "sha256": f.sha256, "source": f.source})
        files.append(item)
    table.add("files", files)
    return table
