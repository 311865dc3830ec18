"""The Files pane (F5): the board's filesystem, as Thonny's Files view shows it.

The tree is loaded folder by folder as folders are opened (``device.fs.ls``), with sizes,
and marked from the sync plan the Sync pane shows: a board file that differs from the
project's copy, or that a sync would delete. Open shows a file (text highlighted, binary as
hex); Edit puts it in a ``TextArea`` and saving writes it back atomically, after warning
when the board's copy changed since it was opened. Download, upload, delete, new folder and
rename ask first where they need to. All board work goes through the session's lane in a
worker: the REPL stays live, and a transfer's progress shows in the pane.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable
from pathlib import Path

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import ProgressBar, Static, TextArea, Tree
from textual.widgets.tree import TreeNode

from engine import Device, SyncPlan
from engine.events import Progress
from engine.fs import FileInfo
from engine.text import human_bytes

from .actions import bindings
from .file_dialogs import AskScreen, ConfirmScreen
from .messages import Failure
from .session import Session
from .sync_pane import MARKS
from .sync_source import find_sync_source

#: Marks shown on the board's side: what a sync would do to the file.
SHOWN_MARKS = ("changed", "deleted", "kept")
HEX_LIMIT = 16 * 1024  # bytes of a binary file the hex view shows


def file_label(info: FileInfo, action: str | None) -> Text:
    """``main.py  1.2 KB  ~ changed``; a folder ends with ``/``."""
    text = Text(info.name + ("/" if info.is_dir else ""), style="bold" if info.is_dir else "")
    if not info.is_dir:
        text.append(f"  {human_bytes(info.size)}", style="dim")
    if action in SHOWN_MARKS:
        mark, style = MARKS[action]
        text.append(f"  {mark} {action}", style=style)
    return text


def hex_view(data: bytes) -> Text:
    """Offset, 16 bytes in hex, and the printable ones, per line."""
    lines = []
    for offset in range(0, min(len(data), HEX_LIMIT), 16):
        row = data[offset : offset + 16]
        hexes = " ".join(f"{b:02x}" for b in row)
        shown = "".join(chr(b) if 32 <= b < 127 else "." for b in row)
        lines.append(f"{offset:08x}  {hexes:<47}  {shown}")
    if len(data) > HEX_LIMIT:
        lines.append(f"… {human_bytes(len(data) - HEX_LIMIT)} more")
    return Text("\n".join(lines))


def as_text(data: bytes) -> str | None:
    """The file as text, or None when it is binary."""
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


class FilesPane(Vertical):
    """Board tree, viewer/editor, and the progress of transfers."""

    BINDINGS = bindings("files")

    def __init__(self, session: Session, project: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.project = project
        self.marks: dict[str, str] = {}  # board path -> sync action
        self.loaded: set[str] = set()  # folders listed at least once
        self.opened: tuple[str, str] | None = None  # (path, sha256) shown or edited
        self.editing = False
        self.busy: str | None = None  # the transfer whose progress the bar shows

    def compose(self) -> ComposeResult:
        yield Static(Text("the board's files", style="dim"), id="files-head")
        with Horizontal(id="files-body"):
            tree: Tree[FileInfo] = Tree("/", FileInfo("/", 0, True), id="files-tree")
            tree.root.allow_expand = True
            yield tree
            with Vertical(id="files-view"):
                yield Static("", id="files-title")
                with VerticalScroll(id="files-scroll"):
                    yield Static(
                        Text("o opens a file, e edits it", style="dim"), id="files-content"
                    )
                yield TextArea(id="files-editor", show_line_numbers=True)
        with Horizontal(id="files-progress-row"):
            yield ProgressBar(total=1, show_eta=False, id="files-progress")
            yield Static("", id="files-item")

    @property
    def tree(self) -> Tree[FileInfo]:
        return self.query_one("#files-tree", Tree)

    # -- the tree --------------------------------------------------------------------------

    def refresh_tree(self) -> None:
        """List the root and every folder already open again (after a sync, a put, or
        whenever the pane is shown: the REPL may have written files)."""
        if not self.session.status.usable:
            return
        self._load(self.tree.root)

    def _load(self, node: TreeNode[FileInfo]) -> None:
        path = node.data.path
        self.session.submit(
            f"list {path}",
            lambda device: device.fs.ls(path),
            on_done=lambda infos: self._fill(node, infos),
            on_error=lambda e: self._failed(f"list {path}", e),
        )

    def _fill(self, node: TreeNode[FileInfo], infos: list[FileInfo]) -> None:
        reopen = [c for c in node.children if c.is_expanded and c.data.is_dir]
        again = {c.data.path for c in reopen}
        node.remove_children()
        self.loaded.add(node.data.path)
        for info in infos:
            if info.is_dir:
                child = node.add(file_label(info, None), info)
                if info.path in again:
                    child.expand()
                    self._load(child)
            else:
                node.add_leaf(file_label(info, self.marks.get(info.path)), info)
        if node.is_root:
            node.expand()

    def on_tree_node_expanded(self, message: Tree.NodeExpanded) -> None:
        message.stop()
        node = message.node
        if node.data is not None and node.data.path not in self.loaded:
            self._load(node)

    def on_tree_node_selected(self, message: Tree.NodeSelected) -> None:
        message.stop()
        if message.node.data is not None and not message.node.data.is_dir:
            self.open_selected()

    def set_plan(self, plan: SyncPlan | None) -> None:
        """Marks from the sync plan: what a sync would do to each board file."""
        self.marks = {} if plan is None else {e.path: e.action for e in plan.entries}
        self._relabel(self.tree.root)

    def _relabel(self, node: TreeNode[FileInfo]) -> None:
        for child in node.children:
            info = child.data
            child.set_label(file_label(info, None if info.is_dir else self.marks.get(info.path)))
            self._relabel(child)

    def selected(self) -> FileInfo:
        node = self.tree.cursor_node
        return node.data if node is not None and node.data is not None else self.tree.root.data

    def _folder(self) -> str:
        """The folder the selection is, or is in: where new things go."""
        info = self.selected()
        return info.path if info.is_dir else posixpath.dirname(info.path)

    # -- open and edit ---------------------------------------------------------------------

    def open_selected(self, edit: bool = False) -> None:
        info = self.selected()
        if info.is_dir:
            return
        self._start(f"open {info.path}")
        self.session.submit(
            f"open {info.path}",
            lambda device: device.fs.read_bytes(info.path),
            on_done=lambda data: self._show(info.path, data, edit),
            on_error=lambda e: self._failed(f"open {info.path}", e),
        )

    def edit_selected(self) -> None:
        self.open_selected(edit=True)

    def _show(self, path: str, data: bytes, edit: bool) -> None:
        self._finish(f"opened {path}")
        self.opened = (path, hashlib.sha256(data).hexdigest())
        text = as_text(data)
        editor = self.query_one("#files-editor", TextArea)
        scroll = self.query_one("#files-scroll")
        title = self.query_one("#files-title", Static)
        if edit and text is not None:
            self.editing = True
            editor.load_text(text)
            editor.display, scroll.display = True, False
            title.update(
                Text.assemble(("editing ", "dim"), (path, "bold"), ("  ctrl+s saves", "dim"))
            )
            editor.focus()
            return
        self.editing = False
        editor.display, scroll.display = False, True
        kind = "text" if text is not None else "binary, hex"
        title.update(Text.assemble((path, "bold"), (f"  {human_bytes(len(data))} · {kind}", "dim")))
        content = self.query_one("#files-content", Static)
        if text is None:
            content.update(hex_view(data))
        else:
            lexer = Syntax.guess_lexer(path, text)
            content.update(Syntax(text, lexer, line_numbers=True, word_wrap=False))
        if edit:
            self.post_message(Failure("edit", f"{path} is binary: shown as hex, not edited"))

    def save(self) -> None:
        """Write the editor's text back, atomically; first check the board's copy is the
        one opened, and ask before overwriting a copy changed since."""
        if not self.editing or self.opened is None:
            return
        path, digest = self.opened
        data = self.query_one("#files-editor", TextArea).text.encode()

        def checked(current: str | None) -> None:
            if current == digest:
                self._write(path, data)
                return

            def answer(yes: bool | None) -> None:
                if yes:
                    self._write(path, data)

            why = "was deleted" if current is None else "changed"
            question = f"{path} {why} on the board since you opened it. Save over it?"
            self.app.push_screen(ConfirmScreen(question, "Save"), answer)

        self.session.submit(
            f"check {path}",
            lambda device: device.fs.sha256(path) if device.fs.exists(path) else None,
            on_done=checked,
            on_error=lambda e: self._failed(f"save {path}", e),
        )

    def _write(self, path: str, data: bytes) -> None:
        self._start(f"save {path}")

        def saved(_result) -> None:
            self.opened = (path, hashlib.sha256(data).hexdigest())
            self._finish(f"saved {path}")
            self.refresh_tree()

        self.session.submit(
            f"save {path}",
            lambda device: device.fs.write_bytes(path, data),
            on_done=saved,
            on_error=lambda e: self._failed(f"save {path}", e),
        )

    def close_view(self) -> None:
        self.editing = False
        self.query_one("#files-editor", TextArea).display = False
        self.query_one("#files-scroll").display = True
        self.tree.focus()

    # -- transfers and changes -------------------------------------------------------------

    def download_selected(self) -> None:
        """Fetch the selection into the project (the sync folder's own copy when the file
        is under the sync destination), asking where first."""
        info = self.selected()
        suggested = self._project_path(info.path)
        shown = suggested.relative_to(self.project).as_posix() if suggested else info.name

        def chosen(answer: str | None) -> None:
            if answer is None:
                return
            target = self.project / answer
            self._job(
                f"download {info.path}",
                lambda device: device.fs.get(info.path, target),
                f"downloaded {info.path} to {answer}",
                False,
            )

        question = f"Download {info.path} to (relative to the project):"
        self.app.push_screen(AskScreen(question, shown, "Download"), chosen)

    def _project_path(self, board: str) -> Path | None:
        source = find_sync_source(self.project)
        if source is None:
            return None
        prefix = source.dst.rstrip("/") + "/"
        if not board.startswith(prefix):
            return None
        return source.folder / board[len(prefix) :]

    def upload(self) -> None:
        """Send a file or folder of the project into the selected folder."""
        folder = self._folder()

        def chosen(answer: str | None) -> None:
            if answer is None:
                return
            source = self.project / answer
            self._job(
                f"upload {answer}",
                lambda device: device.fs.put(source, folder + "/"),
                f"uploaded {answer} to {folder}",
            )

        question = f"Upload to {folder} (a path in the project):"
        self.app.push_screen(AskScreen(question, "", "Upload"), chosen)

    def delete_selected(self) -> None:
        info = self.selected()
        if info.path == "/":
            return
        what = "the folder " + info.path + " and all in it" if info.is_dir else info.path

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._job(
                    f"delete {info.path}",
                    lambda device: device.fs.remove(info.path, recursive=info.is_dir),
                    f"deleted {info.path}",
                )

        self.app.push_screen(ConfirmScreen(f"Delete {what} from the board?", "Delete"), confirmed)

    def new_folder(self) -> None:
        folder = self._folder()

        def chosen(name: str | None) -> None:
            if name is not None:
                path = posixpath.join(folder, name)
                self._job(f"mkdir {path}", lambda device: device.fs.mkdir(path), f"made {path}")

        self.app.push_screen(AskScreen(f"New folder in {folder}:", "", "Make"), chosen)

    def rename_selected(self) -> None:
        info = self.selected()
        if info.path == "/":
            return

        def chosen(name: str | None) -> None:
            if name is not None and name != info.name:
                path = posixpath.join(posixpath.dirname(info.path), name)
                self._job(
                    f"rename {info.path}",
                    lambda device: device.fs.rename(info.path, path),
                    f"renamed {info.path} to {path}",
                )

        self.app.push_screen(AskScreen(f"Rename {info.path} to:", info.name, "Rename"), chosen)

    def _job(
        self, label: str, work: Callable[[Device], object], note: str, changes: bool = True
    ) -> None:
        """Run ``work`` on the board as ``label`` with its progress in the pane; then say
        ``note``, and when it ``changes`` the board, list the tree again."""
        self._start(label)

        def done(_result: object) -> None:
            self._finish(note)
            if changes:
                self.refresh_tree()

        self.session.submit(label, work, on_done=done, on_error=lambda e: self._failed(label, e))

    # -- progress and outcomes -------------------------------------------------------------

    def _start(self, what: str) -> None:
        self.busy = what
        self._progress(0, 1, what)

    def _finish(self, note: str) -> None:
        self.busy = None
        self._progress(1, 1, note)

    def _failed(self, what: str, error: BaseException) -> None:
        self.busy = None
        reason = self.session.reason(error)
        self._progress(0, 1, f"{what} failed")
        self.post_message(Failure(what, reason))

    def show_progress(self, event: Progress) -> None:
        """A transfer this pane started moving on (reads are "get", writes the sync's)."""
        if self.busy is not None and event.task in ("get", "sync"):
            self._progress(event.done, event.total, self.busy)

    def _progress(self, done: int, total: int, item: str) -> None:
        self.query_one("#files-progress", ProgressBar).update(total=max(total, 1), progress=done)
        label = f"  {human_bytes(done)} of {human_bytes(total)}" if total > 1 else ""
        self.query_one("#files-item", Static).update(f"{item}{label}")
