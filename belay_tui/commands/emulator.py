"""``belay-tui emulator``: run a virtual board until Ctrl-C, for other tools to use.

``--detach`` starts it in the background and returns once it is ready, printing its port,
so that ``PORT=$(belay-tui emulator --detach)`` works in a script; ``--port-file`` writes
the port (and WebREPL URL) to a file once the board is ready, for those who start it with
``&`` themselves.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from engine import BelayException, VirtualBoard
from engine.emulator import PROFILES

READY_TIMEOUT = 60.0  # seconds a detached board gets to start (a loaded CI machine is slow)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("emulator", help="run a virtual board and print its port")
    p.add_argument("--root", help="folder used as the board's filesystem (default: temporary)")
    p.add_argument(
        "--bps",
        type=int,
        help="link byte rate (11520 = 115200 baud; default: the profile's, else unlimited)",
    )
    p.add_argument(
        "--profile",
        choices=list(PROFILES),
        default="micropython",
        help="firmware to play: esp8266 (small heap, 115200 baud, 1 MB), old (no raw-paste, "
        "deflate or hashlib), circuitpython (its names and read-only filesystem), "
        "compressing (deflate.DeflateIO writes: file reads come deflated)",
    )
    p.add_argument(
        "--webrepl",
        metavar="HOST:PORT",
        help="also serve WebREPL there (port 0: any free port); its ws:// URL is printed",
    )
    p.add_argument(
        "--password",
        help="WebREPL password, 1 to 9 characters (or set BELAY_PASSWORD, which keeps it "
        "out of shell history)",
    )
    p.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="round-trip time the WebREPL link adds, in milliseconds (WiFi: 5 to 50)",
    )
    p.add_argument(
        "--serve",
        metavar="URL",
        help="also serve the board's serial port over the network, as ser2net would: "
        "rfc2217://HOST:PORT (RFC 2217) or socket://HOST:PORT (raw TCP); port 0: any free "
        "port; the URL to connect to is printed",
    )
    p.add_argument(
        "--port-file",
        type=Path,
        metavar="FILE",
        help="write the port (and the ws:// and served URLs) to FILE once the board is ready",
    )
    p.add_argument(
        "--detach",
        action="store_true",
        help="run in the background: print the port once ready and return (its PID goes to "
        "stderr; stop it with kill PID)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.detach:
        return _detach(args)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    password = args.password if args.password is not None else os.environ.get("BELAY_PASSWORD")
    board = VirtualBoard(
        root=args.root,
        bps=args.bps,
        webrepl=args.webrepl,
        password=password,
        webrepl_latency=args.latency / 1000,
        serve=args.serve,
        profile=args.profile,
    )
    with board:
        lines = [board.port] + [url for url in (board.webrepl_url, board.served_url) if url]
        if args.port_file:
            _write_atomically(args.port_file, "".join(f"{line}\n" for line in lines))
        print("\n".join(lines), flush=True)
        try:
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait()
        finally:
            if args.port_file:
                args.port_file.unlink(missing_ok=True)
    return 0


def _write_atomically(path: Path, text: str) -> None:
    """A reader polling for the file sees it whole or not at all."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _detach(args: argparse.Namespace) -> int:
    """Start this command again in its own session, without --detach and with a port file,
    wait for that file, and print it. The child's stdout is not ours, so ``$(...)`` returns."""
    with tempfile.TemporaryDirectory(prefix="belay-emulator-") as tmp:
        port_file = args.port_file or Path(tmp, "port")
        argv = ["emulator", "--profile", args.profile, "--latency", str(args.latency)]
        argv += ["--port-file", str(port_file)]
        argv += ["--bps", str(args.bps)] if args.bps is not None else []
        argv += ["--root", args.root] if args.root else []
        argv += ["--webrepl", args.webrepl] if args.webrepl else []
        argv += ["--serve", args.serve] if args.serve else []
        env = dict(os.environ)
        if args.password is not None:  # kept off the child's command line
            env["BELAY_PASSWORD"] = args.password
        # No pipe of ours stays open in the child, so $(...) and capture return.
        with open(Path(tmp, "stderr"), "w+b") as errors:
            child = subprocess.Popen(
                [sys.executable, "-m", "belay_tui.cli", *argv],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                start_new_session=True,
                env=env,
            )
            _await_ready(child, port_file, errors)
        print(port_file.read_text(encoding="utf-8"), end="", flush=True)
    print(f"emulator running as pid {child.pid}; stop it with: kill {child.pid}", file=sys.stderr)
    return 0


def _await_ready(child: subprocess.Popen, port_file: Path, errors) -> None:
    """Wait for the detached board's port file; say why when it dies or hangs instead."""
    deadline = time.monotonic() + READY_TIMEOUT
    while not port_file.exists():
        if child.poll() is not None:
            errors.seek(0)
            lines = errors.read().decode(errors="replace").strip().splitlines()
            why = f": {lines[-1]}" if lines else ""
            raise BelayException(f"the emulator exited with code {child.returncode}{why}")
        if time.monotonic() > deadline:
            child.kill()
            raise BelayException(f"the emulator did not start within {READY_TIMEOUT:g} s")
        time.sleep(0.05)  # polling a file another process writes: nothing to wait on
