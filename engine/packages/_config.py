"""``[tool.belay]`` in ``pyproject.toml``, read with tomllib and checked key by key.

Belay's schema, so existing projects load unchanged: ``name``, ``ignore``, ``dependencies``,
``dependencies_path``, ``group.NAME.{optional, dependencies}``, ``mpy_version`` and
``package_indices``. As in Belay, what Belay accepts loads: an unknown key is a
:class:`ConfigWarning` naming the closest known key (a typo such as ``dependancies`` would
otherwise silently install nothing), a group may be named ``dev-tools``, ``name`` may be a
path such as ``src/pkg``, and ``dependencies_path`` may lie outside the project.
``strict=True`` (the CLI's ``--strict``) makes each of those an error instead.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..exceptions import BelayWarning
from ._errors import ConfigError, toml_problem
from ._paths import safe_relpath

DEFAULT_INDICES = ("https://micropython.org/pi/v2",)
DEFAULT_DEPENDENCIES_PATH = ".belay/dependencies"
MAIN = "main"

_BELAY_KEYS = (
    "name",
    "ignore",
    "dependencies",
    "dependencies_path",
    "group",
    "mpy_version",
    "package_indices",
)
_GROUP_KEYS = ("optional", "dependencies")
_SOURCE_KEYS = ("uri", "develop", "rename_to_init")
_SAFE_GROUP = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_VERSION = re.compile(r"^\d+(\.\d+)*$")
_VERSION_RANGE = tuple("^~><=!")


class ConfigWarning(BelayWarning):
    """``pyproject.toml`` has something Belay accepts but that may be a mistake (an unknown
    key). Shown once per file and key; ``strict=True`` makes it a :class:`ConfigError`."""


@dataclass(frozen=True)
class Source:
    """One place a dependency's files come from, as written in ``pyproject.toml``."""

    uri: str
    develop: bool = False  # fetched afresh at every install (an editable local copy)
    rename_to_init: bool = False  # a single downloaded module becomes the package's __init__


@dataclass(frozen=True)
class Dependency:
    """A named entry in a group: its files live in ``<dependencies>/<group>/<name>/``."""

    group: str
    name: str
    sources: tuple[Source, ...]

    @property
    def key(self) -> str:
        return f"{self.group}/{self.name}"

    @property
    def develop(self) -> bool:
        return any(s.develop for s in self.sources)

    @property
    def uris(self) -> list[str]:
        return [s.uri for s in self.sources]


@dataclass(frozen=True)
class Group:
    name: str
    optional: bool
    dependencies: tuple[Dependency, ...]


@dataclass(frozen=True)
class Project:
    """A loaded project: where it is and what ``[tool.belay]`` asks for."""

    root: Path
    pyproject: Path
    name: str | None
    ignore: tuple[str, ...]
    dependencies_folder: Path
    groups: tuple[Group, ...]  # "main" first, then the others by name
    package_indices: tuple[str, ...]
    mpy_version: str

    @property
    def belay_dir(self) -> Path:
        return self.root / ".belay"

    @property
    def lock_path(self) -> Path:
        return self.belay_dir / "lock.toml"

    def group(self, name: str) -> Group:
        for group in self.groups:
            if group.name == name:
                return group
        known = ", ".join(g.name for g in self.groups)
        raise ConfigError(f"no dependency group {name!r} in {self.pyproject} (groups: {known})")

    def group_folder(self, name: str) -> Path:
        return self.dependencies_folder / name

    def dependencies(self, groups: Iterable[str] | None = None) -> list[Dependency]:
        """Every dependency, or those of the named groups."""
        chosen = self.groups if groups is None else [self.group(g) for g in groups]
        return [dep for group in chosen for dep in group.dependencies]

    def install_groups(self, with_groups: Iterable[str] = ()) -> list[Group]:
        """The groups an install pushes: all non-optional ones plus those asked for."""
        wanted = {self.group(g).name for g in with_groups}
        return [g for g in self.groups if not g.optional or g.name in wanted]

    def select(self, names: Iterable[str]) -> list[Dependency]:
        """Dependencies named ``name`` (in any group) or ``group/name``; unknown names fail."""
        names = list(names)
        if not names:
            return self.dependencies()
        chosen: list[Dependency] = []
        for wanted in names:
            found = [d for d in self.dependencies() if wanted in (d.name, d.key)]
            if not found:
                known = ", ".join(d.key for d in self.dependencies()) or "none"
                raise ConfigError(f"no dependency {wanted!r} in {self.pyproject} (known: {known})")
            chosen.extend(d for d in found if d not in chosen)
        return chosen


ProjectLike = Project | str | Path | None


def as_project(project: ProjectLike) -> Project:
    """A loaded project as is; a path (or ``None``: the current folder) loaded."""
    return project if isinstance(project, Project) else load_project(project)


