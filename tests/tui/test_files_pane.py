"""The Files pane (F5) on a virtual board: the lazy tree with sizes and marks, open, edit and
save (with the changed-on-board warning), download, upload, delete, new folder, rename,
refresh; and the same tree over WebREPL."""

from __future__ import annotations

from pilot_helpers import connected, show, until
from rich.syntax import Syntax
from textual.widgets import Input, TextArea

from belay_tui.app import BelayApp
from belay_tui.file_dialogs import AskScreen, ConfirmScreen
from engine import VirtualBoard


def shown(app) -> str:
    """The viewer's text: the highlighted source, or the hex view."""
    content = app.query_one("#files-content").content
    return content.code if isinstance(content, Syntax) else str(content)


def labels(node) -> list[str]:
    return [str(c.label) for c in node.children]


def child(node, name: str):
    for c in node.children:
        if c.data.name == name:
            return c
    raise AssertionError(f"no {name} under {node.data.path}: {labels(node)}")


async def files_tab(pilot, board_files: dict[str, str | bytes]):
    """Write ``board_files`` on the board, show the pane and wait for the root listing."""
    app: BelayApp = pilot.app
    await connected(pilot)
    for name, data in board_files.items():
        path = app.session.board.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    await show(pilot, "f5", "#files-tree")
    pane = app.files_pane
    await until(pilot, lambda: "/" in pane.loaded and app.session.idle, "the root listing")
    return pane


async def select(pilot, pane, *names: str):
    """Move the cursor to a node by names from the root, opening folders on the way."""
    node = pane.tree.root
    for name in names:
        node = child(node, name)
        if node.data.is_dir and node is not pane.tree.root and names[-1] != name:
            node.expand()
            await until(pilot, lambda n=node: n.data.path in pane.loaded, f"{name} listed")
    await until(pilot, lambda: node.line >= 0, f"{node.data.path} laid out")
    pane.tree.move_cursor(node)
    await until(pilot, lambda: pane.tree.cursor_node is node, f"the cursor on {node.data.path}")
    return node


async def idle(pilot):
    await until(pilot, lambda: pilot.app.session.idle, "the board")


async def answer(pilot, text: str | None):
    """Answer the dialog on screen: type ``text`` (replacing the value) or confirm."""
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, AskScreen | ConfirmScreen), "the dialog")
    if isinstance(app.screen, AskScreen):
        app.screen.query_one(Input).value = text or ""
        await pilot.press("enter")
    else:
        await pilot.click("#confirm-ok")
    await until(pilot, lambda: not isinstance(app.screen, AskScreen | ConfirmScreen), "closed")


async def test_tree_is_lazy_with_sizes_and_marks(make_app, project):
    (project / "board" / "lib").mkdir(parents=True)
    (project / "board" / "main.py").write_text("x = 1\n")
    (project / "board" / "lib" / "same.txt").write_text("s = 1\n")
    app = make_app()
    async with app.run_test() as pilot:
        files = {"main.py": "x = 2\n", "lib/same.txt": "s = 1\n", "old.txt": "o"}
        pane = await files_tab(pilot, files)
        await until(pilot, lambda: pane.marks and app.session.idle, "the plan's marks")
        assert labels(pane.tree.root) == [
            "lib/",
            "main.py  6 B  ~ changed",
            "old.txt  1 B  - deleted",
        ]
        assert "/lib" not in pane.loaded  # not listed until opened
        await select(pilot, pane, "lib", "same.txt")
        assert labels(child(pane.tree.root, "lib")) == ["same.txt  6 B"]


