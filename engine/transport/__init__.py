"""Bytes in, bytes out. One small interface for every link to a board.

A transport knows nothing of Python or the REPL; ``engine._repl`` speaks the protocol on
top of it. ``open_transport`` picks the implementation from the port string.
"""

from ._base import Transport
from ._exec import ExecTransport
from ._open import open_transport
from ._serial import SerialTransport
from ._webrepl import WebreplTransport

__all__ = ["ExecTransport", "SerialTransport", "Transport", "WebreplTransport", "open_transport"]
