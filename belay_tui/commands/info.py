"""``belay-tui info [PORT]``: what the board is and how much room it has."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

import engine

from ._common import add_port, open_device
from ._deps import add_project

_PROBE = """
import gc, os
gc.collect()
try:
    _s = os.statvfs('/')
    _fs = (_s[0] * _s[2], _s[0] * _s[3])
except Exception:
    _fs = (0, 0)
try:
    import machine, binascii
    _uid = binascii.hexlify(machine.unique_id()).decode()
except Exception:
    _uid = ''
(gc.mem_free(), gc.mem_alloc(), _fs, _uid)
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="show the board's implementation, memory and storage")
    add_port(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    add_project(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with open_device(args) as device:
        free, alloc, (fs_total, fs_free), uid = device(_PROBE, record=False)
        impl = device.implementation
        port = device.port
    info = {
        "port": port,
        "implementation": impl.name,
        "version": ".".join(map(str, impl.version)),
        "platform": impl.platform,
        "arch": impl.arch,
        "emitters": list(impl.emitters),
        "mpy_version": impl.mpy_version,
        "mem_free": free,
        "mem_total": free + alloc,
        "fs_free": fs_free,
        "fs_total": fs_total,
        "unique_id": uid,
        **_project_info(args),
    }
    if args.json:
        print(json.dumps(info))
        return 0
    table = Table(show_header=False, box=None)
    for key, value in info.items():
        table.add_row(key.replace("_", " "), str(value))
    Console(emoji=False).print(table)
    return 0


def _project_info(args: argparse.Namespace) -> dict[str, str]:
    """Where the project's dependencies are kept on this computer (``dependencies_path``
    may point outside the project) and where install puts them on the board."""
    try:
        project = engine.load_project(args.project, strict=args.strict)
    except engine.ConfigError as e:
        return {"project": str(e)}
    return {
        "project": str(project.pyproject),
        "dependencies_path": str(project.dependencies_folder),
        "dependencies_on_board": "/lib",
    }
