"""The virtual board: real MicroPython (the unix port) behind a pseudo-terminal."""

from ._board import VirtualBoard
from ._interp import micropython_command
from ._profiles import PROFILES, Profile

__all__ = ["PROFILES", "Profile", "VirtualBoard", "micropython_command"]
