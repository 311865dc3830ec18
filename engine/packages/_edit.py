"""``add``: a dependency into ``pyproject.toml`` with tomlkit, so the user's formatting and
comments survive. The dependency is fetched first; the file is written only if that works."""

from __future__ import annotations

import os

import tomlkit
from tomlkit.items import Table

from ..events import EventBus
from ._config import MAIN, ProjectLike, as_project, parse_project
from ._errors import ConfigError
from ._sources import dependency_name
from ._update import UpdateResult, update


def add_dependency(
    name: str | None,
    uri: str,
    project: ProjectLike = None,
    *,
    group: str = MAIN,
    develop: bool = False,
    rename_to_init: bool = True,
    events: EventBus | None = None,
    timeout: float = 10.0,
) -> UpdateResult:
    """Fetch ``uri`` as dependency ``name`` of ``group`` (made if missing), then add it to
    ``pyproject.toml``. Nothing is written if the name is taken or the fetch fails.
    ``name=None`` takes it from the URI, as Belay's ``add URI`` does."""
    project = as_project(project)
    if name is None:
        name = dependency_name(uri)
        if name is None:
            raise ConfigError(f"cannot tell a dependency name from {uri!r}; give one: add NAME URI")
    for value, what in ((name, "dependency name"), (group, "group name")):
        if not value.isidentifier():
            raise ConfigError(
                f"{what} {value!r} must be a Python identifier "
                "(it names a folder below the dependencies folder)"
            )
    if any(d.name == name for d in project.dependencies() if d.group == group):
        raise ConfigError(
            f"{project.pyproject}: {name!r} is already a dependency of group {group!r}; "
            "edit it there"
        )
    original = project.pyproject.read_text(encoding="utf-8")
    text = _with_dependency(original, name, uri, group, develop, rename_to_init)
    edited = parse_project(text, project.pyproject)
    result = update(edited, [f"{group}/{name}"], events=events, timeout=timeout)
    tmp = project.pyproject.with_name(f".{project.pyproject.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, project.pyproject)
    return result


def _with_dependency(
    text: str, name: str, uri: str, group: str, develop: bool, rename_to_init: bool
) -> str:
    doc = tomlkit.parse(text)
    parent = _table(_table(doc, "tool"), "belay")
    if group != MAIN:
        parent = _table(_table(parent, "group"), group)
    created = "dependencies" not in parent
    deps = _table(parent, "dependencies", header=True)
    if develop or not rename_to_init:  # Belay's forms: a string unless options are needed
        value = tomlkit.inline_table()
        value["uri"] = uri
        if develop:
            value["develop"] = True
        if not rename_to_init:
            value["rename_to_init"] = False
        deps[name] = value
    else:
        deps[name] = uri
    if not created:
        return tomlkit.dumps(doc)
    deps.add(tomlkit.nl())  # a blank line before whatever table follows...
    return tomlkit.dumps(doc).rstrip("\n") + "\n"  # ...but none piled up at the end


def _table(parent, key: str, header: bool = False) -> Table:
    """``parent[key]``, made if missing: tables made only to hold others get no header."""
    if key not in parent:
        parent[key] = tomlkit.table(is_super_table=not header)
    return parent[key]
