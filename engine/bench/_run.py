"""Running bench suites against a port or a fresh virtual board."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..device import Device
from ..emulator import VirtualBoard
from ..exceptions import FeatureUnavailableError

BENCH_PASSWORD = "bench"  # the virtual board's WebREPL password in benches
CIRCUITPYTHON_BOOT = 'import storage\nstorage.remount("/", False)\n'


@dataclass
class BenchTarget:
    """Where to measure: a real port, or (``port=None``) a virtual board at ``bps``
    playing firmware ``profile``; with ``webrepl_latency`` (seconds of round trip) reached
    over its WebREPL endpoint instead of its serial port."""

    port: str | None = None
    bps: int = 0
    webrepl_latency: float | None = None
    profile: str = "micropython"

    @contextlib.contextmanager
    def board(self) -> Iterator[tuple[str, VirtualBoard | None]]:
        if self.port:
            yield self.port, None
            return
        with self.virtual_board() as (port, vb):
            yield port, vb

    @contextlib.contextmanager
    def virtual_board(self) -> Iterator[tuple[str, VirtualBoard]]:
        """A virtual board and the port to reach it by (its WebREPL URL when measuring
        WebREPL), for figures that need to unplug it or read its filesystem."""
        if self.port:
            raise FeatureUnavailableError("this figure needs a virtual board")
        if self.webrepl_latency is not None:
            with VirtualBoard(
                bps=self.bps,
                webrepl="127.0.0.1:0",
                password=BENCH_PASSWORD,
                webrepl_latency=self.webrepl_latency,
            ) as vb:
                yield vb.webrepl_url or vb.port, vb  # started with webrepl: it has a URL
            return
        with VirtualBoard(bps=self.bps, profile=self.profile) as vb:
            if vb.profile.circuitpython:
                # Ready for Belay as its docs ask: boot.py lets code write the filesystem.
                (vb.root / "boot.py").write_text(CIRCUITPYTHON_BOOT)
                vb.power_cut()
            yield vb.port, vb

    @property
    def name(self) -> str:
        if self.port:
            return self.port
        if self.webrepl_latency is not None:
            return f"virtual WebREPL, {self.webrepl_latency * 1000:g} ms round trip"
        return "virtual" if self.profile == "micropython" else f"virtual {self.profile}"

    @property
    def password(self) -> str | None:
        """The virtual board's WebREPL password; None elsewhere (a real board's comes from
        ``BELAY_PASSWORD``)."""
        return BENCH_PASSWORD if self.port is None and self.webrepl_latency is not None else None

    def connect(self, port: str, **options: Any) -> Device:
        """A Device on ``port`` from :meth:`board`."""
        return Device(port, password=self.password, **options)

    def environment(self) -> dict[str, str]:
        """The environment for a peer tool run against :meth:`board` (its password)."""
        env = dict(os.environ)
        if self.password:
            env["BELAY_PASSWORD"] = self.password
        return env

    @property
    def link_rate(self) -> int:
        """Bytes per second of the link, 0 when unlimited or unknown."""
        return self.bps


Suite = Callable[[BenchTarget], dict]


def run_suites(target: BenchTarget, suites: dict[str, Suite]) -> dict[str, dict]:
    return {name: suite(target) for name, suite in suites.items()}
