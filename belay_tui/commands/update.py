"""``belay-tui update [NAMES...]``: fetch dependencies into the cache and lock them."""

from __future__ import annotations

import argparse

import engine

from ._deps import add_project, dependency_view, load


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "update", help="download dependencies into .belay/dependencies, lock them, clean"
    )
    p.add_argument("names", nargs="*", help="only these (name or group/name); default all")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per request (10)")
    add_project(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    project = load(args)
    with dependency_view() as bus:
        engine.update(project, args.names, events=bus, timeout=args.timeout)
    return 0
