"""Side-by-side figures for peers (Belay), measured on the same board in the same run.

Belay is never a dependency: pass the Python of an environment where it is installed
(``belay-tui bench --belay-python /path/to/python``). Its numbers run in that interpreter, as
a subprocess, against the same virtual board the engine was measured on.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from ..exceptions import FeatureUnavailableError
from ._run import BenchTarget

_BELAY_CALLS = """
import json, sys, time, belay
device = belay.Device(sys.argv[1])

@device.task
def bench_echo(x):
    return x + 1

bench_echo(0)
n, start = 0, time.perf_counter()
while time.perf_counter() - start < float(sys.argv[2]):
    bench_echo(n)
    n += 1
print(json.dumps({"calls_per_s": round(n / (time.perf_counter() - start), 1)}))
"""


def measure_belay_calls(target: BenchTarget, python: str, seconds: float = 2.0) -> dict:
    """Belay's task calls/s on ``target``, with the same task as :func:`measure_calls`."""
    with target.board() as (port, _vb), tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "belay_calls.py")  # Belay reads task source, so not `-c`
        script.write_text(_BELAY_CALLS)
        try:
            done = subprocess.run(
                [python, str(script), port, str(seconds)],
                capture_output=True,
                text=True,
                timeout=120 + seconds,
            )
        except OSError as e:
            raise FeatureUnavailableError(f"cannot run {python}: {e.strerror}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise FeatureUnavailableError(f"Belay bench failed in {python}: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])
