"""``belay-tui bench [PORT] [--bps N] [--suite S] [--json]``: measured figures, as ratios where
it helps."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from engine.bench import (
    BenchTarget,
    measure_belay_calls,
    measure_belay_sync,
    measure_calls,
    measure_link,
    measure_minify,
    measure_mpremote_sync,
    measure_sync,
    measure_update,
    measure_watch,
    measure_webrepl,
)
from engine.emulator import PROFILES

from ..console_bench import measure_console

# Each suite: (target, args) -> figures.
SUITES = {
    "calls": lambda target, args: measure_calls(target, args.seconds),
    "console": lambda target, args: measure_console(target),
    "link": lambda target, args: measure_link(target, args.rounds),
    "sync": lambda target, args: measure_sync(target),
    "watch": lambda target, args: measure_watch(target),
    "webrepl": lambda target, args: measure_webrepl(target),
}
# Link rates measured when no port and no --bps are given, per suite: calls and the link
# unlimited and on a 115200-baud UART; sync on a 460800-baud one (46080 B/s) and the watch
# unlimited, where their targets are set.
DEFAULT_RATES = {
    "calls": [0, 11520],
    "console": [0],
    "link": [0, 11520],
    "sync": [46080],
    "watch": [0],
    "webrepl": [],  # with --webrepl only
}
# With --webrepl: these suites, on virtual boards reached over WebREPL with these round-trip
# times (ms): loopback, and typical WiFi.
WEBREPL_SUITES = ["calls", "sync", "webrepl"]
DEFAULT_LATENCIES = [0.0, 20.0]
SYNC_TIMES = ("full_s", "noop_s", "one_changed_s")
# Suites that need no board, measured once per run: args -> figures.
HOST_SUITES = {
    "packages": lambda args: measure_update(belay_python=args.belay_python),
    "minify": lambda args: measure_minify(belay_python=args.belay_python),
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure calls/s (and more) on a board or virtual board")
    p.add_argument("port", nargs="?", help="a real board's port (default: a virtual board)")
    p.add_argument("--bps", type=int, help="virtual link byte rate (default: per suite)")
    p.add_argument(
        "--profile",
        choices=list(PROFILES),
        default="micropython",
        help="firmware the virtual board plays (default: micropython)",
    )
    p.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    p.add_argument(
        "--suite",
        action="append",
        choices=[*SUITES, *HOST_SUITES],
        help="run only this suite (repeatable; default: all)",
    )
    p.add_argument("--rounds", type=_count, default=3, help="outages per link figure (median)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--belay-python",
        metavar="PYTHON",
        help="also measure Belay, installed in this interpreter, on the same board",
    )
    p.add_argument(
        "--mpremote",
        action="store_true",
        help="also measure mpremote's `fs cp -r` sync on the same kind of board",
    )
    p.add_argument(
        "--webrepl",
        nargs="*",
        type=float,
        metavar="MS",
        help="measure over WebREPL instead, on virtual boards with these round-trip times in "
        f"ms (default: {' and '.join(f'{ms:g}' for ms in DEFAULT_LATENCIES)}; suites: "
        f"{', '.join(WEBREPL_SUITES)})",
    )
    p.set_defaults(handler=run)


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return int(text)


def run(args: argparse.Namespace) -> int:
    webrepl = args.webrepl is not None
    chosen = args.suite or (WEBREPL_SUITES if webrepl else [*SUITES, *HOST_SUITES])
    suites = [name for name in chosen if name in SUITES]
    if not suites:
        plan = []
    elif webrepl:
        plan = [
            (BenchTarget(bps=args.bps or 0, webrepl_latency=ms / 1000), suites)
            for ms in args.webrepl or DEFAULT_LATENCIES
        ]
    elif args.port:
        plan = [(BenchTarget(args.port, 0), suites)]
    elif args.bps is not None:
        plan = [(BenchTarget(None, args.bps, profile=args.profile), suites)]
    else:
        rates = sorted({rate for name in suites for rate in DEFAULT_RATES[name]})
        plan = [
            (
                BenchTarget(None, rate, profile=args.profile),
                [n for n in suites if rate in DEFAULT_RATES[n]],
            )
            for rate in rates
        ]
    results = [_measure(target, names, args) for target, names in plan]
    for name in chosen:
        if name in HOST_SUITES:
            results.append({"port": "no board", "link_bps": 0, name: HOST_SUITES[name](args)})
    if args.json:
        print(json.dumps(results))
        return 0
    console = Console(emoji=False)
    for r in results:
        link = f"{r['link_bps']} B/s" if r["link_bps"] else "unlimited"
        table = Table(title=f"{r['port']} — link {link}", show_header=True)
        table.add_column("suite")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for suite, figures in r.items():
            if isinstance(figures, dict):
                for name, value in figures.items():
                    table.add_row(suite, name.replace("_", " "), str(value))
        console.print(table)
    return 0


def _measure(target: BenchTarget, suites: list[str], args: argparse.Namespace) -> dict:
    result: dict = {"port": target.name, "link_bps": target.bps}
    for name in suites:
        if name == "watch" and target.port is not None:
            continue  # it reads the board's files on the host: virtual boards only
        result[name] = SUITES[name](target, args)
    if args.belay_python and "calls" in result:
        belay = measure_belay_calls(target, args.belay_python, args.seconds)
        ratio = result["calls"]["calls_per_s"] / belay["calls_per_s"]
        result["belay"] = {**belay, "ratio_ours_to_belay": round(ratio, 2)}
    if "sync" in result:
        peers = {}
        if args.belay_python:
            peers["belay_sync"] = measure_belay_sync(target, args.belay_python)
        if args.mpremote:
            peers["mpremote_sync"] = measure_mpremote_sync(target)
        for name, figures in peers.items():
            # Our time over theirs: 0.25 means we take a quarter of their time.
            for key in SYNC_TIMES:
                ratio = result["sync"][key] / figures[key]
                figures[f"ours_over_theirs_{key[:-2]}"] = float(
                    f"{ratio:.3g}"
                )  # 3 figures, however small
            result[name] = figures
    return result
