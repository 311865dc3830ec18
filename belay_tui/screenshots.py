"""``python -m belay_tui.screenshots [DIR]``: the README's pictures, made from the real app.

Each scene drives the app on a virtual board (real MicroPython) into one of its main states
with the keys a person would press; the snapshot tests replay the same scenes, so the
pictures and the tests cannot drift apart. Everything shown is made deterministic: a demo
project with fixed contents, no temporary paths on screen, a steady cursor, and a virtual
board that reports fixed figures (free memory, firmware version, platform: see
``VirtualBoard(fixed_figures=...)``), so the pictures are the same on every machine.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.command import CommandList
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from engine.emulator import FIXED_FIGURES_ENV
from engine.events import LinkPhase, Progress

from .app import BelayApp

SIZE = (80, 24)

DEMO_FILES: dict[str, str | bytes] = {
    "board/main.py": "from machine import Pin\n\nled = Pin('LED', Pin.OUT)\nled.on()\n",
    "board/lib/blink.py": "import time\n\n\ndef blink(pin, n=3):\n    for _ in range(n):\n"
    "        pin.toggle()\n        time.sleep(0.1)\n",
    "board/config.json": '{"period": 0.5}\n',
    # Incompressible, so a slow link shows the transfer as it goes.
    "board/sounds/chime.bin": random.Random(1).randbytes(24 * 1024),
    "board/notes.pyc": b"compiled elsewhere",
    "vendor/helpers.py": "def clamp(x, lo, hi):\n    return max(lo, min(hi, x))\n",
    # Nothing listens on port 9 of this machine: the download fails the same way each time.
    "pyproject.toml": "[tool.belay.dependencies]\n"
    'helpers = "vendor/helpers.py"\n'
    'ssd1306 = "http://127.0.0.1:9/ssd1306.py"\n',
}


def make_demo_project(folder: Path) -> Path:
    """A small project with a ``board/`` folder: scripts, a library, data, an ignored file."""
    for name, data in DEMO_FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return folder


async def until(pilot: Pilot, condition: Callable[[], object], what: str, timeout: float = 30):
    """Let the app run until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


def palette_highlights(app: BelayApp, text: str) -> bool:
    """The command palette's highlighted match contains ``text``: Enter runs that command.
    (Its matches come in batches as the search for each typed key ends; until the last
    search is in, the highlight may be a match for the text typed so far.)"""
    for commands in app.screen.query(CommandList):
        index = commands.highlighted
        if index is not None and text in str(commands.get_option_at_index(index).prompt):
            return True
    return False


async def settle(pilot: Pilot) -> None:
    """Wait until the board is connected and nothing runs."""
    app: BelayApp = pilot.app
    await until(pilot, lambda: app.session.status.state == LinkPhase.CONNECTED, "the connection")
    await until(pilot, lambda: app.session.idle and not app.repl.pending, "the board")
    await until(pilot, lambda: app.status_bar.mem_free is not None, "the first report")
    app.repl.input.cursor_blink = False


async def type_lines(pilot: Pilot, *lines: str) -> None:
    app: BelayApp = pilot.app
    for line in lines:
        await pilot.press(*line, "enter")
        await until(pilot, lambda: app.session.idle and not app.repl.pending, line)


async def connected(pilot: Pilot) -> None:
    """A few lines at the REPL: an LED on, a loop, a traceback."""
    await settle(pilot)
    await type_lines(
        pilot,
        "from machine import Pin",
        "led = Pin('LED', Pin.OUT); led.on()",
        "[x * x for x in range(8)]",
    )
    await pilot.press(*"for i in range(3):", "enter", *"print('tick', i)", "enter", "enter")
    await until(pilot, lambda: not pilot.app.repl.pending, "the loop")
    await type_lines(pilot, "1 / 0")
    app: BelayApp = pilot.app
    await until(pilot, lambda: app.status_bar.pins.get("LED") == 1, "the LED")


async def lost(pilot: Pilot) -> None:
    """The virtual board's cable pulled: the status bar turns red."""
    await settle(pilot)
    await type_lines(pilot, "import sys; sys.platform")
    app: BelayApp = pilot.app
    await pilot.press("ctrl+p", *"unplug")
    await until(pilot, lambda: palette_highlights(app, "unplug"), "the palette's match")
    await pilot.press("enter")
    await until(pilot, lambda: not app.session.board.plugged, "the unplug")
    await type_lines(pilot, "1 + 1")
    await until(pilot, lambda: app.session.status.state == LinkPhase.LOST, "the loss")


async def syncing(pilot: Pilot) -> None:
    """A sync held mid-transfer on a slow link, with a REPL line waiting for it."""
    await settle(pilot)
    app: BelayApp = pilot.app
    board = app.session.board
    (board.root / "old_main.py").write_text("print('from an earlier version')\n")
    await pilot.press("f3")
    await until(pilot, lambda: app.focused is app.query_one("#sync-tree"), "the sync pane")
    await until(pilot, lambda: app.sync_pane.plan is not None and app.session.idle, "the plan")

    def hold_after_small_files(event: object) -> None:
        # On the sync's thread, as the last small file goes out and before the big file's
        # first bytes can reach the board: the picture shows this point on any machine.
        if isinstance(event, Progress) and event.item == "/main.py":
            board.hold()

    app.session.events.subscribe(hold_after_small_files)
    await pilot.press("s")
    item = app.query_one("#sync-item")
    await until(pilot, lambda: str(item.render()).startswith("/main.py"), "the held transfer")
    await pilot.press("f2")
    await until(pilot, lambda: app.focused is app.repl.input, "the console")
    await pilot.press(*"led.value()", "enter")
    await until(pilot, lambda: app.repl.pending, "the line to wait")
    await pilot.press("f3")


