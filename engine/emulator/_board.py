"""``VirtualBoard``: the MicroPython unix port dressed as a board on a serial port."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import tty
from importlib import resources
from pathlib import Path

from .._secret import Secret
from ..exceptions import FeatureUnavailableError
from ._interp import Interpreter
from ._port_server import PortServer
from ._profiles import Profile, profile_named
from ._relay import Relay
from ._webrepl_server import WebreplServer

#: Set to ``1``, boards made without ``fixed_figures`` report fixed figures (for tests).
FIXED_FIGURES_ENV = "BELAY_VIRTUAL_FIXED"


class VirtualBoard:
    """A MicroPython board with no hardware: real MicroPython behind a pseudo-terminal.

    ``port`` is a path that pyserial (or mpremote) opens like a USB serial port. ``root`` is
    the board's filesystem (a temporary folder unless given). ``bps`` limits the link in
    both directions (11520 is a 115200-baud UART; 0 is unlimited). ``fs_size``: make the
    board's ``os.statvfs`` report a filesystem of that many bytes (the files in ``root``
    count as used), to see what tools do on a small or full board.

    ``profile``: the firmware to play, by name (``micropython``, ``esp8266``, ``old``,
    ``circuitpython``, ``compressing``; see :data:`PROFILES`) or as a :class:`Profile`. Its
    link rate and filesystem size apply unless ``bps`` or ``fs_size`` are given.
    ``compressing`` is MicroPython built with ``MICROPY_PY_DEFLATE_COMPRESS``: its
    ``deflate.DeflateIO`` writes too, so ``device.fs`` reads arrive deflated as from such a
    board. Its encoder is MicroPython code on the board: it pays on a UART-rate link, but
    makes reads over an unlimited one (the tests') several times slower, so it is a profile
    for testing that path, not the default.

    ``fixed_figures`` (a test option): the board reports the same figures on every host —
    MicroPython 1.29.0 on ``linux`` with no native architecture in ``sys.implementation``,
    ``gc.mem_free()`` 1,990,000 bytes — so snapshots and screenshots of a tool do not depend
    on the machine or the wheel. Unset, the ``BELAY_VIRTUAL_FIXED=1`` environment variable
    turns it on, which reaches boards that a program starts itself (``Device("virtual")``).

    ``webrepl="127.0.0.1:PORT"`` (port 0: any free one) also serves WebREPL there, as
    ``webrepl.start()`` does on a board, with ``password`` (1 to 9 characters) and
    ``webrepl_latency`` seconds of added round-trip time; ``webrepl_url`` says where.

    ``serve="rfc2217://127.0.0.1:PORT"`` (or ``socket://`` for raw TCP) also serves the
    board's serial port over the network, as ser2net does on a lab machine; ``served_url``
    says where. That server stays up while the board is unplugged, as the lab machine would.

    Use as a context manager, or call :meth:`start` and :meth:`close`.
    """

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        bps: int | None = None,
        webrepl: str | None = None,
        password: str | Secret | None = None,
        webrepl_latency: float = 0.0,
        fs_size: int | None = None,
        serve: str | None = None,
        profile: str | Profile = "micropython",
        fixed_figures: bool | None = None,
    ) -> None:
        self.profile = profile_named(profile)
        self._state = Path(tempfile.mkdtemp(prefix="belay-vboard-"))
        self.root = Path(root) if root is not None else self._state / "flash"
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = str(self._state / "ttyVB0")
        self.webrepl = webrepl
        self._webrepl_server: WebreplServer | None = None
        self._port_server: PortServer | None = None
        try:
            if webrepl:
                self._webrepl_server = WebreplServer(
                    webrepl, Secret.wrap(password), self.port, self.root, webrepl_latency
                )
            if serve:
                self._port_server = PortServer(serve, self.port)
        except BaseException:
            shutil.rmtree(self._state, ignore_errors=True)
            raise
        self._bps = self.profile.bps if bps is None else bps
        self._fs_size = self.profile.fs_size if fs_size is None else fs_size
        if fixed_figures is None:
            fixed_figures = os.environ.get(FIXED_FIGURES_ENV) == "1"
        self.fixed_figures = fixed_figures
        self._relay: Relay | None = None
        self._host_fd = -1
        self._pins_out = self._state / "pins.out"
        self._pins_in = self._state / "pins.in"
        self._pins_offset = 0
        self._pins: dict[str, int] = {}
        self._boot = self._state / "boot.py"
        self._write_boot()

    def __repr__(self) -> str:
        state = "plugged" if self.plugged else "unplugged"
        return (
            f"<VirtualBoard {self.profile.name} {self.port} {state} bps={self._bps or 'unlimited'}>"
        )

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> VirtualBoard:
        if self._port_server and not self._port_server.serving:
            self._port_server.start()  # once: it outlives unplugging
        if self._relay is None:
            self._plug()
        return self

    def __enter__(self) -> VirtualBoard:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Power the board off and remove its port and temporary files."""
        self._unplug()
        if self._port_server:
            self._port_server.stop()
        shutil.rmtree(self._state, ignore_errors=True)

    @property
    def plugged(self) -> bool:
        return self._relay is not None

    @property
    def webrepl_url(self) -> str | None:
        """``ws://host:port`` of the WebREPL endpoint, or None without one."""
        return self._webrepl_server.url if self._webrepl_server else None

    @property
    def served_url(self) -> str | None:
        """``rfc2217://host:port`` or ``socket://host:port`` of the port server, or None."""
        return self._port_server.url if self._port_server else None

    # -- the link ------------------------------------------------------------------------

    @property
    def bps(self) -> int:
        return self._bps

    @bps.setter
    def bps(self, value: int) -> None:
        self._bps = value
        if self._relay:
            self._relay.set_bps(value)

    def hold(self, after: int = 0) -> None:
        """A test option: the link carries ``after`` more bytes to the board, then holds the
        rest of what the host sends (the board's output still flows) until :meth:`release`.

        It stops a transfer at a known point however loaded the machine is, where a slow
        ``bps`` only makes that point likely. The host's own timeouts still run: a tool
        waiting on the board gives up after its reply timeout.
        """
        if self._relay is not None:
            self._relay.hold(after)

    @property
    def holding(self) -> bool:
        """Whether the held link (:meth:`hold`) is holding host bytes back now: the
        transfer stands still at the chosen byte."""
        return self._relay is not None and self._relay.holding

    def release(self) -> None:
        """The held link carries the host's bytes again."""
        if self._relay is not None:
            self._relay.release()

    def unplug(self) -> None:
        """Pull the cable: the port disappears and the (USB-powered) board stops."""
        self._unplug()

    def replug(self) -> None:
        """Plug the cable back in: the port returns at the same path; the board boots afresh."""
        if self._relay is None:
            self._plug()

    def power_cut(self) -> None:
        """Kill the interpreter without warning; the board boots again at once, port kept.

        Bytes in flight are lost and files being written stay as the interpreter left them.
        """
        if self._relay is not None:
            self._relay.power_cycle()

    def freeze(self) -> None:
        """The board stops answering while its port stays (firmware stuck in a C call, a
        crash that leaves the USB link up), until :meth:`thaw`."""
        if self._relay is not None:
            self._relay.interp.suspend()

    def thaw(self) -> None:
        """A frozen board runs on from where it stopped."""
        if self._relay is not None:
            self._relay.interp.resume()

    def adapter_unplug(self) -> None:
        """Pull a USB-serial adapter out of a board on its own power: the port disappears
        while the interpreter runs on (tasks, globals and threads as they are), and what it
        prints meanwhile is lost. :meth:`adapter_replug` brings the port back."""
        if self._relay is not None and self._host_fd >= 0:
            self._relay.detach()
            self._close_port()

    def adapter_replug(self) -> None:
        """Plug the adapter back in: the port returns at the same path, to the same
        running board."""
        if self._relay is not None and self._host_fd < 0:
            self._relay.attach(self._open_port())

    def wifi_drop(self, seconds: float) -> None:
        """A WiFi outage: the WebREPL client is cut and new ones are refused for
        ``seconds``, while the board runs on. Returns at once."""
        if self._webrepl_server is None:
            raise FeatureUnavailableError("wifi_drop needs a board started with webrepl=")
        if self._relay is not None:
            self._webrepl_server.outage(seconds)

    def _plug(self) -> None:
        if self._webrepl_server:
            self._webrepl_server.start()  # first: a taken address fails before anything runs
        self._relay = Relay(self._open_port(), self._spawn, self._bps, self.profile)

    def _open_port(self) -> int:
        """A new pty pair, its slave linked at :attr:`port`; returns the master."""
        master, slave = os.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        # Keep the slave open ourselves so the board's output has somewhere to wait for a
        # host, as a USB CDC device keeps its buffer while no program has the port open.
        self._slave_keep = slave
        os.set_blocking(master, False)
        self._host_fd = master
        link = Path(self.port)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(os.ttyname(slave))
        return master

    def _close_port(self) -> None:
        Path(self.port).unlink(missing_ok=True)
        if self._host_fd >= 0:
            os.close(self._host_fd)
            os.close(self._slave_keep)
        self._host_fd = -1

    def _unplug(self) -> None:
        relay, self._relay = self._relay, None
        if relay is None:
            return
        if self._webrepl_server:
            self._webrepl_server.stop()
        relay.stop()
        self._close_port()

    def _spawn(self, kind: str) -> Interpreter:
        if self._relay is not None and self._webrepl_server:
            # Every restart after the first (soft or hard reset, power cut) closes the
            # board's sockets, its WebREPL client's included. Often from the relay's
            # thread, so without waiting for the session to wind down.
            self._webrepl_server.drop_client(wait=False)
        return Interpreter.spawn(str(self._boot), self.profile.heap, kind)

    def _write_boot(self) -> None:
        firmware = resources.files("engine.emulator") / "firmware"
        for shim in ("machine", "os", "sys", "gc", "deflate", "circuitpython"):
            (self._state / f"_belay_{shim}.py").write_text((firmware / f"{shim}.py").read_text())
        (self._state / "_belay_empty.py").write_text("")
        uid = hashlib.sha256(str(self.root).encode()).digest()[:8]
        values = {
            "_ROOT": str(self.root),
            "_PINS_OUT": str(self._pins_out),
            "_PINS_IN": "/" + self._pins_in.name,  # relative to _SHIM_DIR, read via a VFS
            "_UID": uid,
            "_SHIM_DIR": str(self._state),
            "_FS_SIZE": self._fs_size,
            "_MISSING": self.profile.missing,
            "_CIRCUITPY": self.profile.circuitpython,
            "_COMPRESS": self.profile.compresses,
            "_FIXED": self.fixed_figures,
        }
        header = "".join(f"{k} = {v!r}\n" for k, v in values.items())
        self._boot.write_text(header + (firmware / "boot.py").read_text())

    # -- pins ----------------------------------------------------------------------------

    @property
    def pins(self) -> dict[str, int]:
        """Latest state of each output pin and PWM channel the board has driven, by name."""
        try:
            with open(self._pins_out, "rb") as f:
                f.seek(self._pins_offset)
                data = f.read()
        except FileNotFoundError:
            return dict(self._pins)
        end = data.rfind(b"\n") + 1
        self._pins_offset += end
        for line in data[:end].decode(errors="replace").splitlines():
            name, _, value = line.partition(" ")
            if value.lstrip("-").isdigit():
                self._pins[name] = int(value)
        return dict(self._pins)

    def set_input(self, name: str | int, value: int) -> None:
        """Drive an input pin (or ``"ADC<pin>"`` channel) the board reads, as a button would."""
        values = {}
        if self._pins_in.exists():
            for line in self._pins_in.read_text().splitlines():
                k, _, v = line.partition(" ")
                values[k] = v
        values[str(name)] = str(int(value))
        tmp = self._pins_in.with_suffix(".tmp")
        tmp.write_text("".join(f"{k} {v}\n" for k, v in values.items()))
        tmp.replace(self._pins_in)
