"""The engine type-checks: mypy over engine/ (settings in pyproject's [tool.mypy]), and a
task keeps the signature it was written with."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

USER_CODE = """
from engine import Device

device = Device("virtual")


@device.task
def add(a: int, b: int = 1) -> int:
    return a + b


reveal_type(add)
"""


def mypy(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "mypy", "--no-error-summary", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_engine_passes_mypy():
    done = mypy()
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_task_keeps_its_signature(tmp_path):
    user = tmp_path / "user.py"
    user.write_text(USER_CODE)
    done = mypy(str(user))
    assert 'Revealed type is "def (a: int, b: int =) -> int"' in done.stdout, done.stdout
