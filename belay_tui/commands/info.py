"""``belay-tui info [PORT]``: what the board is and how much room it has."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from ._common import add_port, open_device

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
    }
    if args.json:
        print(json.dumps(info))
        return 0
    table = Table(show_header=False, box=None)
    for key, value in info.items():
        table.add_row(key.replace("_", " "), str(value))
    Console().print(table)
    return 0
