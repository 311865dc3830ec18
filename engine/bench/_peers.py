"""Side-by-side figures for peers (Belay, mpremote), measured on the same kind of board in
the same run.

Neither is a dependency: pass the Python of an environment where Belay is installed
(``belay-tui bench --belay-python /path/to/python``); mpremote runs as ``python -m mpremote``
when installed here (``--mpremote``). Each runs as a subprocess against a virtual board like
the one the engine was measured on.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..exceptions import FeatureUnavailableError
from ._run import BenchTarget

_BELAY_CALLS = """
import json, os, sys, time, belay
secret = os.environ.get("BELAY_PASSWORD")  # WebREPL
device = belay.Device(sys.argv[1], **({"password": secret} if secret else {}))

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
                env=target.environment(),
            )
        except OSError as e:
            raise FeatureUnavailableError(f"cannot run {python}: {e.strerror}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise FeatureUnavailableError(f"Belay bench failed in {python}: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


_BELAY_SYNC = """
import json, os, sys, time, belay
secret = os.environ.get("BELAY_PASSWORD")  # WebREPL
device = belay.Device(sys.argv[1], **({"password": secret} if secret else {}))
folder, changed = sys.argv[2], sys.argv[3]
out = {}
for label in ("full_s", "noop_s"):
    start = time.perf_counter()
    device.sync(folder)
    out[label] = round(time.perf_counter() - start, 3)
with open(changed, "a", encoding="utf-8") as f:
    f.write("\\n_bench_changed = 1\\n")
start = time.perf_counter()
device.sync(folder)
out["one_changed_s"] = round(time.perf_counter() - start, 3)
print(json.dumps(out))
"""


def measure_belay_sync(target: BenchTarget, python: str) -> dict:
    """Belay's ``device.sync`` of the same corpus: full, no-op, one file changed."""
    from ._sync import build_corpus

    _need_virtual(target, "Belay")
    with target.board() as (port, _vb), tempfile.TemporaryDirectory() as tmp:
        corpus = build_corpus(Path(tmp, "corpus"))
        script = Path(tmp, "belay_sync.py")
        script.write_text(_BELAY_SYNC)
        command = [python, str(script), port, str(corpus.folder), str(corpus.changed)]
        done = _run(command, python, env=target.environment())
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise FeatureUnavailableError(f"Belay sync bench failed in {python}: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_mpremote_sync(target: BenchTarget) -> dict:
    """``mpremote connect PORT fs cp -r`` of the same corpus (each a fresh process, as a
    user runs it): full, no-op (mpremote skips files whose hash matches), one changed."""
    from ._sync import build_corpus, edit

    _need_virtual(target, "mpremote")
    if target.webrepl_latency is not None:
        raise FeatureUnavailableError("mpremote has no WebREPL: its figures are serial only")
    if importlib.util.find_spec("mpremote") is None:
        raise FeatureUnavailableError("mpremote is not installed here: pip install mpremote")
    out = {}
    with target.board() as (port, _vb), tempfile.TemporaryDirectory() as tmp:
        corpus = build_corpus(Path(tmp, "corpus"))
        command = [sys.executable, "-m", "mpremote", "connect", port]
        command += ["fs", "cp", "-r", "source", "data", ":"]
        for label in ("full_s", "noop_s", "one_changed_s"):
            if label == "one_changed_s":
                edit(corpus.changed)
            start = time.perf_counter()
            done = _run(command, "mpremote", cwd=corpus.folder)
            out[label] = round(time.perf_counter() - start, 3)
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                raise FeatureUnavailableError(f"mpremote sync bench failed: {last}")
    return out


def _need_virtual(target: BenchTarget, peer: str) -> None:
    if target.port is not None:
        raise FeatureUnavailableError(
            f"{peer}'s sync figures are measured on a virtual board only (they write to /)"
        )


def _run(
    command: list[str], what: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=600, cwd=cwd, env=env
        )
    except OSError as e:
        raise FeatureUnavailableError(f"cannot run {what}: {e.strerror}") from None
