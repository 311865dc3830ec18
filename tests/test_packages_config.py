"""[tool.belay] in pyproject.toml: Belay's forms load; bad input is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import ConfigError, load_project
from engine.packages._config import ConfigWarning, Source, parse_project
from engine.packages._sources import Origin, SourceProblem, classify, rewrite


def load(tmp_path: Path, text: str, strict: bool = False):
    (tmp_path / "pyproject.toml").write_text(text)
    return load_project(tmp_path, strict=strict)


def error(tmp_path: Path, text: str, strict: bool = False) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text, strict)
    message = str(info.value)
    assert "\n" not in message
    assert "pyproject.toml" in message
    return message


def test_belay_project_forms_load(tmp_path):
    project = load(
        tmp_path,
        """
[tool.belay]
name = "my_project"
ignore = ["*.txt"]

[tool.belay.dependencies]
single = "https://example.com/single.py"
several = ["https://example.com/a.py", {uri = "https://example.com/b.py", rename_to_init = true}]
table = {uri = "lib/table.py", develop = true}
latest = "*"
pinned = "1.2.0"

[tool.belay.group.dev]
optional = true
[tool.belay.group.dev.dependencies]
tool = "github:user/repo/tool.py@v1"

[tool.pytest.ini_options]
pythonpath = ".belay/dependencies/main"
""",
    )
    assert project.name == "my_project"
    assert project.ignore == ("*.txt",)
    assert project.dependencies_folder == tmp_path / ".belay" / "dependencies"
    assert [g.name for g in project.groups] == ["main", "dev"]
    assert project.group("dev").optional
    deps = {d.name: d.sources for d in project.dependencies()}
    assert deps["single"] == (Source("https://example.com/single.py", rename_to_init=True),)
    assert deps["several"] == (
        Source("https://example.com/a.py"),
        Source("https://example.com/b.py", rename_to_init=True),
    )
    assert deps["table"] == (Source("lib/table.py", develop=True, rename_to_init=True),)
    assert deps["latest"][0].uri == "latest"  # "*": the index package of that name
    assert deps["pinned"][0].uri == "pinned@1.2.0"
    assert [g.name for g in project.install_groups()] == ["main"]
    assert [g.name for g in project.install_groups(["dev"])] == ["main", "dev"]


def test_found_from_a_subfolder(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.belay]\nname = "x"\n')
    (tmp_path / "x" / "deep").mkdir(parents=True)
    assert load_project(tmp_path / "x" / "deep").root == tmp_path


def test_no_pyproject(tmp_path):
    with pytest.raises(ConfigError, match="no pyproject.toml in"):
        load_project(tmp_path)


def test_malformed_toml_names_file_line_and_column(tmp_path):
    message = error(tmp_path, '[tool.belay]\nname = "x"\ndependencies = {a = \n')
    assert "invalid TOML at line 3, column 21: Invalid value" in message


def test_unknown_key_warns_once_with_a_suggestion_and_loads(tmp_path, recwarn):
    text = '[tool.belay]\nname = "x"\ndependancies = {a = "x"}\n'
    import warnings

    warnings.simplefilter("default")  # the filter users get: each message once
    for _ in range(3):
        project = load(tmp_path, text)
    assert project.name == "x"
    shown = [w for w in recwarn.list if issubclass(w.category, ConfigWarning)]
    assert len(shown) == 1
    assert "unknown key tool.belay.dependancies; did you mean 'dependencies'?" in str(
        shown[0].message
    )


def test_strict_refuses_an_unknown_key(tmp_path):
    message = error(tmp_path, '[tool.belay]\ndependancies = {a = "x"}\n', strict=True)
    assert "unknown key tool.belay.dependancies; did you mean 'dependencies'?" in message


def test_what_belay_accepts_loads(tmp_path):
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    outside = tmp_path / "outside"
    project_dir = tmp_path / "proj"
    project_dir.mkdir()
    text = f"""
