"""The lock checked at install, ``add`` editing pyproject.toml, ``new`` skeletons, and the
subcommands as a user runs them."""

from __future__ import annotations

import json

import pytest
from pkgsite import Site, make_project

import engine
from belay_tui.cli import main
from engine import ConfigError, DependencyError, IntegrityError

PYPROJECT = """\
# The project's own comment, kept.
[project]
name = "demo"   # aligned on purpose

[tool.belay]
name = "app"

[tool.belay.dependencies]
# sensors
first = "{first}"  # pinned by hand

[tool.pytest.ini_options]
pythonpath = ".belay/dependencies/main"
"""


@pytest.fixture
def site(tmp_path):
    with Site(tmp_path / "www") as s:
        yield s


@pytest.fixture
def root(tmp_path, site):
    body = PYPROJECT.format(first=site.file("first.py", "FIRST = 1\n"))
    return make_project(tmp_path / "proj", body, package="app")


def cached(root, path):
    return root / ".belay" / "dependencies" / "main" / path


def states(root) -> dict[str, tuple[str, str]]:
    return {f"{r.group}/{r.name}": (r.state, r.detail) for r in engine.dependency_status(root)}


# -- the lock ------------------------------------------------------------------------------


def test_status_rows_follow_the_cache(root):
    assert states(root) == {"main/first": ("not fetched", "is not fetched")}
    engine.update(root)
    (row,) = engine.dependency_status(root)
    assert (row.state, row.files, len(row.digest), row.optional) == ("ok", 1, 12, False)


@pytest.mark.parametrize(
    ("damage", "detail"),
    [
        (lambda f: f.write_text("FIRST = 666\n"), "has first/__init__.py changed since the last"),
        (lambda f: f.unlink(), "has first/__init__.py missing from the cache"),
        (
            lambda f: f.with_name("extra.py").write_text("X = 1\n"),
            "has first/extra.py in the cache but not in the lock",
        ),
    ],
)
def test_install_refuses_a_cache_that_differs_from_the_lock(root, device, board, damage, detail):
    engine.update(root)
    damage(cached(root, "first/__init__.py"))
    assert states(root)["main/first"][0] == "modified"
    with pytest.raises(IntegrityError) as info:
        engine.install(device, root)
    message = str(info.value)
    assert message.startswith(f"dependency 'main/first' {detail}")
    assert message.endswith("run `belay-tui update first`")
    assert not (board.root / "lib").exists()  # refused before the board was touched


