"""Outages staged from a board's output, for reconnect tests."""

from __future__ import annotations

import threading

from engine import VirtualBoard


class PowerCutOn:
    """An output sink that cuts ``board``'s power once ``marker`` has been printed (on a
    slow link it may arrive in pieces); ``cut`` is set when it did."""

    def __init__(self, board: VirtualBoard, marker: str) -> None:
        self.board = board
        self.marker = marker
        self.cut = threading.Event()
        self._printed: list[str] = []

    def __call__(self, text: str) -> None:
        self._printed.append(text)
        if not self.cut.is_set() and self.marker in "".join(self._printed):
            self.cut.set()
            self.board.power_cut()
