"""Firmware profiles: the virtual board playing the boards people really have.

The interpreter is always the MicroPython unix port; a profile changes what code on it and
a host on its port can see: the heap, the link's rate, the filesystem's size, missing
modules, raw-paste support, deflate compression, and CircuitPython's names, banner and
read-only filesystem.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..exceptions import FeatureUnavailableError

# The unix port's start-up banner, which a profile may replace (the first of its two
# lines names the firmware; the second is the unix port's own hint).
UNIX_BANNER_START = b"MicroPython "


@dataclass(frozen=True)
class Profile:
    """What a firmware looks like from the host and from board code.

    ``heap``: the unix port's ``-X heapsize``. ``bps``: the link's byte rate by default
    (0: unlimited). ``fs_size``: bytes ``os.statvfs`` reports (None: the host disk's).
    ``missing``: modules ``import`` does not find. ``raw_paste``: False answers the
    raw-paste request with ``R\\x00`` as firmware built without it does. ``compresses``:
    ``deflate.DeflateIO`` can write (compress), as on firmware built with
    ``MICROPY_PY_DEFLATE_COMPRESS``, through an encoder in Python on the board (the unix
    port's own ``DeflateIO`` only reads; reading stays its own). ``circuitpython``:
    CircuitPython's ``sys.implementation``, banner, soft-reboot text, modules (``board``,
    ``digitalio``, ``storage``, ``microcontroller`` instead of ``machine``), a filesystem
    read-only to code until ``boot.py`` calls ``storage.remount("/", False)``, and
    ``code.py`` run at power-on and on Ctrl-D at the friendly prompt.
    """

    name: str
    heap: str = "2M"
    bps: int = 0
    fs_size: int | None = None
    missing: tuple[str, ...] = ()
    raw_paste: bool = True
    circuitpython: bool = False
    compresses: bool = False

    @property
    def soft_reboot(self) -> bytes:
        return b"soft reboot\r\n" if self.circuitpython else b"MPY: soft reboot\r\n"

    def banner(self, unix_banner: bytes) -> bytes:
        """The start-up banner this firmware prints, from the unix port's."""
        if not self.circuitpython:
            return unix_banner
        return b"Adafruit CircuitPython 9.2.1 on 2024-11-20; Raspberry Pi Pico with rp2040\r\n>>> "


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("micropython"),
        # An ESP8266: about 40 KB of heap for a 32-bit port, which the 64-bit unix port's
        # larger objects need twice over; a 115200-baud UART; a 1 MB filesystem; no threads.
        Profile(
            "esp8266",
            heap="96k",
            bps=11520,
            fs_size=1024 * 1024,
            missing=("_thread",),
        ),
        # Firmware from before raw-paste (MicroPython < 1.14), built without deflate or
        # hashlib, as many small boards' images are.
        Profile("old", missing=("deflate", "hashlib"), raw_paste=False),
        Profile("circuitpython", missing=("machine", "_thread"), circuitpython=True),
        # MicroPython built at the "full features" level or with MICROPY_PY_DEFLATE_COMPRESS
        # (a custom build: stock rp2 and esp32 images only inflate), whose DeflateIO
        # compresses: device.fs reads come deflated. Its encoder is MicroPython code on the
        # board, slower than an unlimited link, so no other profile compresses.
        Profile("compressing", compresses=True),
    )
}


def profile_named(name: str | Profile) -> Profile:
    """The profile called ``name`` (or ``name`` itself); a clear error for an unknown one."""
    if isinstance(name, Profile):
        return name
    try:
        return PROFILES[name]
    except KeyError:
        raise FeatureUnavailableError(
            f"no virtual board profile {name!r}; profiles: {', '.join(PROFILES)}"
        ) from None