def test_pycache_from_pytest_is_not_a_change(root):
    engine.update(root)
    (cached(root, "first") / "__pycache__").mkdir()
    (cached(root, "first") / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
    assert states(root)["main/first"] == ("ok", "")


def test_changed_sources_need_an_update(root, site, device):
    engine.update(root)
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(text.replace("first.py", "second.py"))
    assert states(root)["main/first"][0] == "changed"
    with pytest.raises(DependencyError, match="lists other sources in pyproject.toml"):
        engine.install(device, root)


def test_unreadable_lock_is_a_one_line_error(root):
    engine.update(root)
    (root / ".belay" / "lock.toml").write_text("[[dependency]\n")
    with pytest.raises(ConfigError, match=r"lock.toml: invalid TOML at line 1, column 13"):
        engine.dependency_status(root)


# -- add -----------------------------------------------------------------------------------


def test_add_keeps_formatting_and_comments(root, site):
    before = (root / "pyproject.toml").read_text()
    url = site.file("second.py", "SECOND = 2\n")
    result = engine.add_dependency("second", url, root)
    assert result.updated == ["main/second"]
    after = (root / "pyproject.toml").read_text()
    assert after.startswith(before.split("\n\n[tool.pytest")[0] + f'\nsecond = "{url}"\n\n')
    assert after.endswith('[tool.pytest.ini_options]\npythonpath = ".belay/dependencies/main"\n')
    assert cached(root, "second/__init__.py").read_text() == "SECOND = 2\n"
    assert states(root)["main/second"] == ("ok", "")


def test_add_to_a_new_group_with_options(root, site):
    url = site.file("tool.py", "T = 1\n")
    engine.add_dependency("tool", url, root, group="dev", rename_to_init=False)
    project = engine.load_project(root)
    (dep,) = project.group("dev").dependencies
    assert dep.sources[0].uri == url and not dep.sources[0].rename_to_init
    assert (
        "[tool.belay.group.dev.dependencies]\ntool = {uri = "
        in (root / "pyproject.toml").read_text()
    )


def test_failed_add_writes_nothing(root, site):
    before = (root / "pyproject.toml").read_text()
    with pytest.raises(DependencyError, match="dependency 'main/missing': .*HTTP 404"):
        engine.add_dependency("missing", site.url("missing.py"), root)
    assert (root / "pyproject.toml").read_text() == before
    assert not cached(root, "missing").exists()


@pytest.mark.parametrize(
    ("name", "uri", "match"),
    [
        ("first", "https://example.com/x.py", "'first' is already a dependency of group 'main'"),
        ("../evil", "https://example.com/x.py", "must be a Python identifier"),
        ("ok", "^1.0", "version ranges are not supported"),
    ],
)
def test_add_refuses_bad_input(root, name, uri, match):
    before = (root / "pyproject.toml").read_text()
    with pytest.raises(ConfigError, match=match):
        engine.add_dependency(name, uri, root)
    assert (root / "pyproject.toml").read_text() == before


# -- new -----------------------------------------------------------------------------------


def test_new_skeleton_is_a_working_project(tmp_path):
    written = engine.new_project(tmp_path / "My-Board")
    folder = tmp_path / "My-Board"
    names = sorted(p.relative_to(folder).as_posix() for p in written)
    assert names == [".gitignore", "README.md", "main.py", "my_board/__init__.py", "pyproject.toml"]
    project = engine.load_project(folder)
    assert project.name == "my_board"
    assert project.dependencies() == []
    assert engine.update(folder).updated == []
    compile((folder / "my_board" / "__init__.py").read_text(), "init", "exec")
    assert "from my_board import blink" in (folder / "main.py").read_text()


def test_new_in_an_existing_project_adds_tables_and_overwrites_nothing(tmp_path):
    folder = make_project(tmp_path / "old", '[project]\nname = "old"  # mine\n')
    (folder / "main.py").write_text("print('my main')\n")
    written = engine.new_project(folder)
    assert folder / "main.py" not in written
    assert (folder / "main.py").read_text() == "print('my main')\n"
    text = (folder / "pyproject.toml").read_text()
    assert text.startswith('[project]\nname = "old"  # mine\n')
    assert engine.load_project(folder).name == "old"
    with pytest.raises(ConfigError, match=r"already has \[tool.belay\]"):
        engine.new_project(folder)


def test_new_refuses_a_name_that_is_no_identifier(tmp_path):
    with pytest.raises(ConfigError, match="cannot make a package name"):
        engine.new_project(tmp_path / "123")


# -- the subcommands -----------------------------------------------------------------------


def test_cli_update_clean_add(root, site, capsys):
    assert main(["update", "--project", str(root)]) == 0
    assert "main/first updated" in capsys.readouterr().out
    url = site.file("more.py", "M = 1\n")
    assert main(["add", "more", url, "--group", "extra", "--project", str(root)]) == 0
    assert "extra/more updated" in capsys.readouterr().out
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(text.split("[tool.belay.group")[0])
    assert main(["clean", "--project", str(root)]) == 0
    assert "extra removed" in capsys.readouterr().out


def test_cli_failure_is_one_line_naming_dependency_and_url(root, site, capsys):
    (site.root / "first.py").unlink()
    assert main(["update", "--project", str(root)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"error: dependency 'main/first': {site.url('first.py')}: HTTP 404 File not found"


def test_cli_config_error_keeps_brackets(tmp_path, capsys):
    folder = make_project(tmp_path / "p", '[tool.belay.dependencies]\n"a-b" = "x"\n')
    assert main(["update", "--project", str(folder)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    expected = "dependency name 'a-b' in [tool.belay.dependencies] must be a Python identifier"
    assert expected in err


def test_cli_new(tmp_path, capsys):
    assert main(["new", str(tmp_path / "fresh")]) == 0
    out = capsys.readouterr().out
    assert "pyproject.toml" in out and "belay-tui install --run main.py" in out


def test_bench_packages_suite(capsys):
    assert main(["bench", "--suite", "packages", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    figures = result["packages"]
    assert figures["dependencies"] == 20
    assert figures["first_update_s"] > 0 and figures["first_update_far_one_at_a_time_s"] > 0
