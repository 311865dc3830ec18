"""A real HTTP site on 127.0.0.1 for the package manager tests: plain files, archives and a
small MicroPython index in mip's v2 layout, plus projects that point at it."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

from engine.bench._http import LocalServer


class Site:
    """Files under ``root`` served over HTTP; ``index`` is the URL of its package index."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.server = LocalServer(root)

    def __enter__(self) -> Site:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.close()

    @property
    def index(self) -> str:
        return f"{self.server.url}/index"

    def url(self, path: str) -> str:
        return f"{self.server.url}/{path}"

    def file(self, path: str, content: str | bytes) -> str:
        """Publish ``content`` at ``path``; returns its URL."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
        return self.url(path)

    def package(
        self,
        name: str,
        files: dict[str, str],
        deps: list[list[str]] | None = None,
        version: str = "latest",
        claimed: dict[str, str] | None = None,
    ) -> None:
        """An index package whose files are ``dest -> content``; ``claimed`` overrides the
        content the index's hash is computed from (a lying index)."""
        hashes = []
        for dest, content in files.items():
            data = content.encode()
            short = hashlib.sha256(data).hexdigest()[:8]
            if claimed and dest in claimed:
                short = hashlib.sha256(claimed[dest].encode()).hexdigest()[:8]
            self.file(f"index/file/{short[:2]}/{short}", data)
            hashes.append([dest, short])
        manifest = {"hashes": hashes, "deps": deps or [], "version": "1.0"}
        self.file(f"index/package/py/{name}/{version}.json", json.dumps(manifest))


def make_project(folder: Path, body: str, *, package: str | None = None) -> Path:
    """A project in ``folder`` whose pyproject.toml is ``body``; ``package`` also gets a
    board package folder of that name."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(body, encoding="utf-8")
    if package:
        (folder / package).mkdir(exist_ok=True)
        (folder / package / "__init__.py").write_text("NAME = 'app'\n")
    return folder


def silent_port() -> socket.socket:
    """A listening socket that never accepts: connections open, requests get no answer."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock
