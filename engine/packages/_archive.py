"""Zip and tar archives read in memory, member by member, never extracted by the library.

Extracting with ``zipfile``/``tarfile`` would let a crafted member (``../x``, ``/etc/x``, a
symlink) write outside the dependencies folder, so each member's path is checked here and
links, devices and oversized contents are refused before anything is written.
"""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
import zlib

from ._paths import safe_relpath
from ._sources import SourceProblem

MAX_EXPANDED = 64 * 1024 * 1024  # a MicroPython library is kilobytes; this stops bombs


def members(content: bytes, url: str) -> list[tuple[str, bytes]]:
    """``(relative path, bytes)`` of every regular file, with a single folder that holds
    everything (as in GitHub's release archives) taken off the front."""
    try:
        is_zip = zipfile.is_zipfile(io.BytesIO(content))
        files = _zip(content, url) if is_zip else _tar(content, url)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error) as e:
        raise SourceProblem(url, f"damaged archive ({e})") from None
    if not files:
        raise SourceProblem(url, "the archive holds no files")
    return _strip_common_folder(files)


def _checked(name: str, url: str) -> str:
    path = safe_relpath(name)
    if path is None:
        raise SourceProblem(url, f"archive member {name!r} escapes the dependencies folder")
    return path


def _zip(content: bytes, url: str) -> list[tuple[str, bytes]]:
    files, size = [], 0
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            path = _checked(info.filename, url)
            kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip tool gave no type
            if kind and kind != stat.S_IFREG:
                raise SourceProblem(url, f"archive member {info.filename!r} is not a plain file")
            size += info.file_size
            _check_size(size, url)
            files.append((path, archive.read(info)))
    return files


def _tar(content: bytes, url: str) -> list[tuple[str, bytes]]:
    files, size = [], 0
    try:
        archive = tarfile.open(fileobj=io.BytesIO(content), mode="r:*")  # noqa: SIM115
    except tarfile.ReadError:
        raise SourceProblem(url, "not a zip or tar archive") from None
    with archive:
        for member in archive.getmembers():
            if member.isdir():
                continue
            path = _checked(member.name, url)
            if not member.isfile():
                raise SourceProblem(url, f"archive member {member.name!r} is not a plain file")
            size += member.size
            _check_size(size, url)
            data = archive.extractfile(member)
            files.append((path, data.read() if data else b""))
    return files


def _check_size(size: int, url: str) -> None:
    if size > MAX_EXPANDED:
        raise SourceProblem(url, f"the archive expands to more than {MAX_EXPANDED >> 20} MB")


def _strip_common_folder(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    tops = {path.split("/", 1)[0] for path, _ in files}
    if len(tops) == 1 and all("/" in path for path, _ in files):
        return [(path.split("/", 1)[1], data) for path, data in files]
    return files
