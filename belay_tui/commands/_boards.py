"""Subcommands on many boards: ``--port P`` (repeatable) and ``--all`` next to the single
positional ``PORT``, per-board progress bars, and a per-board summary whose verdict is the
exit status. The work runs on an :class:`engine.Fleet`: every board at once."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import TaskID, TextColumn
from rich.table import Table

from engine import DeviceNotFoundError, Fleet, Outcome, attached_boards, list_devices
from engine.events import Progress as ProgressEvent

from ..settings import VIRTUAL
from ._common import add_port, byte_bars


def add_port_option(parser: argparse.ArgumentParser, help: str) -> None:
    """``--port PORT``, repeatable, into ``args.ports``."""
    parser.add_argument(
        "--port", dest="ports", action="append", default=[], metavar="PORT", help=help
    )


def add_ports(parser: argparse.ArgumentParser) -> None:
    """The single positional ``PORT`` (and ``--password``), plus ``--port`` and ``--all``."""
    add_port(parser)
    add_port_option(
        parser, "a board to work on; repeat for several boards, which work at the same time"
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="every attached board (each USB serial port; see `belay-tui devs`)",
    )


def chosen_ports(args: argparse.Namespace) -> list[str]:
    """The boards the command line names, in its order, each once (each ``virtual`` is a
    board of its own); empty when it names none, for the single-board choice (the
    project's port, the one board attached, the virtual board) to apply."""
    named = ([args.port] if args.port else []) + args.ports
    if args.all:
        attached = [p.device for p in attached_boards(list_devices())]
        if not attached:
            raise DeviceNotFoundError("--all: no board attached (no USB serial port found)")
        named += attached
    return [p for i, p in enumerate(named) if p == VIRTUAL or p not in named[:i]]


class BoardBars:
    """One progress row per board: its name, what it is doing, and a byte bar."""

    def __init__(self, boards: list[str], console: Console) -> None:
        self.progress = byte_bars(console, TextColumn("{task.fields[board]}"))
        self._rows: dict[str, TaskID] = {
            board: self.progress.add_task("waiting", board=escape(board), total=None)
            for board in boards
        }

    def report(self, board: str, event: Any) -> None:
        """Show one of ``board``'s events (a sync's or an install's progress); called from
        that board's thread."""
        if isinstance(event, ProgressEvent):
            self.progress.update(
                self._rows[board],
                description=escape(event.item or event.task),
                completed=event.done,
                total=event.total or None,
            )


@contextmanager
def open_boards(
    ports: list[str], console: Console, **options: Any
) -> Iterator[tuple[Fleet, BoardBars]]:
    """The boards, opened at once (those that fail to open are in ``fleet.failed``), with a
    progress row each while the block runs."""
    with Fleet(ports, partial=True, **options) as fleet:
        bars = BoardBars(fleet.names, console)
        with bars.progress:
            yield fleet, bars


def summarize(
    console: Console,
    failed_to_open: list[Outcome],
    outcomes: list[Outcome],
    describe: Callable[[Any], str],
) -> int:
    """The per-board table (``describe(value)`` for a board that succeeded) and the exit
    status: 0 when every board succeeded, else 1."""
    table = Table(show_header=True, header_style="bold")
    table.add_column("board", overflow="fold")
    table.add_column("result")
    table.add_column("", justify="right")
    for o in failed_to_open + outcomes:
        if o.ok:
            table.add_row(escape(o.board), escape(describe(o.value)), f"{o.seconds:.2f} s")
        else:
            table.add_row(escape(o.board), f"[red]failed:[/] {escape(_one_line(o.error))}", "")
    console.print(table)
    bad = sum(not o.ok for o in failed_to_open + outcomes)
    total = len(failed_to_open) + len(outcomes)
    if bad:
        console.print(f"[bold red]{bad} of {total} boards failed[/]")
        return 1
    console.print(f"[green]all {total} boards succeeded[/]")
    return 0


def _one_line(error: BaseException | None) -> str:
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__
