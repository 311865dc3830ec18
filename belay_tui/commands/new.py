"""``belay-tui new PATH``: a project skeleton that ``update`` and ``install`` take at once."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

import engine


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("new", help="create a project skeleton (or add [tool.belay] to one)")
    p.add_argument("path", type=Path, help="the project folder (made if missing)")
    p.add_argument("--name", help="the board package's name (default: from the folder name)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False, emoji=False, soft_wrap=True)
    written = engine.new_project(args.path, name=args.name)
    for path in written:
        console.print(f"  wrote {path}")
    if not written:
        console.print("  nothing to create: every file of the skeleton is already there")
    console.print(f"next: cd {args.path} && belay-tui install --run main.py")
    return 0