[tool.belay]
name = "src/pkg"
dependencies_path = "{outside}"
[tool.belay.group.dev-tools.dependencies]
tool = "https://example.com/tool.py"
"""
    project = load(project_dir, text)
    assert project.name == "src/pkg"
    assert project.dependencies_folder == outside
    assert project.group_folder("dev-tools") == outside / "dev-tools"
    assert load(project_dir, text.replace(str(outside), "../outside")).dependencies_folder == (
        outside
    )
    inside = load(project_dir, text.replace(str(outside), str(project_dir / "deps")))
    assert inside.dependencies_folder == project_dir / "deps"
    for text, complaint in [
        ('[tool.belay]\nname = "src/pkg"\n', "tool.belay.name = 'src/pkg' must be a folder name"),
        (f'[tool.belay]\ndependencies_path = "{outside}"\n', "must name a folder inside"),
        ("[tool.belay.group.dev-tools]\noptional = true\n", "group name 'dev-tools'"),
    ]:
        load(project_dir, text)
        assert complaint in error(project_dir, text, strict=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[tool.belay]\nname = 3\n", "tool.belay.name must be a string, not an integer (3)"),
        ("[tool.belay]\nignore = 'x'\n", "tool.belay.ignore must be an array of strings"),
        ("[tool.belay.dependencies]\na = 1\n", "tool.belay.dependencies.a must be a string,"),
        ("[tool.belay.dependencies]\na = [1]\n", "tool.belay.dependencies.a[0] must be"),
        ("[tool.belay.dependencies]\na = {uri = 'x', develop = 'yes'}\n", "a.develop must be"),
        (
            "[tool.belay.dependencies]\na = {develop = true}\n",
            "tool.belay.dependencies.a.uri is missing",
        ),
        (
            "[tool.belay.group.dev]\noptional = 1\n",
            "tool.belay.group.dev.optional must be a boolean",
        ),
        ("[tool.belay.group.main.dependencies]\na = 'x'\n", "put main dependencies in"),
        ("[tool.belay.dependencies]\na = '^1.0'\n", "version ranges are not supported"),
        ("[tool.belay.dependencies]\na = []\n", "empty array"),
        ("[tool.belay]\nmpy_version = 'six'\n", "mpy_version = 'six'"),
        ("[tool.belay]\npackage_indices = ['ftp://x']\n", "'ftp://x' is not an http(s) URL"),
        ("[tool.belay]\ndependencies_path = '.'\n", "not one holding the project"),
        ("[tool.belay]\ndependencies_path = '..'\n", "not one holding the project"),
        ("[tool.belay]\ndependencies_path = '/'\n", "not one holding the project"),
        ("[tool.belay]\nname = '../up'\n", "must be a folder path"),
    ],
)
def test_bad_values_name_the_key(tmp_path, text, expected):
    assert expected in error(tmp_path, text)


@pytest.mark.parametrize("name", ["..", "a/b", "/abs", "a.b", "1x"])
def test_names_that_could_escape_are_refused(tmp_path, name):
    for table in ("tool.belay.dependencies", "tool.belay.group.dev.dependencies"):
        message = error(tmp_path, f'[{table}]\n"{name}" = "https://example.com/x.py"\n')
        assert f"dependency name {name!r}" in message and "Python identifier" in message
    group = f'[tool.belay.group."{name}"]\noptional = true\n'
    if "/" in name or name == "..":
        assert "group name" in error(tmp_path, group)
    assert "group name" in error(tmp_path, group, strict=True)


def test_parse_project_checks_text_before_it_is_written(tmp_path):
    with pytest.raises(ConfigError, match="invalid TOML"):
        parse_project("[tool.belay\n", tmp_path / "pyproject.toml")


@pytest.mark.parametrize(
    ("uri", "origin"),
    [
        (
            "github:user/repo/lib/sensor.py@v2",
            Origin("url", "https://raw.githubusercontent.com/user/repo/v2/lib/sensor.py"),
        ),
        (
            "github:user/repo",
            Origin("manifest", "https://raw.githubusercontent.com/user/repo/HEAD/package.json"),
        ),
        (
            "gitlab:user/repo/pkg@dev",
            Origin("manifest", "https://gitlab.com/user/repo/-/raw/dev/pkg/package.json", "dev"),
        ),
        (
            "https://github.com/BrianPugh/some-dependency/blob/main/some_dependency.py",
            Origin(
                "url",
                "https://raw.githubusercontent.com/BrianPugh/some-dependency/main/some_dependency.py",
            ),
        ),
        (
            "https://example.com/pkg/package.json",
            Origin("manifest", "https://example.com/pkg/package.json"),
        ),
        ("aioble", Origin("index", "aioble")),
        ("aioble@0.4.0", Origin("index", "aioble", "0.4.0")),
        ("mip:umqtt.simple", Origin("index", "umqtt.simple")),
    ],
)
def test_sources_are_classified_as_mip_does(tmp_path, uri, origin):
    assert classify(uri, tmp_path) == origin


def test_local_paths_are_relative_to_the_project(tmp_path):
    (tmp_path / "vendored.py").write_text("")
    assert classify("vendored.py", tmp_path) == Origin("local", str(tmp_path / "vendored.py"))
    assert classify("../shared/x.py", tmp_path).kind == "local"


def test_shorthands_inside_package_json_follow_the_package_ref():
    assert rewrite("github:org/repo/a.py", "v1") == (
        "https://raw.githubusercontent.com/org/repo/v1/a.py"
    )
    assert rewrite("https://example.com/a.py") == "https://example.com/a.py"


@pytest.mark.parametrize("uri", ["ftp://example.com/x.py", "s3://bucket/x.py", "ssh://h/x.py"])
def test_non_http_schemes_are_refused(tmp_path, uri):
    with pytest.raises(SourceProblem, match="unsupported scheme"):
        classify(uri, tmp_path)


def test_repository_paths_that_leave_the_repository_are_refused(tmp_path):
    with pytest.raises(SourceProblem, match="leaves the repository"):
        classify("github:user/repo/../../x.py", tmp_path)
