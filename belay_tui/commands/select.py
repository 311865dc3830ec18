"""``belay-tui select [PORT]``: pick one of the attached boards (or name one), check that it
answers, and remember it for the project as ``[tool.belay-tui] port``, as Belay's
``select`` helps a user find the board to use. A USB board is remembered by its
``usb:VID:PID:SERIAL`` identity, which survives it coming back under another name."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from engine import BelayException, Device, list_devices

from ..settings import remember_port


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("select", help="pick the board to use and remember it for the project")
    p.add_argument("port", nargs="?", help="the port to remember (default: choose from a list)")
    p.add_argument("--password", help="WebREPL password (or set BELAY_PASSWORD)")
    p.add_argument("--project", type=Path, default=Path("."), help="project folder (default: .)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False, emoji=False, soft_wrap=True)
    port = args.port or _choose(console)
    with Device(port, password=args.password) as device:
        impl = device.implementation
    version = ".".join(map(str, impl.version))
    console.print(f"{port}: {impl.name} {version} on {impl.platform}")
    written = remember_port(args.project, port)
    console.print(f"remembered in {written} as [tool.belay-tui] port = {port!r}")
    console.print(f"elsewhere: export BELAY_DEVICE={port!r}")
    return 0


def _choose(console: Console) -> str:
    ports = list_devices()
    if not ports:
        raise BelayException("no serial ports found; attach a board, or name a port")
    table = Table("#", "port", "usb id", "description", box=None)
    for n, p in enumerate(ports, 1):
        table.add_row(str(n), p.device, p.usb_id or "", p.description)
    console.print(table)
    answer = input(f"board number [1-{len(ports)}]: ").strip()
    if not answer.isdigit() or not 1 <= int(answer) <= len(ports):
        raise BelayException(f"{answer!r} is not a number from 1 to {len(ports)}")
    chosen = ports[int(answer) - 1]
    return chosen.usb_id or chosen.device
