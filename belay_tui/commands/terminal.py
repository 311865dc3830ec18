"""``belay-tui terminal [PORT]``: the board's own REPL in this terminal, raw and
interactive (as ``belay terminal`` and ``mpremote repl``); Ctrl-] exits."""

from __future__ import annotations

import argparse

from ._common import add_port, open_device


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("terminal", help="the board's REPL in this terminal (Ctrl-] exits)")
    add_port(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with open_device(args) as device:
        device.terminal()
    return 0