async def dependency_error(pilot: Pilot) -> None:
    """Update all: one dependency fetched and locked, one whose download fails."""
    await settle(pilot)
    app: BelayApp = pilot.app
    await pilot.press("f4")
    await until(pilot, lambda: app.focused is app.query_one("#deps-table"), "the table")
    await until(pilot, lambda: app.deps_pane.rows, "the rows")
    await pilot.press("U")
    await until(pilot, lambda: app.deps_pane.busy is None and app._notifications, "the update")
    table = app.query_one("#deps-table", DataTable)
    # The lock column is filled only by the reload: wait for its first row to be drawn.
    lock = table.columns[ColumnKey("lock")]
    first = lambda: str(table.get_cell_at(Coordinate(0, table.get_column_index("lock"))))  # noqa: E731
    drawn = lambda: lock.width == 8 and first() in table.render_line(1).text  # noqa: E731
    await until(pilot, drawn, "the reloaded table, drawn")


async def boards(pilot: Pilot) -> None:
    """Three boards in one session, the third unplugged, and the Boards list open (F6)."""
    await settle(pilot)
    app: BelayApp = pilot.app
    usable = lambda: all(s.status.state == "connected" and s.idle for s in app.sessions)  # noqa: E731
    await until(pilot, usable, "every board")
    app.sessions[2].board.unplug()
    await until(pilot, lambda: app.sessions[2].status.state == "lost", "the third board's loss")
    # How the loss was noticed (a hang-up, a failed keepalive) depends on timing: its toast
    # would make the picture depend on it too. The list shows the state.
    app.clear_notifications()
    await pilot.press("f6")
    await until(pilot, lambda: app.screen.query("#boards-table"), "the boards list")


async def plot(pilot: Pilot) -> None:
    """A loop printing two named readings, on the Plot tab."""
    await settle(pilot)
    app: BelayApp = pilot.app
    await type_lines(pilot, "import math")
    reading = "'t=%.1f h=%.1f' % (21 + 2 * math.sin(i / 8), 45 + 5 * math.cos(i / 11))"
    await pilot.press(*f"for i in range(120): print({reading})", "enter", "enter")
    await until(pilot, lambda: app.session.idle and not app.repl.pending, "the loop")
    await pilot.press("f7")
    pane = app.plot_pane
    await until(pilot, lambda: pane.count == 120 and not pane.unread, "the points")


async def files(pilot: Pilot) -> None:
    """The Files tab: the board's tree marked against the project, a file open beside it."""
    await settle(pilot)
    app: BelayApp = pilot.app
    root = app.session.board.root
    for name in ("config.json", "lib/blink.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(DEMO_FILES[f"board/{name}"].encode())
    (root / "main.py").write_text(
        "from machine import Pin\n\nled = Pin('LED', Pin.OUT)\nled.off()\n"
    )
    (root / "boot_log.txt").write_text("boot 1\nboot 2\n")
    await pilot.press("f5")
    pane = app.files_pane
    await until(pilot, lambda: app.focused is pane.tree, "the files pane")
    await until(pilot, lambda: pane.marks.get("/main.py") == "changed", "the marks")
    await until(pilot, lambda: "/" in pane.loaded and app.session.idle, "the listing")
    main = next(n for n in pane.tree.root.children if n.data.name == "main.py")
    await until(pilot, lambda: main.line >= 0, "main.py laid out")
    pane.tree.move_cursor(main)
    await until(pilot, lambda: pane.tree.cursor_node is main, "the cursor on main.py")
    await pilot.press("o")
    await until(pilot, lambda: pane.opened is not None and app.session.idle, "the file")


async def help_screen(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("f1")


def steady(scene: Callable[[Pilot], Awaitable[None]]) -> Callable[[Pilot], Awaitable[None]]:
    """``scene``, then wait until the console's scrollbar has caught up with its lines."""

    async def run(pilot: Pilot) -> None:
        await scene(pilot)
        transcript = pilot.app.repl.transcript
        await until(pilot, lambda: transcript.settled, "the console's scroll position")

    return run


SCENES: dict[str, Callable[[Pilot], Awaitable[None]]] = {
    name: steady(scene)
    for name, scene in {
        "connected": connected,
        "lost": lost,
        "syncing": syncing,
        "dependency-error": dependency_error,
        "plot": plot,
        "files": files,
        "help": help_screen,
        "boards": boards,
    }.items()
}


def scene_app(name: str, project: Path) -> BelayApp:
    """The app a scene runs in. A lost board stays lost (no reconnect tries counting up), so
    the picture holds still; toasts stay until the picture is taken, however slowly a
    loaded machine gets there (they would go after 5 s)."""
    # The syncing scene's held transfer waits for the board's acknowledgements as long as the
    # picture takes, where a board would be given up after 5 s.
    timeout = 600 if name == "syncing" else 5.0
    if name == "boards":  # the third board stays lost, too
        app = BelayApp("virtual", project, attempts=0, more_ports=["virtual", "virtual"])
    else:
        app = BelayApp("virtual", project, attempts=0 if name == "lost" else -1, timeout=timeout)
    app.NOTIFICATION_TIMEOUT = 600
    return app


async def shoot(name: str, out: Path, project: Path) -> Path:
    app = scene_app(name, project)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await SCENES[name](pilot)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        path = out / f"{name}.svg"
        path.write_text(app.export_screenshot(title=f"belay-tui — {name}"))
    return path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    os.environ[FIXED_FIGURES_ENV] = "1"  # the boards the scenes start report fixed figures
    out = Path(argv[0] if argv else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    for name in SCENES:
        with tempfile.TemporaryDirectory() as tmp:
            project = make_demo_project(Path(tmp) / "demo")
            print(asyncio.run(shoot(name, out, project)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
