"""Fixtures for the app's tests: a project folder and a way to wait on the app.

Every app here runs on a real virtual board (real MicroPython), driven with Pilot.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from belay_tui.app import BelayApp


@pytest.fixture
def project(tmp_path) -> Path:
    folder = tmp_path / "proj"
    folder.mkdir()
    return folder


@pytest.fixture
def make_app(project) -> Callable[..., BelayApp]:
    def make(
        port: str = "virtual", password: str | None = None, attempts: int = -1, timeout=5.0
    ) -> BelayApp:
        return BelayApp(port, project, password, attempts, timeout=timeout)

    return make


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no request lines in the test output
        pass


@pytest.fixture
def site(tmp_path):
    """A real HTTP server on 127.0.0.1 serving ``site.root``; ``site.url(name)``."""
    root = tmp_path / "site"
    root.mkdir()
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.root = root
    server.url = lambda name: f"http://127.0.0.1:{server.server_port}/{name}"
    yield server
    server.shutdown()
    server.server_close()
