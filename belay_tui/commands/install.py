"""``belay-tui install [PORT]``: verified dependencies to /lib, the project package to
/<name>, optionally main.py; then run a script (streaming its output) or soft-reset."""

from __future__ import annotations

import argparse
from pathlib import Path

import engine

from ._common import add_follow_links, add_mpy_cross, add_port, open_device
from ._deps import add_project, dependency_view, load


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("install", help="sync dependencies and the project to the board")
    add_port(p)
    p.add_argument("--main", type=Path, metavar="FILE", help="also sync FILE as /main.py")
    p.add_argument("--run", type=Path, metavar="FILE", help="run FILE on the board afterwards")
    p.add_argument(
        "--with",
        dest="with_groups",
        action="append",
        default=[],
        metavar="GROUP",
        help="include this optional dependency group (repeatable)",
    )
    add_mpy_cross(p)
    p.add_argument(
        "-f",
        "--follow",
        action="store_true",
        help="after the reset, stay in the board's REPL (as belay-tui terminal; Ctrl-] exits)",
    )
    add_follow_links(p)
    add_project(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    project = load(args)
    with open_device(args) as device:
        with dependency_view() as bus:
            engine.install(
                device,
                project,
                with_groups=args.with_groups,
                main=args.main,
                run=args.run,
                mpy_cross_binary=args.mpy_cross,
                events=bus,
                follow_links=args.follow_links,
            )
        if args.follow:  # the board's output from here on, and its REPL
            device.terminal()
    return 0
