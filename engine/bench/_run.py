"""Running bench suites against a port or a fresh virtual board."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..emulator import VirtualBoard


@dataclass
class BenchTarget:
    """Where to measure: a real port, or (``port=None``) a virtual board at ``bps``."""

    port: str | None = None
    bps: int = 0

    @contextlib.contextmanager
    def board(self) -> Iterator[tuple[str, VirtualBoard | None]]:
        if self.port:
            yield self.port, None
            return
        with VirtualBoard(bps=self.bps) as vb:
            yield vb.port, vb

    @property
    def link_rate(self) -> int:
        """Bytes per second of the link, 0 when unlimited or unknown."""
        return self.bps


Suite = Callable[[BenchTarget], dict]


def run_suites(target: BenchTarget, suites: dict[str, Suite]) -> dict[str, dict]:
    return {name: suite(target) for name, suite in suites.items()}
