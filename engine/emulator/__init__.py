"""The virtual board: real MicroPython (the unix port) behind a pseudo-terminal."""

from ._board import VirtualBoard
from ._interp import micropython_command

__all__ = ["VirtualBoard", "micropython_command"]
