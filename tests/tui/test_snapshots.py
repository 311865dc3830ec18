"""Snapshot tests of the main states, from the same scenes as the README's screenshots.

Update after a deliberate visual change with ``pytest tests/tui/test_snapshots.py
--snapshot-update`` and look at the pictures before committing them.
"""

from __future__ import annotations

import pytest

from belay_tui.screenshots import SCENES, SIZE, make_demo_project, scene_app
from engine.emulator import FIXED_FIGURES_ENV


@pytest.fixture(autouse=True)
def fixed_figures(monkeypatch):
    """The scenes' boards report the same memory and firmware on every machine."""
    monkeypatch.setenv(FIXED_FIGURES_ENV, "1")


@pytest.mark.parametrize("scene", sorted(SCENES))
def test_main_states(scene, tmp_path, snap_compare):
    project = make_demo_project(tmp_path / "demo")
    app = scene_app(scene, project)
    assert snap_compare(app, terminal_size=SIZE, run_before=SCENES[scene])
