"""``belay-tui cache list|info|clear``: Belay's download cache, ``.belay-cache`` in the
project (Belay keeps git clones of dependencies there). belay-tui fetches into
``.belay/dependencies`` and keeps no download cache of its own, so this lists, sizes and
clears what Belay left."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from rich.console import Console

from engine import BelayException, load_project

FOLDER = ".belay-cache"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("cache", help="list, size or clear Belay's download cache (.belay-cache)")
    p.add_argument("action", choices=["list", "info", "clear"])
    p.add_argument("prefix", nargs="?", default="", help="clear: entries starting with this")
    p.add_argument("--all", "-a", dest="all_", action="store_true", help="clear: every entry")
    p.add_argument("--yes", "-y", action="store_true", help="clear: do not ask")
    p.add_argument("--project", default=".", help="folder at or below pyproject.toml")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False, emoji=False, soft_wrap=True)
    folder = load_project(args.project).root / FOLDER
    entries = sorted(folder.iterdir()) if folder.is_dir() else []
    if args.action == "list":
        for entry in entries:
            console.print(entry.name)
    elif args.action == "info":
        size = sum(f.stat().st_size for e in entries for f in _files(e))
        console.print(f"location: {folder}\nentries: {len(entries)}\nsize: {size} bytes")
    else:
        _clear(console, entries, args)
    return 0


def _files(entry: Path) -> list[Path]:
    return [entry] if entry.is_file() else [f for f in entry.rglob("*") if f.is_file()]


def _clear(console: Console, entries: list[Path], args: argparse.Namespace) -> None:
    if bool(args.prefix) == args.all_:
        raise BelayException("cache clear: give a PREFIX or --all (one of them)")
    chosen = [e for e in entries if e.name.startswith(args.prefix)]
    if not chosen:
        console.print(f"no cache entries starting with {args.prefix!r}")
        return
    if not args.yes:
        console.print("\n".join(f"  {e.name}" for e in chosen))
        if input("clear these? [y/N] ").strip().lower() not in ("y", "yes"):
            return
    for entry in chosen:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    console.print(f"cleared {len(chosen)} entr{'y' if len(chosen) == 1 else 'ies'}")
