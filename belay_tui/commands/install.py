"""``belay-tui install [PORT]``: verified dependencies to /lib, the project package to
/<name>, optionally main.py; then run a script (streaming its output) or soft-reset. With
``--port P1 --port P2 ...`` or ``--all``: every board at once."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

import engine
from engine import Device, EventBus
from engine.packages import Project

from ._boards import add_ports, chosen_ports, open_boards, summarize
from ._common import add_follow_links, add_mpy_cross, open_device
from ._deps import add_project, dependency_view, load


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("install", help="sync dependencies and the project to the board")
    add_ports(p)
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
        help="after the reset, stay in the board's REPL (as belay-tui terminal; Ctrl-] exits; "
        "one board only)",
    )
    add_follow_links(p)
    add_project(p)
    p.set_defaults(handler=run, usage_error=p.error)


def run(args: argparse.Namespace) -> int:
    project = load(args)
    ports = chosen_ports(args)
    if len(ports) > 1:
        if args.follow:
            args.usage_error("--follow stays in one board's REPL: give one board")
        return run_many(ports, project, args)
    args.port = ports[0] if ports else None
    with open_device(args) as device:
        with dependency_view() as bus:
            _install(device, project, args, bus)
        if args.follow:  # the board's output from here on, and its REPL
            device.terminal()
    return 0


def run_many(ports: list[str], project: Project, args: argparse.Namespace) -> int:
    """Every board at once, a progress row each; a ``--run`` script's output is shown as
    each board prints it."""
    console = Console(highlight=False, emoji=False)

    def one(device: Device) -> None:
        bus = EventBus()
        bus.subscribe(lambda event: bars.report(device.port, event))
        _install(device, project, args, bus)

    with open_boards(ports, console, password=args.password) as (fleet, bars):
        outcomes = fleet.run(one, outcomes=True)
    return summarize(console, fleet.failed, outcomes, lambda _none: "installed")


def _install(device: Device, project: Project, args: argparse.Namespace, bus: EventBus) -> None:
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
