"""``belay-tui emulator``: run a virtual board until Ctrl-C, for other tools to use."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading

from engine import VirtualBoard


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("emulator", help="run a virtual board and print its port")
    p.add_argument("--root", help="folder used as the board's filesystem (default: temporary)")
    p.add_argument("--bps", type=int, default=0, help="link byte rate (11520 = 115200 baud)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with VirtualBoard(root=args.root, bps=args.bps) as board:
        print(board.port, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0
