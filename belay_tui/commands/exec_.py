"""``belay-tui exec [PORT] CODE``: run code; print the value of a final expression."""

from __future__ import annotations

import argparse

from ._common import add_port, looks_like_port, open_device


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("exec", help="run a line of code on the board")
    add_port(p)
    p.add_argument("code", help="Python code; the value of a final expression is printed")
    p.set_defaults(handler=run, usage_error=p.error)


def run(args: argparse.Namespace) -> int:
    if args.port is None and looks_like_port(args.code):
        # `exec PORT` alone: argparse filled CODE; running the port name as code helps nobody.
        args.usage_error(f"no code given to run on {args.code}")
    with open_device(args) as device:
        value = device(args.code, record=False, deserialize=False)
    if value != "None":
        print(value)
    return 0
