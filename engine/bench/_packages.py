"""The package manager's figure: how long ``update`` takes for N small dependencies served
by a local HTTP server (so the network is not what is measured), and Belay's ``belay update``
on the same project and server when its interpreter is given."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..exceptions import FeatureUnavailableError
from ..packages import update
from ._http import LocalServer

_MODULE = '"""Dependency {i}: a small driver, as MicroPython libraries are."""\n\n' + "\n".join(
    f"def read_{n}(bus, address={n}):\n    return bus.readfrom_mem(address, {n}, 2)\n"
    for n in range(40)
)


# Belay 0.30.1's `python -m belay` passes an argument its CLI no longer takes; its script
# entry point does this.
_BELAY_CLI = "import sys; from belay.cli.main import run_app; sys.exit(run_app())"


def measure_update(count: int = 20, latency: float = 0.05, belay_python: str | None = None) -> dict:
    """Seconds for ``update`` of ``count`` one-file dependencies (about 3 KB each): a first
    one, one where nothing changed, and first ones from a server ``latency`` seconds away,
    fetching in parallel (the default) and one at a time. With ``belay_python``, Belay's
    ``belay update`` and ours as processes (interpreter start included) from both servers,
    with the ratio of our time to Belay's."""
    with tempfile.TemporaryDirectory(prefix="belay-bench-") as tmp:
        www = Path(tmp, "www")
        www.mkdir()
        for i in range(count):
            (www / f"dep{i}.py").write_text(_MODULE.format(i=i))
        with LocalServer(www) as near, LocalServer(www, latency=latency) as far:
            near_body, far_body = _body(near.url, count), _body(far.url, count)
            figures = {
                "dependencies": count,
                "first_update_s": _timed(_project(tmp, "near", near_body), {}),
                "noop_update_s": _timed(Path(tmp, "near"), {}),
                "server_latency_s": latency,
                "first_update_far_s": _timed(_project(tmp, "far", far_body), {}),
                "first_update_far_one_at_a_time_s": _timed(
                    _project(tmp, "far_serial", far_body), {"jobs": 1}
                ),
            }
            if belay_python:
                figures |= _cli_side_by_side(tmp, near_body, belay_python, "")
                figures |= _cli_side_by_side(tmp, far_body, belay_python, "_far")
    figures["ms_per_dependency"] = round(1000 * figures["first_update_s"] / count, 1)
    return figures


def _body(url: str, count: int) -> str:
    deps = "".join(f'dep{i} = "{url}/dep{i}.py"\n' for i in range(count))
    return f'[tool.belay]\nname = "bench"\n\n[tool.belay.dependencies]\n{deps}'


def _project(tmp: str, name: str, body: str) -> Path:
    folder = Path(tmp, name)
    folder.mkdir()
    (folder / "pyproject.toml").write_text(body)
    return folder


def _timed(folder: Path, options: dict) -> float:
    start = time.perf_counter()
    update(folder, **options)
    return round(time.perf_counter() - start, 3)


def _cli_side_by_side(tmp: str, body: str, belay_python: str, tag: str) -> dict:
    """Both commands as a user runs them, interpreter start included, on fresh copies."""
    ours_cmd = [sys.executable, "-m", "belay_tui.cli", "update"]
    ours = _run_cli(ours_cmd, _project(tmp, f"cli{tag}", body))
    theirs = _run_cli(
        [belay_python, "-c", _BELAY_CLI, "update"], _project(tmp, f"belay{tag}", body)
    )
    return {
        f"cli_update{tag}_s": ours,
        f"belay_update{tag}_s": theirs,
        f"ours_over_belay{tag}": round(ours / theirs, 3),
    }


def _run_cli(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    except OSError as e:
        raise FeatureUnavailableError(f"cannot run {command[0]}: {e.strerror}") from None
    elapsed = round(time.perf_counter() - start, 3)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise FeatureUnavailableError(f"{' '.join(command)} failed: {last}")
    return elapsed