async def test_open_text_and_binary(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        pane = await files_tab(pilot, {"a.py": "def f():\n    return 42\n", "b.bin": bytes(40)})
        await select(pilot, pane, "a.py")
        await pilot.press("o")
        await until(pilot, lambda: pane.opened and app.session.idle, "the file")
        assert "return 42" in shown(app)
        assert str(app.query_one("#files-title").render()) == "/a.py  23 B · text"
        await select(pilot, pane, "b.bin")
        await pilot.press("enter")
        await until(pilot, lambda: pane.opened[0] == "/b.bin" and app.session.idle, "b.bin")
        assert shown(app).startswith("00000000  00 00 00")
        assert "binary, hex" in str(app.query_one("#files-title").render())


async def edit_main(pilot, text: str):
    """main.py on the board with ``text``, open in the editor; the board's root."""
    app = pilot.app
    pane = await files_tab(pilot, {"main.py": text})
    await select(pilot, pane, "main.py")
    await pilot.press("e")
    await until(pilot, lambda: pane.editing and app.session.idle, "the editor")
    return app.session.board.root


async def test_edit_and_save_atomically(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        root = await edit_main(pilot, "y = 2\n")
        assert app.focused is app.query_one("#files-editor", TextArea)
        await pilot.press("end", *" + 1", "ctrl+s")
        await until(pilot, lambda: (root / "main.py").read_text() == "y = 2 + 1\n", "the save")
        await idle(pilot)
        assert sorted(p.name for p in root.iterdir()) == ["main.py"]  # no temporary left


async def test_save_warns_when_the_board_copy_changed(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        root = await edit_main(pilot, "mine\n")
        (root / "main.py").write_text("theirs\n")  # written from elsewhere meanwhile
        await pilot.press("end", *"!", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the warning")
        assert "changed on the board since you opened it" in str(
            app.screen.query_one("Label").render()
        )
        await pilot.press("escape")
        await idle(pilot)
        assert (root / "main.py").read_text() == "theirs\n"
        await pilot.press("ctrl+s")
        await answer(pilot, None)
        await until(pilot, lambda: (root / "main.py").read_text() == "mine!\n", "the save")


async def test_download_and_upload(make_app, project):
    (project / "board").mkdir()
    (project / "up.txt").write_text("from the project\n")
    app = make_app()
    async with app.run_test() as pilot:
        pane = await files_tab(pilot, {"lib/data.bin": bytes(range(256)) * 40})
        root = app.session.board.root
        await select(pilot, pane, "lib", "data.bin")
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, AskScreen), "the question")
        assert app.screen.query_one(Input).value == "board/lib/data.bin"  # its project copy
        await answer(pilot, "board/lib/data.bin")
        await until(pilot, lambda: (project / "board/lib/data.bin").exists(), "the download")
        assert (project / "board/lib/data.bin").read_bytes() == bytes(range(256)) * 40
        await until(
            pilot, lambda: "downloaded" in str(app.query_one("#files-item").render()), "done"
        )
        await pilot.press("p")
        await answer(pilot, "up.txt")
        await until(pilot, lambda: (root / "lib/up.txt").exists(), "the upload")
        assert (root / "lib/up.txt").read_text() == "from the project\n"
        await until(pilot, lambda: "up.txt  17 B" in labels(child(pane.tree.root, "lib")), "tree")


async def test_delete_asks_first(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        pane = await files_tab(pilot, {"keep.py": "k", "gone/a.py": "a"})
        root = app.session.board.root
        await select(pilot, pane, "gone")
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("escape")
        await idle(pilot)
        assert (root / "gone/a.py").exists()
        await pilot.press("delete")
        await answer(pilot, None)
        await until(pilot, lambda: not (root / "gone").exists(), "the deletion")
        await until(pilot, lambda: labels(pane.tree.root) == ["keep.py  1 B"], "the tree")


async def test_new_folder_rename_and_refresh(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        pane = await files_tab(pilot, {"a.py": "a"})
        root = app.session.board.root
        await pilot.press("n")
        await answer(pilot, "made")
        await until(pilot, lambda: (root / "made").is_dir(), "the folder")
        await until(pilot, lambda: "made/" in labels(pane.tree.root), "the tree")
        await select(pilot, pane, "a.py")
        await pilot.press("m")
        await answer(pilot, "b.py")
        await until(pilot, lambda: (root / "b.py").exists(), "the rename")
        await until(pilot, lambda: "b.py  1 B" in labels(pane.tree.root), "the renamed file")
        (root / "from_repl.txt").write_text("written elsewhere")
        await pilot.press("r")
        await until(pilot, lambda: "from_repl.txt  17 B" in labels(pane.tree.root), "refresh")


async def test_errors_are_reported_and_the_files_stay(make_app):
    app = make_app()
    app.NOTIFICATION_TIMEOUT = 600  # a loaded machine may look later than the 5 s a toast stays
    async with app.run_test(notifications=True) as pilot:
        pane = await files_tab(pilot, {"a.py": "a", "b.py": "b"})
        root = app.session.board.root
        await select(pilot, pane, "a.py")
        await pilot.press("m")
        await answer(pilot, "b.py")
        message = "rename /a.py: /b.py already exists on the board"
        notes = lambda: [n.message for n in app._notifications]  # noqa: E731
        await until(pilot, lambda: message in notes(), lambda: f"the error, among {notes()}")
        assert (root / "a.py").read_text() == "a" and (root / "b.py").read_text() == "b"


async def test_files_over_webrepl(project, tmp_path):
    with VirtualBoard(root=tmp_path / "w", webrepl="127.0.0.1:0", password="pw") as vb:
        (vb.root / "lib").mkdir()
        (vb.root / "lib" / "m.py").write_text("m = 1\n")
        app = BelayApp(vb.webrepl_url, project, "pw")
        async with app.run_test() as pilot:
            await connected(pilot)
            await show(pilot, "f5", "#files-tree")
            pane = app.files_pane
            await until(pilot, lambda: "/" in pane.loaded and app.session.idle, "the root")
            await select(pilot, pane, "lib", "m.py")
            await pilot.press("o")
            await until(pilot, lambda: pane.opened and app.session.idle, "the file")
            assert shown(app) == "m = 1\n"
