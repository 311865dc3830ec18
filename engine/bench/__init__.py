"""Measurements for ``belay-tui bench``: headless, so scripts and CI can run them too.

Each suite is a function ``(port_factory, bps) -> dict`` of named figures. Figures are
measured, never asserted: timing on shared machines is noisy.
"""

from ._calls import measure_calls
from ._link import measure_link
from ._peers import measure_belay_calls
from ._run import BenchTarget, run_suites

__all__ = ["BenchTarget", "measure_belay_calls", "measure_calls", "measure_link", "run_suites"]
