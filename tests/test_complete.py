"""Tab completion asks the real board, and runs nothing but attribute lookups there."""

from __future__ import annotations

import pytest

from engine import Device, complete
from engine.complete import Completion, completion_target, help_modules, module_target


@pytest.mark.parametrize(
    ("line", "target"),
    [
        ("machine.Pi", (["machine"], "Pi")),
        ("print(os.path.jo", (["os", "path"], "jo")),
        ("pri", ([], "pri")),
        ("led.", (["led"], "")),
        ("f().x", None),
        ("'abc'.up", None),
        ("a[0].x", None),
        ("x = 12", None),
        ("", None),
    ],
)
def test_what_the_line_ends_with(line, target):
    assert completion_target(line) == target


def test_module_attribute(device):
    device("import machine")
    found = complete(device, "machine.Pi")
    assert "Pin" in found.names and found.common == "Pin"
    assert complete(device, "machine.Pin.OU").names == ("OUT",)


def test_globals_and_builtins(device):
    device("printer_count = 3")
    found = complete(device, "x = pri")
    assert found.names == ("print", "printer_count")
    assert found.common == "print"


def test_object_attributes_and_hidden_names(device):
    device("class Sensor:\n    rate = 1\n    _secret = 2\n    def read(self): pass\ns = Sensor()")
    assert complete(device, "s.r").names == ("rate", "read")
    assert "_secret" not in complete(device, "s.").names
    assert complete(device, "s._s").names == ("_secret",)


def test_engine_helpers_are_never_offered(device):
    assert not [n for n in complete(device, "_B").names if n.startswith("_B")]


def test_unknown_path_completes_to_nothing(device):
    assert complete(device, "nothing_here.x") == Completion("x", ())


def test_no_user_code_runs_beyond_attribute_lookup(device):
    device(
        "calls = []\n"
        "class Gadget:\n"
        "    def __call__(self): calls.append('call')\n"
        "    def make(self): calls.append('make')\n"
        "g = Gadget()"
    )
    assert complete(device, "g().ma").names == ()  # a call's result: not completed
    assert complete(device, "g.ma").names == ("make",)
    assert device("calls") == []


@pytest.mark.parametrize(
    ("line", "target"),
    [
        ("import ma", ([], "ma", False)),
        ("from ma", ([], "ma", False)),
        ("import ", ([], "", False)),
        ("import asyncio.co", (["asyncio"], "co", False)),
        ("import os, ti", ([], "ti", False)),
        ("import os as o, ti", ([], "ti", False)),
        ("x = 1; import j", ([], "j", False)),
        ("from asyncio import co", (["asyncio"], "co", True)),
        ("from a.b import c, d as e, f", (["a", "b"], "f", True)),
        ("from . import x", None),
        ("import 3", None),
        ("imported = ma", None),
    ],
)
def test_module_names_after_import_or_from(line, target):
    assert module_target(line) == target


def test_help_modules_listing():
    listing = (
        "__main__          asyncio/__init__  machine\n"
        "asyncio/core      math              mip/__main__\n"
        "Plus any modules on the filesystem\n"
    )
    assert help_modules(listing, []) == {"__main__", "asyncio", "machine", "math", "mip"}
    assert help_modules(listing, ["asyncio"]) == {"core"}


def test_module_names_from_the_board_without_importing_them(board):
    lib = board.root / "lib"
    lib.mkdir(exist_ok=True)
    (lib / "sensorlib.py").write_text("print('imported!')\n")
    (lib / "sensorpkg").mkdir()
    (lib / "sensorpkg" / "sub.mpy").write_bytes(b"M")
    (board.root / "sensor-notes.py").write_text("")  # no module can have that name
    printed: list[str] = []
    with Device(board.port, output=printed.append) as device:
        assert complete(device, "import sens").names == ("sensorlib", "sensorpkg")
        assert {"machine", "math"} <= set(complete(device, "from ma").names)  # built in
        assert complete(device, "import asyncio.co").names == ("core",)  # frozen
        assert complete(device, "from sensorpkg import s").names == ("sub",)
        assert complete(device, "import sensorpkg.s").names == ("sub",)
        assert device("import sys; [m for m in sys.modules if 'sensor' in m]") == []
        assert device("6 * 7") == 42  # the engine's own helpers are untouched
    assert "imported!" not in "".join(printed)


def test_names_inside_a_loaded_module(device):
    device("import machine")
    assert complete(device, "from machine import Pi").names == ("Pin", "PinBase")
    assert complete(device, "from nothing.loaded import x").names == ()
