"""``belay-tui sync [PORT] FOLDER``: make the board mirror a folder; ``--dry-run`` shows
the plan instead."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from engine import SyncPlan

from ._common import add_port, add_sync_options, open_device, sync_options

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
    add_port(p)
    add_sync_options(p)
    p.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False, emoji=False)
    with open_device(args) as device:
        plan = device.sync_plan(sync_options(args))
        if args.dry_run:
            console.print(plan_table(plan))
            console.print(_room_line(plan))
            return 0
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("sync", total=None)

            def show(event) -> None:
                bar.update(task, completed=event.done, total=event.total, description=event.item)

            result = device.sync(plan, progress=show)
    refused = len(result.not_minified)  # the engine logged each file with its reason
    console.print(
        f"{plan.summary()}; wrote {result.bytes_written} bytes "
        f"({result.bytes_sent} on the wire) in {result.seconds:.2f} s"
        + (f"; {refused} not minified (sent as written)" if refused else "")
    )
    return 0


def plan_table(plan: SyncPlan) -> Table:
    """Every path with its action and sizes (the ``--dry-run`` view)."""
    table = Table(title=f"sync {plan.options.folder} → {plan.dst}", caption=plan.summary())
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
