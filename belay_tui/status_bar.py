"""The status bar: the link at a glance.

Two lines: how the link stands (red when it is lost), which board and how often it
connected; then free memory, watch-on-save, the last sync and, on the virtual board, the
pins its code drives.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from engine.events import LinkPhase, LinkState
from engine.text import human_bytes

STATE_STYLE = {
    LinkPhase.CONNECTING: "yellow",
    LinkPhase.RECONNECTING: "bold",
    LinkPhase.RESTORING: "yellow",
    LinkPhase.CONNECTED: "green",
    LinkPhase.BUSY: "cyan",
    LinkPhase.LOST: "bold",
    LinkPhase.FAILED: "bold",
}


def pin_mark(value: int) -> str:
    return "●" if value == 1 else "○" if value == 0 else str(value)


class StatusBar(Widget):
    """Shows what the app tells it; never talks to the board."""

    status: reactive[LinkState] = reactive(LinkState("", LinkPhase.CONNECTING))
    board: reactive[str] = reactive("")  # e.g. "MicroPython 1.29.0 · linux x64"
    connects: reactive[int] = reactive(0)
    mem_free: reactive[int | None] = reactive(None)
    watching: reactive[bool] = reactive(False)
    last_sync: reactive[str] = reactive("never")
    pins: reactive[dict[str, int]] = reactive(dict, always_update=True)

    def __init__(self, port_label: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.port_label = port_label

    def watch_status(self, status: LinkState) -> None:
        self.set_class(status.state.down, "-lost")

    def link_text(self) -> str:
        s = self.status
        text = s.state
        if s.state == LinkPhase.RECONNECTING and s.attempts:
            total = "∞" if s.attempts < 0 else str(s.attempts)
            text += f" (attempt {s.attempt} of {total})"
        elif s.state == LinkPhase.BUSY and s.reason:
            text += f": {s.reason}"
        if s.state in (LinkPhase.LOST, LinkPhase.FAILED):
            # The engine's reasons often start with the state ("lost /dev/ttyACM0: ...").
            if s.reason:
                text = s.reason if s.reason.startswith(s.state + " ") else f"{text}: {s.reason}"
            text += " · ^r reconnects"
        return text

    def render(self) -> Text:
        line1 = Text()
        line1.append("● ", style=STATE_STYLE.get(self.status.state, ""))
        line1.append(self.link_text(), style=STATE_STYLE.get(self.status.state, ""))
        line1.append(f" │ {self.port_label}")
        if self.board:
            line1.append(f" │ {self.board}")
        if self.connects:
            line1.append(f" │ connection #{self.connects}")
        line2 = Text()
        free = human_bytes(self.mem_free) if self.mem_free is not None else "–"
        line2.append(f"mem {free} free │ ")
        line2.append("watch on" if self.watching else "watch off", "bold" if self.watching else "")
        line2.append(f" │ last sync {self.last_sync}")
        if self.pins:
            line2.append(" │ pins")
            for name, value in sorted(self.pins.items()):
                line2.append(f" {name} ")
                line2.append(pin_mark(value), style="bold yellow" if value else "dim")
        width = self.content_size.width or 80
        for line in (line1, line2):  # one line each, whatever the width: cut, never wrap
            line.truncate(width, overflow="ellipsis")
        return Text("\n").join([line1, line2])
