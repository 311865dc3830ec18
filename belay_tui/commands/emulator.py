"""``belay-tui emulator``: run a virtual board until Ctrl-C, for other tools to use."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import threading

from engine import VirtualBoard
from engine.emulator import PROFILES


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("emulator", help="run a virtual board and print its port")
    p.add_argument("--root", help="folder used as the board's filesystem (default: temporary)")
    p.add_argument(
        "--bps",
        type=int,
        help="link byte rate (11520 = 115200 baud; default: the profile's, else unlimited)",
    )
    p.add_argument(
        "--profile",
        choices=list(PROFILES),
        default="micropython",
        help="firmware to play: esp8266 (small heap, 115200 baud, 1 MB), old (no raw-paste, "
        "deflate or hashlib), circuitpython (its names and read-only filesystem)",
    )
    p.add_argument(
        "--webrepl",
        metavar="HOST:PORT",
        help="also serve WebREPL there (port 0: any free port); its ws:// URL is printed",
    )
    p.add_argument(
        "--password",
        help="WebREPL password, 1 to 9 characters (or set BELAY_PASSWORD, which keeps it "
        "out of shell history)",
    )
    p.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="round-trip time the WebREPL link adds, in milliseconds (WiFi: 5 to 50)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    password = args.password if args.password is not None else os.environ.get("BELAY_PASSWORD")
    board = VirtualBoard(
        root=args.root,
        bps=args.bps,
        webrepl=args.webrepl,
        password=password,
        webrepl_latency=args.latency / 1000,
        profile=args.profile,
    )
    with board:
        print(board.port, flush=True)
        if board.webrepl_url:
            print(board.webrepl_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0