def find_pyproject(start: Path) -> Path:
    """``start`` itself if it is a file, else the nearest ``pyproject.toml`` at or above it."""
    start = start.resolve()
    if start.is_file():
        return start
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    raise ConfigError(f"no pyproject.toml in {start} or any folder above it")


def load_project(path: str | Path | None = None, *, strict: bool = False) -> Project:
    """Load the project whose ``pyproject.toml`` is at or above ``path`` (default: cwd).
    ``strict``: refuse what Belay accepts but this tool would rather not (see the module
    docstring) instead of warning or allowing it."""
    pyproject = find_pyproject(Path(path or "."))
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read {pyproject}: {e}") from None
    return parse_project(text, pyproject, strict=strict)


def parse_project(text: str, pyproject: Path, *, strict: bool = False) -> Project:
    """Check ``text`` (the content of ``pyproject``) and build the :class:`Project`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{pyproject}: invalid TOML {toml_problem(e)}") from None
    return _Checker(pyproject, strict).project(data)


class _Checker:
    """Walks the parsed TOML; every complaint names the file and the dotted key."""

    def __init__(self, pyproject: Path, strict: bool = False) -> None:
        self.pyproject = pyproject
        self.root = pyproject.parent
        self.strict = strict

    def fail(self, message: str) -> ConfigError:
        return ConfigError(f"{self.pyproject}: {message}")

    def expect(self, value: Any, kind: type | tuple[type, ...], key: str, what: str) -> Any:
        # bool is an int in Python but not in TOML.
        wrong_bool = isinstance(value, bool) and bool not in (
            kind if isinstance(kind, tuple) else (kind,)
        )
        if not isinstance(value, kind) or wrong_bool:
            raise self.fail(f"{key} must be {what}, not {_describe(value)}")
        return value

    def known_keys(self, table: dict, allowed: tuple[str, ...], where: str) -> None:
        """Unknown keys are ignored with a warning, as Belay ignores them (errors if strict)."""
        for key in table:
            if key not in allowed:
                near = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean {near[0]!r}?" if near else f" (known: {', '.join(allowed)})"
                message = f"unknown key {where}.{key}{hint}"
                if self.strict:
                    raise self.fail(message)
                # The default filter shows a given message once: once per file and key.
                warnings.warn(f"{self.pyproject}: {message}; ignored", ConfigWarning, stacklevel=2)

    def project(self, data: dict) -> Project:
        tool = self.expect(data.get("tool", {}), dict, "tool", "a table")
        belay = self.expect(tool.get("belay", {}), dict, "tool.belay", "a table")
        self.known_keys(belay, _BELAY_KEYS, "tool.belay")
        groups = [self.group(MAIN, {"dependencies": belay.get("dependencies", {})}, "tool.belay")]
        extra = self.expect(belay.get("group", {}), dict, "tool.belay.group", "a table")
        for name in sorted(extra):
            if name == MAIN:
                raise self.fail(
                    "tool.belay.group.main: put main dependencies in [tool.belay.dependencies]"
                )
            self.check_group_name(name)
            groups.append(self.group(name, extra[name], f"tool.belay.group.{name}"))
        return Project(
            root=self.root,
            pyproject=self.pyproject,
            name=self.project_name(belay.get("name")),
            ignore=tuple(self.strings(belay.get("ignore", []), "tool.belay.ignore")),
            dependencies_folder=self.dependencies_folder(belay.get("dependencies_path")),
            groups=tuple(groups),
            package_indices=tuple(self.indices(belay.get("package_indices"))),
            mpy_version=self.mpy_version(belay.get("mpy_version", "py")),
        )

    def project_name(self, name: Any) -> str | None:
        if name is None:
            return None
        self.expect(name, str, "tool.belay.name", "a string")
        # Belay takes a path below the project ("src/pkg"); the board gets its last part.
        rel = safe_relpath(name.rstrip("/"))
        if rel is None or (self.strict and "/" in rel):
            what = "a folder name" if self.strict else "a folder path"
            raise self.fail(f"tool.belay.name = {name!r} must be {what} in the project")
        return rel

    def strings(self, value: Any, key: str) -> list[str]:
        self.expect(value, list, key, "an array of strings")
        for i, item in enumerate(value):
            self.expect(item, str, f"{key}[{i}]", "a string")
        return value

    def dependencies_folder(self, value: Any) -> Path:
        key = "tool.belay.dependencies_path"
        rel = self.expect(value or DEFAULT_DEPENDENCIES_PATH, str, key, "a string")
        folder = (self.root / Path(rel).expanduser()).resolve()
        root = self.root.resolve()
        inside = folder != root and folder.is_relative_to(root)
        if self.strict and (safe_relpath(rel) is None or not inside):
            raise self.fail(f"{key} = {rel!r} must name a folder inside the project, below it")
        # clean() deletes what it does not know in this folder: never the project, a folder
        # holding it, or the filesystem's root.
        if folder == root or root.is_relative_to(folder) or folder == Path(folder.anchor):
            raise self.fail(
                f"{key} = {rel!r} must name a folder of its own, not one holding the project"
            )
        return folder

    def indices(self, value: Any) -> list[str]:
        if value is None:
            return list(DEFAULT_INDICES)
        urls = self.strings(value, "tool.belay.package_indices")
        for url in urls:
            parsed = urlparse(url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise self.fail(f"tool.belay.package_indices: {url!r} is not an http(s) URL")
        return [u.rstrip("/") for u in urls]

    def mpy_version(self, value: Any) -> str:
        self.expect(value, str, "tool.belay.mpy_version", "a string")
        if value != "py" and not value.isdigit():
            raise self.fail(
                f'tool.belay.mpy_version = {value!r}: use "py" for source or a number such as "6"'
            )
        return value

    def check_group_name(self, name: str) -> None:
        """A group names one folder below the dependencies folder. Belay takes any name
        (``dev-tools``); one that is a single safe folder name is enough here, unless strict."""
        if self.strict or not _SAFE_GROUP.match(name):
            self.check_name(name, "group name", "tool.belay.group")

    def check_name(self, name: str, what: str, where: str) -> None:
        # Names become folder names below the dependencies folder: identifiers only, so
        # "..", "a/b" and "/x" can never point outside it.
        if not name.isidentifier():
            raise self.fail(
                f"{what} {name!r} in [{where}] must be a Python identifier "
                "(it names a folder below the dependencies folder)"
            )

    def group(self, name: str, table: Any, where: str) -> Group:
        self.expect(table, dict, where, "a table")
        self.known_keys(table, _GROUP_KEYS, where)
        optional = self.expect(table.get("optional", False), bool, f"{where}.optional", "a boolean")
        deps_key = f"{where}.dependencies"
        deps = self.expect(table.get("dependencies", {}), dict, deps_key, "a table")
        dependencies = []
        for dep_name, value in deps.items():
            self.check_name(dep_name, "dependency name", deps_key)
            sources = self.sources(dep_name, value, f"{deps_key}.{dep_name}")
            dependencies.append(Dependency(name, dep_name, tuple(sources)))
        return Group(name, optional, tuple(dependencies))

    def sources(self, name: str, value: Any, key: str) -> list[Source]:
        """Belay's three forms: a string, an array of strings/tables, or one table."""
        if isinstance(value, str):
            return [Source(self.versioned(name, value, key), rename_to_init=True)]
        if isinstance(value, dict):
            return [self.source_table(name, value, key, rename_default=True)]
        self.expect(value, list, key, "a string, an array or a table")
        if not value:
            raise self.fail(f"{key} is an empty array: give at least one URI")
        sources = []
        for i, item in enumerate(value):
            if isinstance(item, str):
                sources.append(Source(item))
            else:
                self.expect(item, dict, f"{key}[{i}]", "a string or a table")
                sources.append(self.source_table(name, item, f"{key}[{i}]", rename_default=False))
        if sum(s.rename_to_init for s in sources) > 1:
            raise self.fail(f"{key}: only one source may set rename_to_init")
        return sources

    def source_table(self, name: str, table: dict, key: str, rename_default: bool) -> Source:
        self.known_keys(table, _SOURCE_KEYS, key)
        if "uri" not in table:
            raise self.fail(f"{key}.uri is missing")
        uri = self.expect(table["uri"], str, f"{key}.uri", "a string")
        develop = table.get("develop", False)
        rename = table.get("rename_to_init", rename_default)
        return Source(
            uri=self.versioned(name, uri, f"{key}.uri"),
            develop=self.expect(develop, bool, f"{key}.develop", "a boolean"),
            rename_to_init=self.expect(rename, bool, f"{key}.rename_to_init", "a boolean"),
        )

    def versioned(self, name: str, uri: str, key: str) -> str:
        """Belay's shorthands: ``"*"``/``"latest"`` -> the index package ``name``;
        ``"1.2.0"`` -> ``name@1.2.0``. Ranges are refused: the index has no solver."""
        if not uri.strip():
            raise self.fail(f"{key} is an empty string")
        if uri.startswith(_VERSION_RANGE):
            raise self.fail(f"{key} = {uri!r}: version ranges are not supported; use an exact one")
        if uri in ("*", "latest"):
            return name
        if _VERSION.match(uri):
            return f"{name}@{uri}"
        return uri


def _describe(value: Any) -> str:
    kinds = {bool: "a boolean", str: "a string", int: "an integer", float: "a float"}
    kinds |= {list: "an array", dict: "a table"}
    for kind, text in kinds.items():
        if isinstance(value, kind):
            return f"{text} ({value!r})" if kind in (bool, str, int, float) else text
    return type(value).__name__
