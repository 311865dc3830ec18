"""The virtual board: real MicroPython (the unix port) behind a pseudo-terminal."""

from ._board import FIXED_FIGURES_ENV, VirtualBoard
from ._interp import micropython_command
from ._profiles import PROFILES, Profile

__all__ = ["FIXED_FIGURES_ENV", "PROFILES", "Profile", "VirtualBoard", "micropython_command"]
