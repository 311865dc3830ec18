"""What a dependency URI points at: a file URL, an archive, a local path, or a package
(by name in a MicroPython index, or a ``package.json`` URL), with ``github:`` and ``gitlab:``
shorthands and GitHub/GitLab page URLs rewritten to their raw-file URLs as mip does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from ._paths import safe_relpath

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")
_INDEX_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
_FILE_SUFFIXES = (".py", ".mpy", ".json", *ARCHIVE_SUFFIXES)
_GIT_HOSTS = {
    "github": "https://raw.githubusercontent.com/{user}/{repo}/{ref}/{path}",
    "gitlab": "https://gitlab.com/{user}/{repo}/-/raw/{ref}/{path}",
}
# Page URLs of a file or folder in a repository; groups: user, repo, ref, path.
_PAGE = r"^https?://{host}\.com/([^/]+)/([^/]+)/{dash}(?:blob|tree|raw)/([^/]+)/?(.*)$"
_PAGE_URLS = tuple(
    (re.compile(_PAGE.format(host=host, dash=dash)), host)
    for host, dash in (("github", ""), ("gitlab", "-/"))
)
_REPO_ROOTS = (
    (re.compile(r"^https?://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?$"), "github"),
    (re.compile(r"^https?://gitlab\.com/([^/]+)/([^/]+?)(?:\.git)?/?$"), "gitlab"),
)


class SourceProblem(Exception):
    """A URI that cannot be used; ``url`` is what was being read, ``reason`` why not."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class Origin:
    """Where to get files. ``kind``: ``url`` (one file or an archive), ``local`` (a file or
    folder), ``index`` (``target`` is a package name) or ``manifest`` (a package.json URL)."""

    kind: str
    target: str
    version: str = "latest"


def classify(uri: str, root: Path) -> Origin:
    """Decide how to fetch ``uri``; local paths are relative to the project ``root``."""
    scheme = urlparse(uri).scheme.lower()
    if scheme in _GIT_HOSTS:
        return _git_shorthand(scheme, uri[len(scheme) + 1 :], uri)
    if scheme == "mip":
        name, version = _split_version(uri[4:])
        return _index(name, version, uri)
    if scheme in ("http", "https"):
        return _http(uri)
    if scheme == "file":
        return Origin("local", str(Path(unquote(urlparse(uri).path))))
    if len(scheme) > 1:  # one letter is a Windows drive
        raise SourceProblem(
            uri,
            f"unsupported scheme {scheme!r}; use http(s)://, github:, gitlab:, mip:, "
            "a local path or a package name",
        )
    name, version = _split_version(uri)
    local = root / uri
    if _INDEX_NAME.match(name) and not name.endswith(_FILE_SUFFIXES) and not local.exists():
        return _index(name, version, uri)
    return Origin("local", str(local))


def dependency_name(uri: str) -> str | None:
    """The name Belay's ``add URI`` gives a dependency: an index package's own name, a
    repository's or file's last path part (``github:user/repo/ssd1306.py@v1`` -> ``ssd1306``,
    ``github:user/repo`` -> ``repo``), a local folder's name; made an identifier. None when
    nothing usable is left."""
    scheme = urlparse(uri).scheme.lower()
    rest = uri[len(scheme) + 1 :] if scheme in ("mip", *_GIT_HOSTS) else uri
    if scheme in ("http", "https", "file"):
        rest = urlparse(uri).path
    elif scheme == "mip" or scheme in _GIT_HOSTS or _INDEX_NAME.match(rest.split("@")[0]):
        rest = _split_version(rest)[0]
    parts = [p for p in rest.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    while parts and parts[-1] in ("package.json", "__init__.py"):
        parts.pop()
    if not parts:
        return None
    name = parts[-1]
    for suffix in (*_FILE_SUFFIXES, ".git"):
        name = name.removesuffix(suffix)
    name = re.sub(r"\W", "_", name)
    return name if name.isidentifier() else None


def raw_url(host: str, user: str, repo: str, path: str, ref: str = "HEAD") -> str:
    """The raw-file URL of ``path`` at ``ref`` in a GitHub or GitLab repository."""
    return _GIT_HOSTS[host].format(user=user, repo=repo, ref=ref, path=path).rstrip("/")


def rewrite(uri: str, ref: str = "HEAD") -> str:
    """``github:``/``gitlab:`` shorthands and page URLs as raw URLs; anything else unchanged.
    Used for the URLs a package.json lists, which may use the shorthands too; ``ref`` is the
    branch for a shorthand that names none (mip passes the package's version)."""
    scheme = urlparse(uri).scheme.lower()
    if scheme in _GIT_HOSTS:
        user, repo, path, own_ref = _git_parts(uri[len(scheme) + 1 :], uri)
        return raw_url(scheme, user, repo, path, own_ref if "@" in uri else ref)
    for pattern, host in _PAGE_URLS:
        if m := pattern.match(uri):
            return raw_url(host, m[1], m[2], m[4], m[3])
    return uri


def file_name(url: str) -> str:
    """The last part of a URL's path, checked to be a plain file name."""
    name = unquote(urlparse(url).path.rsplit("/", 1)[-1])
    if safe_relpath(name) != name or "/" in name:
        raise SourceProblem(url, "the URL does not end in a file name")
    return name


def is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def _split_version(text: str) -> tuple[str, str]:
    for sep in ("==", "@"):
        if sep in text:
            name, version = text.rsplit(sep, 1)
            return name, version or "latest"
    return text, "latest"


def _index(name: str, version: str, uri: str) -> Origin:
    if not _INDEX_NAME.match(name):
        raise SourceProblem(uri, f"{name!r} is not a package name")
    return Origin("index", name, version)


def _git_parts(rest: str, uri: str) -> tuple[str, str, str, str]:
    rest, ref = _split_version(rest) if "@" in rest else (rest, "HEAD")
    parts = rest.strip("/").split("/", 2)
    if len(parts) < 2 or not all(parts[:2]):
        raise SourceProblem(uri, "expected user/repo[/path][@ref] after the scheme")
    path = parts[2] if len(parts) > 2 else ""
    if path and safe_relpath(path) is None:
        raise SourceProblem(uri, f"the path {path!r} leaves the repository")
    return parts[0], parts[1], path, "HEAD" if ref == "latest" else ref


def _git_shorthand(host: str, rest: str, uri: str) -> Origin:
    user, repo, path, ref = _git_parts(rest, uri)
    return _by_path(raw_url(host, user, repo, path, ref), path, ref)


def _http(uri: str) -> Origin:
    for pattern, host in _PAGE_URLS:
        if m := pattern.match(uri):
            return _by_path(raw_url(host, m[1], m[2], m[4], m[3]), m[4], m[3])
    for pattern, host in _REPO_ROOTS:
        if m := pattern.match(uri):
            return Origin("manifest", raw_url(host, m[1], m[2], "package.json"))
    return Origin("manifest" if urlparse(uri).path.endswith(".json") else "url", uri)


def _by_path(url: str, path: str, ref: str) -> Origin:
    """mip's rule for repository paths: a file with an extension is fetched as it is; a
    folder (or the repository root) holds a package.json. A package keeps its ``ref``:
    shorthand URLs inside its package.json default to it."""
    version = "latest" if ref == "HEAD" else ref
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if last.endswith(".json"):
        return Origin("manifest", url, version)
    if "." in last[1:]:
        return Origin("url", url)
    return Origin("manifest", f"{url}/package.json", version)
