"""The virtual board: real MicroPython (the unix port) behind a pseudo-terminal."""

from ._board import FIXED_FIGURES_ENV, VirtualBoard
from ._interp import micropython_command

__all__ = ["FIXED_FIGURES_ENV", "VirtualBoard", "micropython_command"]
