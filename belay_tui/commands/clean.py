"""``belay-tui clean``: remove cached dependencies that pyproject.toml no longer lists."""

from __future__ import annotations

import argparse

import engine

from ._deps import add_project, dependency_view, load


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("clean", help="remove cached dependencies no longer listed")
    add_project(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with dependency_view() as bus:
        engine.clean(load(args), events=bus)
    return 0
