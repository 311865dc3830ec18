"""``belay-tui sync [PORT] FOLDER``: make the board mirror a folder; ``--dry-run`` shows
the plan instead. ``--port P1 --port P2 ...`` or ``--all``: every board at once."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from engine import SyncPlan, SyncResult

from ._boards import add_ports, chosen_ports, open_boards, summarize
from ._common import add_sync_options, byte_bars, open_device, sync_options

STYLES = {
    "added": "green",
    "changed": "yellow",
    "deleted": "red",
    "unchanged": "dim",
    "kept": "cyan",
    "ignored": "dim italic",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="make the board's folder mirror a folder here")
    add_ports(p)
    add_sync_options(p)
    p.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False, emoji=False)
    ports = chosen_ports(args)
    if len(ports) > 1:
        return run_many(ports, args, console)
    args.port = ports[0] if ports else None
    with open_device(args) as device:
        plan = device.sync_plan(sync_options(args))
        if args.dry_run:
            console.print(plan_table(plan))
            console.print(_room_line(plan))
            return 0
        with byte_bars(console) as bar:
            task = bar.add_task("sync", total=None)

            def show(event) -> None:
                bar.update(task, completed=event.done, total=event.total, description=event.item)

            result = device.sync(plan, progress=show)
    console.print(_result_line(result))
    return 0


def run_many(ports: list[str], args: argparse.Namespace, console: Console) -> int:
    """Every board at once: a progress row each, then a row each in the summary."""
    with open_boards(ports, console, password=args.password) as (fleet, bars):
        if args.dry_run:
            plans = fleet.sync_plan(sync_options(args), outcomes=True)
        else:
            results = fleet.sync(sync_options(args), progress=bars.report, outcomes=True)
    if args.dry_run:
        for outcome in plans:
            if outcome.ok:
                console.print(plan_table(outcome.value, outcome.board))
        return summarize(console, fleet.failed, plans, lambda plan: plan.summary())
    return summarize(console, fleet.failed, results, _result_line)


def _result_line(result: SyncResult) -> str:
    refused = len(result.not_minified)  # the engine logged each file with its reason
    return (
        f"{result.plan.summary()}; wrote {result.bytes_written} bytes "
        f"({result.bytes_sent} on the wire) in {result.seconds:.2f} s"
        + (f"; {refused} not minified (sent as written)" if refused else "")
    )


def plan_table(plan: SyncPlan, board: str | None = None) -> Table:
    """Every path with its action and sizes (the ``--dry-run`` view)."""
    where = f"{escape(board)}: {plan.dst}" if board else plan.dst
    table = Table(title=f"sync {plan.options.folder} → {where}", caption=plan.summary())
    table.add_column("action")
    table.add_column("path")
    table.add_column("size", justify="right")
    table.add_column("on board now", justify="right")
    table.add_column("note")
    for e in plan.entries:
        style = STYLES[e.action]
        board = "" if e.board_size is None or e.is_dir else str(e.board_size)
        size = "" if e.is_dir or e.action == "ignored" else str(e.size)
        table.add_row(e.action, e.path, size, board, e.reason, style=style)
    return table


def _room_line(plan: SyncPlan) -> str:
    if plan.room_free is None:
        return "the board does not report its free space"
    verdict = "fits" if plan.fits else "[bold red]does not fit[/]"
    return f"needs {plan.room_needed} bytes of the {plan.room_free} free: {verdict}"
