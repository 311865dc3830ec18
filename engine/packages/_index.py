"""MicroPython packages in mip's v2 layout, resolved to the files they install.

An index serves ``{index}/package/{mpy}/{name}/{version}.json``; a package.json lists
``hashes`` (``[dest, short sha256]``, the file is ``{index}/file/{h[:2]}/{h}``), ``urls``
(``[dest, url]``; relative URLs and ``github:`` shorthands allowed) and ``deps``
(``[name or URL, version]``), which are followed. ``dest`` paths are relative to ``/lib``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlparse

from ._fetch import Fetcher
from ._paths import safe_relpath
from ._sources import ARCHIVE_SUFFIXES, Origin, SourceProblem, classify, file_name, rewrite

_HEX = re.compile(r"^[0-9a-fA-F]{8,64}$")


@dataclass(frozen=True)
class IndexedFile:
    """One file a package installs: ``dest`` below ``/lib``, where to get it, and the
    index's short sha256 of it (for ``hashes`` entries)."""

    dest: str
    url: str
    hash: str | None = None
    package: str = ""


def resolve(
    fetcher: Fetcher,
    origin: Origin,
    *,
    indices: tuple[str, ...],
    mpy_version: str,
) -> list[IndexedFile]:
    """Every file of the package at ``origin`` (``index`` or ``manifest`` kind) and of the
    packages it depends on, each package once, as mip would install them."""
    files: dict[str, IndexedFile] = {}
    seen: set[str] = set()
    pending = [origin]
    while pending:
        current = pending.pop(0)
        if current.target.lower() in seen:
            continue
        seen.add(current.target.lower())
        if current.kind == "url":  # mip also takes a plain .py URL as a dependency
            entries = [IndexedFile(file_name(current.target), current.target, None, current.target)]
            deps: list[Origin] = []
        else:
            url, data, index = _manifest(fetcher, current, indices, mpy_version)
            entries = list(_entries(data, url, index, current))
            deps = [_dep_origin(name, ver, url) for name, ver in _pairs(data, "deps", url)]
        for entry in entries:
            known = files.get(entry.dest)
            if known is not None and known.url != entry.url:
                raise SourceProblem(
                    entry.url, f"{entry.dest} is listed by both {known.package} and {entry.package}"
                )
            files[entry.dest] = entry
        pending.extend(deps)
    return list(files.values())


class HashMismatch(SourceProblem):
    """Downloaded bytes whose sha256 is not the one the index promised."""


def check_hash(content: bytes, expected: str, url: str) -> None:
    """Refuse ``content`` unless its sha256 starts with the index's ``expected`` digits."""
    actual = hashlib.sha256(content).hexdigest()
    if not actual.startswith(expected.lower()):
        raise HashMismatch(
            url, f"sha256 {actual[: len(expected)]} does not match the index's {expected.lower()}"
        )


def _manifest(
    fetcher: Fetcher, origin: Origin, indices: tuple[str, ...], mpy_version: str
) -> tuple[str, dict, str]:
    """The package.json's URL, its content, and the index its ``hashes`` refer to (for a
    package.json fetched by URL, mip uses the first index)."""
    if origin.kind == "manifest":
        url = origin.target
        return url, _load_json(fetcher.get(url), url), indices[0] if indices else ""
    tried = []
    for index in indices:
        url = f"{index}/package/{mpy_version}/{origin.target}/{origin.version}.json"
        try:
            return url, _load_json(fetcher.get(url), url), index
        except SourceProblem as e:
            if not e.reason.startswith("HTTP 404"):
                raise
            tried.append(index)
    raise SourceProblem(
        ", ".join(tried) or "no index",
        f"package {origin.target!r} (version {origin.version}) is not in the index",
    )


def _load_json(content: bytes, url: str) -> dict:
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SourceProblem(url, f"not a package.json ({e})") from None
    if not isinstance(data, dict):
        raise SourceProblem(url, "not a package.json (expected a JSON object)")
    return data


def _pairs(data: dict, key: str, url: str) -> list[tuple[str, str]]:
    value = data.get(key, [])
    ok = isinstance(value, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in value
    )
    if not ok:
        raise SourceProblem(url, f"package.json {key!r} must be a list of [string, string] pairs")
    return [(a, b) for a, b in value]


def _entries(data: dict, manifest_url: str, index: str, origin: Origin):
    package = origin.target
    ref = "HEAD" if origin.version == "latest" else origin.version
    for dest, digest in _pairs(data, "hashes", manifest_url):
        if not _HEX.match(digest):
            raise SourceProblem(manifest_url, f"hash {digest!r} for {dest} is not hexadecimal")
        url = f"{index}/file/{digest[:2]}/{digest}"
        yield IndexedFile(_dest(dest, manifest_url), url, digest, package)
    for dest, source in _pairs(data, "urls", manifest_url):
        url = urljoin(manifest_url, rewrite(source, ref))
        if urlparse(url).scheme not in ("http", "https"):
            raise SourceProblem(manifest_url, f"{source!r} for {dest} is not an http(s) URL")
        yield IndexedFile(_dest(dest, manifest_url), url, None, package)


def _dest(dest: str, url: str) -> str:
    checked = safe_relpath(dest)
    if checked is None:
        raise SourceProblem(url, f"the install path {dest!r} escapes the dependencies folder")
    return checked


def _dep_origin(dep: str, version: str, manifest_url: str) -> Origin:
    """A dep is an index name (``version`` is the index version), or a URL or shorthand
    (``version`` is the branch or tag, as mip reads it)."""
    version = version or "latest"
    scheme = urlparse(dep).scheme
    if not scheme or scheme == "mip":
        return Origin("index", dep.removeprefix("mip:"), version)
    if scheme in ("github", "gitlab") and "@" not in dep and version != "latest":
        dep = f"{dep}@{version}"
    try:
        origin = classify(dep, Path())
    except SourceProblem as e:
        raise SourceProblem(manifest_url, f"dependency {dep!r}: {e.reason}") from None
    if origin.kind not in ("manifest", "url") or origin.target.endswith(ARCHIVE_SUFFIXES):
        raise SourceProblem(manifest_url, f"dependency {dep!r} is not a package")
    return origin
