"""``belay-tui add [NAME] URI [--group G]``: fetch a dependency, then list it in
pyproject.toml (formatting and comments kept). Without NAME, as in Belay, the name comes
from the URI."""

from __future__ import annotations

import argparse

import engine

from ._deps import add_project, dependency_view, load


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("add", help="add a dependency to pyproject.toml and fetch it")
    p.add_argument(
        "name", nargs="?", help="the package name (a folder in /lib; default: from the URI)"
    )
    p.add_argument(
        "uri",
        help="a URL, github:user/repo/file.py[@ref], gitlab:..., a local path, an index "
        'package name[@version], or "*" for the index package NAME',
    )
    p.add_argument("--group", default="main", help="dependency group (default: main)")
    p.add_argument(
        "--develop", action="store_true", help="fetch afresh at every install (local paths)"
    )
    p.add_argument(
        "--no-rename-to-init",
        dest="rename_to_init",
        action="store_false",
        help="keep a single downloaded module's name instead of making it __init__.py",
    )
    add_project(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with dependency_view() as bus:
        engine.add_dependency(
            args.name,
            args.uri,
            load(args),
            group=args.group,
            develop=args.develop,
            rename_to_init=args.rename_to_init,
            events=bus,
        )
    return 0
