"""``belay-tui devs``: the serial ports here, and which look like MicroPython boards."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from engine import PortInfo, attached_boards, list_devices

NO_BOARD = "no board attached (no USB serial port); the port 'virtual' starts the virtual board"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("devs", help="list serial ports and the boards on them")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    ports = sorted(list_devices(), key=lambda p: p.device)
    if args.json:
        print(json.dumps([port_record(p) for p in ports], indent=2))
        return 0
    console = Console(highlight=False)
    if ports:
        console.print(port_table(ports))
    if not attached_boards(ports):
        console.print(NO_BOARD, markup=False, soft_wrap=True)
    return 0


def port_record(port: PortInfo) -> dict:
    return {
        "port": port.device,
        "vid_pid": port.vid_pid or None,
        "serial_number": port.serial_number,
        "description": port.description,
        "manufacturer": port.manufacturer,
        "looks_like": port.looks_like or None,
    }


def port_table(ports: list[PortInfo]) -> Table:
    table = Table(box=None, pad_edge=False)
    for column in ("port", "vid:pid", "serial", "description", "looks like"):
        table.add_column(column)
    for p in ports:
        table.add_row(
            p.device,
            p.vid_pid or "-",
            p.serial_number or "-",
            p.description or "-",
            p.looks_like or "-",
        )
    return table
