"""Fixtures for the app's tests: a project folder and a way to wait on the app.

Every app here runs on a real virtual board (real MicroPython), driven with Pilot.
"""

from __future__ import annotations

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
    def make(port: str = "virtual", password: str | None = None, attempts: int = -1) -> BelayApp:
        return BelayApp(port, project, password, attempts)

    return make
