"""What a board runs, as the implementation probe (``_boardcode.implementation_probe``) finds
it at every connect: the firmware, its version and the .mpy files it can load."""

from __future__ import annotations

from dataclasses import dataclass

# ``sys.implementation._mpy`` bits 10-13 index this list (MicroPython's py/persistentcode.h).
_ARCHS = [
    None,
    "x86",
    "x64",
    "armv6",
    "armv6m",
    "armv7m",
    "armv7em",
    "armv7emsp",
    "armv7emdp",
    "xtensa",
    "xtensawin",
    "rv32imc",
    "rv64imc",
]


@dataclass(frozen=True)
class Implementation:
    """What the board runs. ``version`` is (major, minor, patch); ``mpy_version`` is the
    .mpy format it loads (0 when it cannot load .mpy files)."""

    name: str
    version: tuple[int, int, int]
    platform: str
    arch: str | None
    emitters: tuple[str, ...]
    mpy_version: int = 0
    mpy_sub: int = 0

    @classmethod
    def from_probe(
        cls, name: str, version: list[int], platform: str, mpy: int, emitters: list[str]
    ) -> Implementation:
        """From the probe's reply; ``mpy`` is ``sys.implementation._mpy`` (0 when absent)."""
        arch_index = (mpy >> 10) & 0xF
        major, minor, patch = (*version, 0, 0, 0)[:3]
        return cls(
            name=name,
            version=(major, minor, patch),
            platform=platform,
            arch=_ARCHS[arch_index] if arch_index < len(_ARCHS) else None,
            emitters=tuple(emitters),
            mpy_version=mpy & 0xFF,
            mpy_sub=(mpy >> 8) & 3,
        )
