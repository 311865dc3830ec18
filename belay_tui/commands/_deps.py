"""What the package subcommands share: the ``--project`` option and a rich view of the
engine's :class:`~engine.events.DependencyStatus` events (a byte bar per download in flight,
one line per dependency when it is done)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, TaskID, TextColumn
from rich.progress import Progress as ProgressBars

import engine
from engine import EventBus
from engine.events import DependencyStatus, Event, Progress
from engine.packages import Project

_DONE = {
    "updated": "[green]updated[/]",
    "unchanged": "[dim]unchanged[/]",
    "failed": "[red]failed[/]",
    "removed": "[yellow]removed[/]",
    "verified": "[green]verified[/]",
    "unlocked": "[yellow]not locked[/] (run `belay-tui update` to lock it)",
}


def add_project(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project",
        default=".",
        help="folder at or below the project's pyproject.toml (default: .)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse what Belay accepts but may be a mistake: unknown [tool.belay] keys, "
        "group names that are not identifiers, a name with a path, dependencies outside the "
        "project",
    )


def load(args: argparse.Namespace) -> Project:
    """The project the command works on, checked as strictly as ``--strict`` asks."""
    return engine.load_project(args.project, strict=args.strict)


@contextmanager
def dependency_view(console: Console | None = None) -> Iterator[EventBus]:
    """A bus to hand to ``engine.update``/``clean``/``install``; shows what it carries."""
    console = console or Console(highlight=False, emoji=False, soft_wrap=True)
    progress = ProgressBars(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    rows: dict[str, TaskID] = {}

    def show(event: Event) -> None:
        if isinstance(event, Progress):  # a sync during install: one bar per destination
            if event.task not in rows:
                rows[event.task] = progress.add_task(event.task, total=None)
            progress.update(rows[event.task], completed=event.done, total=event.total or None)
            return
        if not isinstance(event, DependencyStatus):
            return
        key = f"{event.group}/{event.name}" if event.name else event.group
        if event.state == "fetching":
            if key not in rows:
                rows[key] = progress.add_task(key, total=None)
            progress.update(rows[key], completed=event.done, total=event.total or None)
        elif event.state in _DONE:
            if key in rows:
                progress.remove_task(rows.pop(key))
            why = f": {escape(event.detail)}" if event.state == "failed" and event.detail else ""
            progress.console.print(f"  {key} {_DONE[event.state]}{why}", soft_wrap=True)

    bus = EventBus()
    bus.subscribe(show)
    with progress:
        yield bus
