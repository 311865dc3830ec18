"""Fetch one dependency's sources into memory, each file at its place in the group folder.

The place is ``<name>/<file>`` for downloaded files, archives and local folders (a single
``.py``/``.mpy`` becomes ``<name>/__init__.py`` when ``rename_to_init`` applies, as in Belay)
and the package's own ``dest`` paths for index packages, where a top-level module ``x.py``
becomes ``x/__init__.py`` under the same rule so every package has its own folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath

from ._archive import members
from ._config import Dependency, Project, Source
from ._fetch import Fetcher
from ._index import check_hash, resolve
from ._sources import SourceProblem, classify, file_name, is_archive

Report = Callable[[str, int, int], None]  # (url, bytes done, bytes expected or 0)

_MODULE_SUFFIXES = (".py", ".mpy")
_SKIPPED_DIRS = {"__pycache__", ".git", ".hg", ".svn"}


@dataclass(frozen=True)
class Fetched:
    path: str  # relative to the group folder
    content: bytes
    source: str  # the URL, or the local path relative to the project


def collect(dep: Dependency, project: Project, fetcher: Fetcher, report: Report) -> list[Fetched]:
    """All files of ``dep``; two sources landing on one path is an error."""
    files: dict[str, Fetched] = {}
    for source in dep.sources:
        for item in _source_files(dep, source, project, fetcher, report):
            if item.path in files:
                raise SourceProblem(
                    item.source, f"{files[item.path].source} and this both map to {item.path}"
                )
            files[item.path] = item
    return list(files.values())


def _source_files(
    dep: Dependency, source: Source, project: Project, fetcher: Fetcher, report: Report
) -> Iterator[Fetched]:
    origin = classify(source.uri, project.root)
    if origin.kind == "url":
        url = origin.target
        name = file_name(url)
        content = fetcher.get(url, lambda done, total: report(url, done, total))
        if is_archive(name):
            for rel, data in members(content, url):
                yield Fetched(f"{dep.name}/{rel}", data, url)
        else:
            yield Fetched(f"{dep.name}/{_renamed(name, source.rename_to_init)}", content, url)
    elif origin.kind == "local":
        yield from _local(dep, source, Path(origin.target), project.root)
    else:
        planned = resolve(
            fetcher, origin, indices=project.package_indices, mpy_version=project.mpy_version
        )
        for f in planned:
            content = fetcher.get(f.url, partial(report, f.url))
            if f.hash:
                check_hash(content, f.hash, f.url)
            yield Fetched(_folded(f.dest, source.rename_to_init), content, f.url)


def _local(dep: Dependency, source: Source, path: Path, root: Path) -> Iterator[Fetched]:
    shown = os.path.relpath(path, root)
    try:
        if path.is_file():
            name = _renamed(path.name, source.rename_to_init)
            yield Fetched(f"{dep.name}/{name}", path.read_bytes(), shown)
            return
        if not path.is_dir():
            raise SourceProblem(shown, "no such file or folder")
        for folder, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
            for name in sorted(names):
                if name.endswith(".pyc"):
                    continue
                file = Path(folder, name)
                rel = file.relative_to(path).as_posix()
                yield Fetched(f"{dep.name}/{rel}", file.read_bytes(), f"{shown}/{rel}")
    except OSError as e:
        raise SourceProblem(shown, e.strerror or str(e)) from None


def _renamed(name: str, rename_to_init: bool) -> str:
    suffix = PurePosixPath(name).suffix
    return f"__init__{suffix}" if rename_to_init and suffix in _MODULE_SUFFIXES else name


def _folded(dest: str, rename_to_init: bool) -> str:
    path = PurePosixPath(dest)
    if rename_to_init and len(path.parts) == 1 and path.suffix in _MODULE_SUFFIXES:
        return f"{path.stem}/__init__{path.suffix}"
    return dest
