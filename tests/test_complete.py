"""Tab completion asks the real board, and runs nothing but attribute lookups there."""

from __future__ import annotations

import pytest

from engine import complete
from engine.complete import Completion, completion_target


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
