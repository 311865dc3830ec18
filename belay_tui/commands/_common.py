"""Pieces the subcommands share."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine import Device

from ..settings import resolve_port


def add_port(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "port",
        nargs="?",
        help="serial port, usb:VID:PID, ws://host[:port] or virtual "
        "(default: BELAY_DEVICE, the project's [tool.belay-tui] port, else virtual)",
    )
    parser.add_argument("--password", help="WebREPL password (or set BELAY_PASSWORD)")


def open_device(args: argparse.Namespace, **kwargs) -> Device:
    project = Path(getattr(args, "project", ".") or ".")
    return Device(resolve_port(args.port, project), password=args.password, **kwargs)
