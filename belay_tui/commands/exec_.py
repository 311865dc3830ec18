"""``belay-tui exec [PORT] CODE``: run code; print the value of a final expression. With
``--port P1 --port P2 ...`` or ``--all``, on every board at once, each board's output and
value printed under its name."""

from __future__ import annotations

import argparse
import io

from rich.console import Console
from rich.markup import escape

from engine import Device

from ._boards import add_ports, chosen_ports, open_boards, summarize
from ._common import looks_like_port, open_device


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("exec", help="run a line of code on the board (or on several)")
    add_ports(p)
    p.add_argument("code", help="Python code; the value of a final expression is printed")
    p.set_defaults(handler=run, usage_error=p.error)


def run(args: argparse.Namespace) -> int:
    if args.port is None and not (args.ports or args.all) and looks_like_port(args.code):
        # `exec PORT` alone: argparse filled CODE; running the port name as code helps nobody.
        args.usage_error(f"no code given to run on {args.code}")
    ports = chosen_ports(args)
    if len(ports) > 1:
        return run_many(ports, args)
    args.port = ports[0] if ports else None
    with open_device(args) as device:
        value = device(args.code, record=False, deserialize=False)
    if value != "None":
        print(value)
    return 0


def run_many(ports: list[str], args: argparse.Namespace) -> int:
    """Each board's prints are kept apart while all run, then shown under its name."""
    console = Console(highlight=False)

    def one(device: Device) -> tuple[str, str]:
        printed = io.StringIO()
        value = device(args.code, record=False, deserialize=False, stream_out=printed)
        return printed.getvalue(), value

    with open_boards(ports, console, password=args.password) as (fleet, _bars):
        outcomes = fleet.run(one, outcomes=True)
    for outcome in outcomes:
        console.rule(escape(outcome.board), align="left")
        if not outcome.ok:
            continue  # the summary says why
        printed, value = outcome.value
        if printed:
            console.out(printed, end="" if printed.endswith("\n") else "\n")
        if value != "None":
            console.out(value)
    return summarize(console, fleet.failed, outcomes, lambda _result: "ok")
