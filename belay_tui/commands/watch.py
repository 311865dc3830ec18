"""``belay-tui watch [PORT] FOLDER [--run FILE]``: sync on every save until Ctrl-C."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from engine.events import Event, Synced, SyncFailed, WatchStatus
from engine.watch import Watcher

from ._common import add_port, add_sync_options, open_device, sync_options


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("watch", help="sync a folder to the board on every save")
    add_port(p)
    add_sync_options(p)
    p.add_argument("--run", type=Path, metavar="FILE", help="run this file after each sync")
    p.add_argument(
        "--no-reset", action="store_true", help="do not soft-reset before running --run FILE"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # One line per event, however long the paths: a log that tools and tests can read.
    console = Console(highlight=False, soft_wrap=True, emoji=False)
    with open_device(args) as device:
        watcher = Watcher(device, sync_options(args), run=args.run, reset=not args.no_reset)
        device.events.subscribe(lambda event: _show(console, watcher, event))
        try:
            watcher.run()
        except KeyboardInterrupt:
            watcher.stop()
    return 0


def _show(console: Console, watcher: Watcher, event: Event) -> None:
    if isinstance(event, Synced) and (event.written or event.deleted):
        parts = [f"wrote {', '.join(event.written)}"] if event.written else []
        parts += [f"deleted {', '.join(event.deleted)}"] if event.deleted else []
        took = f"{event.seconds * 1000:.0f} ms"
        console.print(f"[green]synced[/] {escape('; '.join(parts))} ({took})")
    elif isinstance(event, SyncFailed):
        console.print(f"[bold red]error:[/] {escape(event.message)}")
    elif _first_watching(watcher, event):
        where = f"{watcher.device.port}:{watcher.options.dst}"
        console.print(f"watching {escape(event.folder)} → {escape(where)} (Ctrl-C to stop)")


def _first_watching(watcher: Watcher, event: Event) -> bool:
    """The first sync is done: time to say what is watched."""
    watching = isinstance(event, WatchStatus) and event.state == "watching"
    return watching and not watcher.ready.is_set()
