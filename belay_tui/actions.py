"""Every action of the app, in one table.

The Footer's bindings, the command palette and the help screen are all made from it, so an
action cannot be reachable in one and missing from another. Each ``name`` is an
``action_<name>`` method of the app; ``pane`` says whose bindings carry the key (None: the
whole app).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Action:
    name: str
    title: str
    help: str
    key: str | None = None
    pane: str | None = None
    label: str = ""  # short Footer text, when the title is long
    show: bool = True  # in the Footer (when the key is live there)


ACTIONS: tuple[Action, ...] = (
    Action("help", "Help", "Keys and what each pane does", "f1"),
    Action("show_pane('repl')", "Show the REPL console", "Run code on the board", "f2", show=False),
    Action("show_pane('sync')", "Show the sync pane", "Folder against board", "f3", show=False),
    Action("show_pane('deps')", "Show the dependencies", "[tool.belay] deps", "f4", show=False),
    Action("show_pane('plot')", "Show the plot", "Numbers the board prints", "f7", show=False),
    Action("interrupt", "Interrupt", "Ctrl-C the code running on the board", "ctrl+c", show=False),
    Action(
        "soft_reset", "Soft reset", "Restart the board's interpreter (Ctrl-D)", "ctrl+d", show=False
    ),
    Action("clear_console", "Clear the console", "Empty the REPL transcript", "ctrl+l", show=False),
    Action("reconnect", "Reconnect", "Open the link to the board again", "ctrl+r"),
    Action("sync_now", "Sync now", "Make the board mirror the project folder", "s", "sync"),
    Action("dry_run", "Dry run", "Compare folder and board again, write nothing", "d", "sync"),
    Action("toggle_watch", "Toggle watch", "Sync each time a file is saved", "w", "sync"),
    Action(
        "update_selected",
        "Update selected",
        "Download the selected dependency",
        "u",
        "deps",
        label="Update",
    ),
    Action("update_all", "Update all", "Download every dependency", "U", "deps"),
    Action("clean", "Clean", "Remove cached packages no longer listed", "c", "deps"),
    Action("install", "Install", "Put dependencies and the project on the board", "i", "deps"),
    Action(
        "add_dependency", "Add dependency", "Add one to pyproject.toml", "a", "deps", label="Add"
    ),
    Action("plot_pause", "Pause the plot", "Stop or resume taking points", "p", "plot", "Pause"),
    Action("plot_clear", "Clear the plot", "Forget every point", "c", "plot", "Clear"),
    Action("plot_window", "Plot window", "Points per series: 50 to 1000", "w", "plot", "Window"),
    Action("unplug", "Virtual board: unplug", "Pull the virtual board's cable"),
    Action("replug", "Virtual board: replug", "Plug the virtual board back in"),
    Action("power_cut", "Virtual board: power cut", "Kill its interpreter without warning"),
    Action("quit", "Quit", "Close the session (q or Ctrl-Q)", "ctrl+q"),
)


def bindings(pane: str | None) -> list[Binding]:
    """The bindings of ``pane`` (None: the app's). Pane keys run the app's action.

    Function keys take priority: they move between panes wherever the focus is, even in a
    text area (Textual's TextArea binds F6 and F7 to selections)."""
    prefix = "" if pane is None else "app."
    return [
        Binding(a.key, prefix + a.name, a.label or a.title, show=a.show, priority=_is_fkey(a.key))
        for a in ACTIONS
        if a.key and a.pane == pane
    ]


def _is_fkey(key: str) -> bool:
    return key[:1] == "f" and key[1:].isdigit()
