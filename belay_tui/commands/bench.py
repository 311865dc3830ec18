"""``belay-tui bench [PORT] [--bps N] [--suite S] [--json]``: measured figures, as ratios where
it helps."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from engine.bench import BenchTarget, measure_belay_calls, measure_calls, measure_link

# Link rates measured when no port and no --bps are given: unlimited and a 115200-baud UART.
DEFAULT_RATES = [0, 11520]

# Each suite: (target, args) -> figures.
SUITES = {
    "calls": lambda target, args: measure_calls(target, args.seconds),
    "link": lambda target, args: measure_link(target, args.rounds),
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure calls/s (and more) on a board or virtual board")
    p.add_argument("port", nargs="?", help="a real board's port (default: a virtual board)")
    p.add_argument("--bps", type=int, help="virtual link byte rate (default: unlimited and 11520)")
    p.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    p.add_argument(
        "--suite",
        action="append",
        choices=list(SUITES),
        help="run only this suite (repeatable; default: all)",
    )
    p.add_argument("--rounds", type=_count, default=3, help="outages per link figure (median)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--belay-python",
        metavar="PYTHON",
        help="also measure Belay, installed in this interpreter, on the same board",
    )
    p.set_defaults(handler=run)


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return int(text)


def run(args: argparse.Namespace) -> int:
    if args.port:
        targets = [BenchTarget(args.port, 0)]
    else:
        rates = [args.bps] if args.bps is not None else DEFAULT_RATES
        targets = [BenchTarget(None, r) for r in rates]
    results = []
    for target in targets:
        result = {"port": target.port or "virtual", "link_bps": target.bps}
        for name in args.suite or SUITES:
            result[name] = SUITES[name](target, args)
        if args.belay_python and "calls" in result:
            belay = measure_belay_calls(target, args.belay_python, args.seconds)
            ours = result["calls"]["calls_per_s"]
            result["belay"] = {
                **belay,
                "ratio_ours_to_belay": round(ours / belay["calls_per_s"], 2),
            }
        results.append(result)
    if args.json:
        print(json.dumps(results))
        return 0
    console = Console()
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
