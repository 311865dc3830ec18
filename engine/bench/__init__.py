"""Measurements for ``belay-tui bench``: headless, so scripts and CI can run them too.

Each suite is a function ``(port_factory, bps) -> dict`` of named figures. Figures are
measured, never asserted: timing on shared machines is noisy.
"""

from ._calls import measure_calls
from ._files import measure_files, measure_mpremote_get
from ._fleet import measure_fleet
from ._link import measure_link
from ._minify import measure_minify
from ._packages import measure_update
from ._peers import measure_belay_calls, measure_belay_sync, measure_mpremote_sync
from ._run import BenchTarget, run_suites
from ._sync import build_corpus, measure_sync
from ._watch import measure_watch
from ._webrepl import measure_webrepl

__all__ = [
    "BenchTarget",
    "build_corpus",
    "measure_belay_calls",
    "measure_belay_sync",
    "measure_calls",
    "measure_fleet",
    "measure_files",
    "measure_link",
    "measure_mpremote_get",
    "measure_minify",
    "measure_mpremote_sync",
    "measure_sync",
    "measure_update",
    "measure_watch",
    "measure_webrepl",
    "run_suites",
]
