"""``belay-tui new [PATH]`` (or ``init``, as Belay calls it): a project skeleton that
``update`` and ``install`` take at once; PATH defaults to the current folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

import engine


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "new", aliases=["init"], help="create a project skeleton (or add [tool.belay] to one)"
    )
    p.add_argument(
        "path",
        type=Path,
        nargs="?",
        default=Path("."),
        help="the project folder (made if missing; default: the current one)",
    )
    p.add_argument("--name", help="the board package's name (default: from the folder name)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False, emoji=False, soft_wrap=True)
    written = engine.new_project(args.path, name=args.name)
    for path in written:
        console.print(f"  wrote {path}")
    if not written:
        console.print("  nothing to create: every file of the skeleton is already there")
    go = "" if args.path == Path(".") else f"cd {args.path} && "
    console.print(f"next: {go}belay-tui install --run main.py")
    return 0
