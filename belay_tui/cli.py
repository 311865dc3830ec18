"""The ``belay-tui`` command: the full-screen session, or a headless subcommand.

Each subcommand lives in ``belay_tui/commands/<name>.py`` with ``register(subparsers)``.
Failures exit non-zero with one line saying why.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys
import warnings
from importlib.metadata import PackageNotFoundError, version

from rich.markup import escape

from engine import BelayException
from engine.exceptions import BelayWarning, PasswordRequired
from engine.text import last_line

from .commands._common import err, looks_like_port

# Module names under belay_tui.commands, in the order --help lists them.
COMMANDS = [
    "exec_",
    "run",
    "terminal",
    "sync",
    "watch",
    "info",
    "devs",
    "update",
    "clean",
    "install",
    "add",
    "new",
    "select",
    "cache",
    "bench",
    "emulator",
]

# Other names of subcommands, as Belay spells them (registered by each command module).
ALIASES = ["init"]


def build_parser() -> argparse.ArgumentParser:
    """The subcommand parser; ``belay-tui [PORT]`` alone is parsed by :func:`app_parser`."""
    parser = argparse.ArgumentParser(
        prog="belay-tui",
        description="Drive MicroPython boards. With no COMMAND: the full-screen session "
        "(belay-tui [PORT] [--project DIR] [--password PW] [--attempts N]; "
        "belay-tui PORT --help says more).",
    )
    _add_version(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"belay_tui.commands.{name}").register(sub)
    return parser


def app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="belay-tui",
        description="The full-screen session. Subcommands: " + ", ".join(_names()) + ".",
    )
    _add_version(parser)
    parser.add_argument(
        "port", nargs="?", help="serial port, usb:VID:PID, ws://host, auto or virtual"
    )
    parser.add_argument("--project", default=".", help="project folder (default: .)")
    parser.add_argument("--password", help="WebREPL password (or set BELAY_PASSWORD)")
    parser.add_argument(
        "--attempts",
        type=int,
        default=-1,
        help="reconnect tries after the link is lost, 1 s apart (default -1: until it is back; "
        "0: stay lost until ctrl+r)",
    )
    return parser


def _add_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"belay-tui {_version()}")


def _version() -> str:
    try:
        return version("belay-tui")
    except PackageNotFoundError:  # run from a source tree that was never installed
        from engine import __version__

        return __version__


def _names() -> list[str]:
    """Every subcommand's name and alias (``init`` is Belay's name for ``new``)."""
    return [*(name.rstrip("_") for name in COMMANDS), *ALIASES]


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """An engine warning is one line, as errors are; other warnings keep Python's form."""
    if issubclass(category, BelayWarning):
        err.print(f"[yellow]warning:[/] {escape(str(message))}", soft_wrap=True)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


_python_showwarning = warnings.showwarning


def _first_is_command(argv: list[str]) -> bool:
    """Whether ``argv`` starts with a subcommand (or --help/--version) rather than the app's
    optional PORT. A first word that is neither a command nor port-shaped is a usage error
    naming the closest command: a mistyped ``exce`` must not be opened as a port."""
    if not argv:
        return False
    first = argv[0]
    if first in _names() or first in ("-h", "--help", "--version"):
        return True
    if first.startswith("-") or looks_like_port(first) or os.path.exists(first):
        return False
    close = difflib.get_close_matches(first, _names(), n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else f" (commands: {', '.join(_names())})"
    app_parser().error(f"'{first}' is neither a command nor a port{hint}")
    return False  # not reached: error() exits


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    warnings.showwarning = _show_warning
    # `belay-tui PORT` and `belay-tui COMMAND ...` share the first position.
    is_command = _first_is_command(argv)
    args = (build_parser() if is_command else app_parser()).parse_args(argv)
    try:
        if not is_command:
            from .app import run_app

            return run_app(args)
        return args.handler(args) or 0
    except BelayException as e:
        if isinstance(e, PasswordRequired):
            e = e.telling("--password")
        # Messages quote TOML tables ("[tool.belay]"): not markup. One line, however long.
        err.print(f"[bold red]error:[/] {escape(_one_line(e))}", soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]")
        return 130


def _one_line(e: BaseException) -> str:
    text = str(e).strip()
    if "\n" in text and "Traceback" in text:
        # A board traceback: the last line says what happened; the rest goes above it.
        err.print(text.rsplit("\n", 1)[0], markup=False)
    return last_line(e)


if __name__ == "__main__":
    sys.exit(main())
