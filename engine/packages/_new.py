"""``new``: a project skeleton that ``belay-tui update`` and ``belay-tui install`` take at
once (Belay's template: ``pyproject.toml``, the board package, ``main.py``), with a package
that does something visible on the virtual board. Existing files are never overwritten; an
existing ``pyproject.toml`` gains the ``[tool.belay]`` tables."""

from __future__ import annotations

import re
from pathlib import Path

import tomlkit

from ._config import DEFAULT_DEPENDENCIES_PATH, MAIN
from ._errors import ConfigError

_PYPROJECT = """\
# `belay-tui update` fetches [tool.belay.dependencies] into .belay/dependencies (commit it,
# with .belay/lock.toml); `belay-tui install` puts them in /lib and {name}/ on the board.
[tool.belay]
name = "{name}"

[tool.belay.dependencies]
# some_module = "https://example.com/some_module.py"
# ntptime = "*"  # by name, from the MicroPython package index

[tool.pytest.ini_options]
pythonpath = "{pythonpath}"
"""

_PACKAGE = '''\
"""{name}: code that runs on the board. `belay-tui install` copies this folder to /{name}."""

import time

from machine import Pin

LED_PIN = 25  # the Raspberry Pi Pico's LED; change it for your board


def blink(times=3, period_ms=200, pin=LED_PIN):
    """Toggle the LED ``times`` times, saying so each time."""
    led = Pin(pin, Pin.OUT)
    for i in range(times):
        led.value(1)
        time.sleep_ms(period_ms // 2)
        led.value(0)
        time.sleep_ms(period_ms // 2)
        print("blink", i + 1)
'''

_MAIN = '''\
"""Runs at boot once installed with `belay-tui install --main main.py`.
Try it now on the virtual board: `belay-tui install --run main.py`."""

from {name} import blink

blink()
'''

_README = """\
# {name}

A MicroPython project managed with belay-tui.

```sh
belay-tui add ntptime "*"          # a dependency (any URL, github:user/repo/file.py, a path)
belay-tui update                   # fetch dependencies into .belay/dependencies
belay-tui install --run main.py    # put everything on the board and run main.py
```
"""

# The session log records every REPL line typed: not something to commit with .belay/.
_GITIGNORE = "__pycache__/\n*.pyc\n.belay/session.log*\n"


def new_project(path: str | Path, name: str | None = None) -> list[Path]:
    """Create the skeleton in ``path`` (made if missing); ``name`` defaults to the folder's
    name made into an identifier. Returns the files written: those created, and an existing
    ``pyproject.toml`` that gained ``[tool.belay]``."""
    folder = Path(path).resolve()
    name = name or _package_name(folder.name)
    if not name.isidentifier():
        raise ConfigError(f"project name {name!r} must be a Python identifier")
    pyproject = folder / "pyproject.toml"
    written = []
    if pyproject.exists():
        _add_belay_tables(pyproject, name)
        written.append(pyproject)
    files = {
        pyproject: _PYPROJECT,
        folder / name / "__init__.py": _PACKAGE,
        folder / "main.py": _MAIN,
        folder / "README.md": _README,
        folder / ".gitignore": _GITIGNORE,
    }
    pythonpath = f"{DEFAULT_DEPENDENCIES_PATH}/{MAIN}"
    for file, template in files.items():
        if file.exists():
            continue
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(template.format(name=name, pythonpath=pythonpath), encoding="utf-8")
        written.append(file)
    return written


def _package_name(folder_name: str) -> str:
    name = re.sub(r"\W", "_", folder_name.strip().lower().replace("-", "_"))
    if not name.isidentifier():
        raise ConfigError(
            f"cannot make a package name from the folder name {folder_name!r}; pass a name"
        )
    return name


def _add_belay_tables(pyproject: Path, name: str) -> None:
    doc = tomlkit.parse(pyproject.read_text(encoding="utf-8"))
    tool = doc.setdefault("tool", tomlkit.table(is_super_table=True))
    if "belay" in tool:
        raise ConfigError(f"{pyproject} already has [tool.belay]")
    belay = tomlkit.table()
    belay["name"] = name
    belay["dependencies"] = tomlkit.table()
    tool["belay"] = belay
    ini = tool.setdefault("pytest", tomlkit.table(is_super_table=True)).setdefault(
        "ini_options", tomlkit.table()
    )
    path = f"{DEFAULT_DEPENDENCIES_PATH}/{MAIN}"
    current = ini.get("pythonpath")
    if current is None:
        ini["pythonpath"] = path
    elif isinstance(current, str) and path not in current.split():
        ini["pythonpath"] = [current, path]
    elif isinstance(current, list) and path not in current:
        current.append(path)
    pyproject.write_text(tomlkit.dumps(doc), encoding="utf-8")
