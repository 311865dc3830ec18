"""``belay-tui fs VERB PORT ...``: the board's files, as mpremote's ``fs`` does them.

PORT is required: a serial path, ``usb:VID:PID``, ``ws://host``, ``auto`` (the one USB
board) or ``virtual``. Paths are board paths; ``..`` never climbs above ``/``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from engine import BoardFileError, Device
from engine.events import Progress as ProgressEvent

from ._common import byte_bars

SHOW_AFTER = 0.3  # seconds a transfer runs before its progress bar appears


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fs", help="list, fetch, send and remove the board's files")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)

    def verb(name: str, help: str, handler: Callable) -> argparse.ArgumentParser:
        v = verbs.add_parser(name, help=help)
        v.add_argument("port", help="serial port, usb:VID:PID, ws://host[:port], auto or virtual")
        v.add_argument("--password", help="WebREPL password (or set BELAY_PASSWORD)")
        v.set_defaults(handler=_with_device(handler))
        return v

    v = verb("ls", "list a folder", _ls)
    v.add_argument("path", nargs="?", default="/")
    v.add_argument("-l", dest="long", action="store_true", help="with sizes")
    v = verb("tree", "the whole tree under a folder", _tree)
    v.add_argument("path", nargs="?", default="/")
    v = verb("cat", "print a file", _cat)
    v.add_argument("path")
    v = verb("get", "fetch a file (or a folder with -r) to this computer", _get)
    v.add_argument("src")
    v.add_argument("dst", nargs="?", help="where here (default: its name in this folder)")
    v.add_argument("-r", dest="recursive", action="store_true", help="a folder and all in it")
    v = verb("put", "send a file (or a folder with -r); atomic, as sync writes", _put)
    v.add_argument("src")
    v.add_argument("dst", nargs="?", default="/", help="board path (default: /)")
    v.add_argument("-r", dest="recursive", action="store_true", help="a folder and all in it")
    v = verb("rm", "remove a file (or a folder with -r)", _rm)
    v.add_argument("path")
    v.add_argument("-r", dest="recursive", action="store_true", help="a folder and all in it")
    v = verb("mkdir", "make a folder", _mkdir)
    v.add_argument("path")
    v.add_argument(
        "-p", dest="parents", action="store_true", help="and its parents; no error if it exists"
    )
    verb("df", "total, used and free bytes", _df)
    v = verb("sha256", "a file's sha256, computed on the board", _sha256)
    v.add_argument("path")


def _with_device(handler: Callable) -> Callable[[argparse.Namespace], int]:
    """Open the device, run the verb, close it."""

    def run(args: argparse.Namespace) -> int:
        port = None if args.port == "auto" else args.port
        with Device(port, password=args.password) as device:
            return handler(device, args, Console(highlight=False)) or 0

    return run


def _ls(device: Device, args: argparse.Namespace, console: Console) -> None:
    for info in device.fs.ls(args.path):
        name = escape(info.name) + ("/" if info.is_dir else "")
        if args.long:
            size = "" if info.is_dir else str(info.size)
            console.print(f"{size:>10}  {name}")
        else:
            console.print(name)


def _tree(device: Device, args: argparse.Namespace, console: Console) -> None:
    from engine.fs import board_path

    top = board_path(args.path)
    root = Tree(escape(top))
    nodes = {top.rstrip("/") or "/": root}
    for info in device.fs.tree(top):
        parent = nodes[info.path.rsplit("/", 1)[0] or "/"]
        label = escape(info.name) + ("/" if info.is_dir else f" [dim]{info.size}[/]")
        nodes[info.path] = parent.add(label)
    console.print(root)


def _cat(device: Device, args: argparse.Namespace, console: Console) -> None:
    data = device.fs.read_bytes(args.path)
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


def _get(device: Device, args: argparse.Namespace, console: Console) -> None:
    if not args.recursive and device.fs.stat(args.src).is_dir:
        raise BoardFileError(f"{args.src} is a folder (fs get -r fetches a folder)")
    with _progress(console, "get") as show:
        listing = device.fs.get(args.src, args.dst, progress=show)
    files = sum(1 for _p, size in listing.entries if size >= 0)
    console.print(f"got {files} file{'s' if files != 1 else ''}, {listing.total} bytes")


def _put(device: Device, args: argparse.Namespace, console: Console) -> None:
    from pathlib import Path

    if Path(args.src).is_dir() and not args.recursive:
        raise BoardFileError(f"{args.src} is a folder (fs put -r sends a folder)")
    with _progress(console, "put") as show:
        result = device.fs.put(args.src, args.dst, progress=show)
    sent = result.files_written
    console.print(
        f"put {sent} file{'s' if sent != 1 else ''}, {result.bytes_written} bytes"
        + (f" ({len(result.plan.unchanged)} already there)" if result.plan.unchanged else "")
    )


def _rm(device: Device, args: argparse.Namespace, console: Console) -> None:
    if not args.recursive and device.fs.stat(args.path).is_dir:
        raise BoardFileError(f"{args.path} is a folder (fs rm -r removes it and all in it)")
    device.fs.remove(args.path, recursive=args.recursive)


def _mkdir(device: Device, args: argparse.Namespace, console: Console) -> None:
    device.fs.mkdir(args.path, parents=args.parents)


def _df(device: Device, args: argparse.Namespace, console: Console) -> None:
    usage = device.fs.df()
    console.print(f"{'total':>12} {'used':>12} {'free':>12}")
    console.print(f"{usage.total:>12} {usage.used:>12} {usage.free:>12}")


def _sha256(device: Device, args: argparse.Namespace, console: Console) -> None:
    console.print(f"{device.fs.sha256(args.path)}  {escape(args.path)}")


@contextlib.contextmanager
def _progress(console: Console, verb: str) -> Iterator[Callable[[ProgressEvent], None]]:
    """A progress callback whose bar appears only once the transfer has run a moment."""
    bar = byte_bars(console)
    task = bar.add_task(verb, total=None)
    start = time.monotonic()

    def show(event: ProgressEvent) -> None:
        if not bar.live.is_started and time.monotonic() - start >= SHOW_AFTER:
            bar.start()
        bar.update(task, completed=event.done, total=event.total, description=event.item or verb)

    try:
        yield show
    finally:
        bar.stop()
