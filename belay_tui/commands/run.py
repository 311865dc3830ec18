"""``belay-tui run [PORT] FILE``: run a host file on the board, streaming its output."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine import BelayException

from ._common import add_port, open_device


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a Python file on the board")
    add_port(p)
    p.add_argument("file", type=Path, help="file on this computer to run on the board")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        code = args.file.read_text(encoding="utf-8")
    except OSError as e:
        raise BelayException(f"cannot read {args.file}: {e.strerror}") from None
    with open_device(args) as device:
        device(code, record=False, minify=False)
    return 0
