"""Shared fixtures: every test runs against real MicroPython on a virtual board."""

from __future__ import annotations

import pytest

from engine import Device, VirtualBoard


@pytest.fixture
def board(tmp_path):
    """A fresh virtual board with an unlimited link; its filesystem is ``board.root``."""
    with VirtualBoard(root=tmp_path / "flash") as vb:
        yield vb


@pytest.fixture
def device(board):
    """A connected Device on ``board``."""
    dev = Device(board.port)
    yield dev
    dev.close()
