"""``update`` and ``clean`` against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import io
import tarfile
import tomllib
import zipfile

import pytest
from pkgsite import Site, make_project, silent_port

import engine
from engine import DependencyError, IntegrityError
from engine.events import DependencyStatus, EventBus


@pytest.fixture
def site(tmp_path):
    with Site(tmp_path / "www") as s:
        yield s


def project_with(tmp_path, deps: str, extra: str = "", index: str = "") -> object:
    indices = f'package_indices = ["{index}"]\n' if index else ""
    body = f'[tool.belay]\nname = "app"\n{indices}\n[tool.belay.dependencies]\n{deps}\n{extra}'
    return make_project(tmp_path / "proj", body)


def cache(root, path: str = "") -> object:
    return root / ".belay" / "dependencies" / path


def lock_of(root) -> dict:
    data = tomllib.loads((root / ".belay" / "lock.toml").read_text())
    return {f"{d['group']}/{d['name']}": d for d in data["dependency"]}


def failure(excinfo) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    return message


def test_single_file_becomes_the_package_init_and_is_locked(tmp_path, site):
    url = site.file("sensor.py", "def read():\n    return 42\n")
    root = project_with(tmp_path, f'sensor = "{url}"')
    result = engine.update(root)
    assert result.updated == ["main/sensor"]
    assert cache(root, "main/sensor/__init__.py").read_text() == "def read():\n    return 42\n"
    (entry,) = lock_of(root).values()
    assert entry["uris"] == [url]
    (locked,) = entry["files"]
    assert locked["path"] == "sensor/__init__.py" and locked["source"] == url
    assert len(locked["sha256"]) == 64
    assert engine.update(root).unchanged == ["main/sensor"]


def test_list_form_keeps_file_names(tmp_path, site):
    a, b = site.file("a.py", "A = 1\n"), site.file("lib/b.py", "B = 2\n")
    root = project_with(tmp_path, f'pair = ["{a}", "{b}"]')
    engine.update(root)
    assert sorted(p.name for p in cache(root, "main/pair").iterdir()) == ["a.py", "b.py"]


def test_events_tell_each_dependency_state(tmp_path, site):
    ok = site.file("ok.py", "x = 1\n" * 100)
    root = project_with(tmp_path, f'ok = "{ok}"\nmissing = "{site.url("missing.py")}"')
    seen: list[DependencyStatus] = []
    bus = EventBus()
    bus.subscribe(seen.append)
    with pytest.raises(DependencyError):
        engine.update(root, events=bus)
    states = {(e.name, e.state) for e in seen}
    assert {("ok", "queued"), ("ok", "fetching"), ("ok", "updated")} <= states
    assert ("missing", "failed") in states
    fetching = [e for e in seen if e.state == "fetching" and e.name == "ok"]
    assert fetching[-1].done == fetching[-1].total == 600


def test_404_names_dependency_and_url(tmp_path, site):
    url = site.url("nope.py")
    root = project_with(tmp_path, f'gone = "{url}"')
    with pytest.raises(DependencyError) as info:
        engine.update(root)
    assert failure(info) == f"dependency 'main/gone': {url}: HTTP 404 File not found"
    assert site.server.requests["/nope.py"] == 1  # a 404 is not retried


def test_timeout_is_retried_then_reported(tmp_path):
    sock = silent_port()
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/slow.py"
        root = project_with(tmp_path, f'slow = "{url}"')
        with pytest.raises(DependencyError) as info:
            engine.update(root, timeout=0.2, retries=1)
    finally:
        sock.close()
    assert failure(info) == (
        f"dependency 'main/slow': {url}: timed out after 0.2 s (after 2 attempts)"
    )


def test_server_errors_are_retried(tmp_path, site):
    url = site.file("flaky.py", "F = 1\n")
    site.server.answer_next("/flaky.py", 503, times=2)
    root = project_with(tmp_path, f'flaky = "{url}"')
    assert engine.update(root).updated == ["main/flaky"]
    assert site.server.requests["/flaky.py"] == 3


def test_refused_connection(tmp_path):
    sock = silent_port()
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    root = project_with(tmp_path, f'x = "http://127.0.0.1:{port}/x.py"')
    with pytest.raises(DependencyError) as info:
        engine.update(root, retries=0)
    # The same words on every system (not the OS's "[Errno 111] ..."), so pictures agree.
    assert str(info.value).endswith("cannot connect (connection refused)")


@pytest.mark.parametrize("uri", ["ftp://127.0.0.1/x.py", "gopher://127.0.0.1/x.py"])
def test_non_http_scheme(tmp_path, uri):
    root = project_with(tmp_path, f'x = "{uri}"')
    with pytest.raises(DependencyError) as info:
        engine.update(root)
    assert failure(info).startswith(f"dependency 'main/x': {uri}: unsupported scheme")


def test_failed_download_keeps_the_old_copy_and_lock(tmp_path, site):
    a = site.file("a.py", "A = 1\n")
    b = site.file("b.py", "B = 1\n")
    root = project_with(tmp_path, f'pair = ["{a}", "{b}"]\nsolo = "{a}"')
    engine.update(root)
    lock_before = (root / ".belay" / "lock.toml").read_text()
    site.file("a.py", "A = 2\n")  # a new version upstream...
    (site.root / "b.py").unlink()  # ...but the package's other file is gone
    with pytest.raises(DependencyError) as info:
        engine.update(root)
    assert "main/pair" in failure(info) and site.url("b.py") in failure(info)
    assert cache(root, "main/pair/a.py").read_text() == "A = 1\n"
    assert cache(root, "main/pair/b.py").read_text() == "B = 1\n"
    assert cache(root, "main/solo/__init__.py").read_text() == "A = 2\n"  # the others update
    assert lock_of(root)["main/pair"] == tomllib.loads(lock_before)["dependency"][0]
    assert not list(cache(root).glob(".staging-*"))


def test_index_package_with_deps_and_versions(tmp_path, site):
    site.package("ntptime", {"ntptime.py": "def settime(): pass\n"}, deps=[["base64", "latest"]])
    site.package("base64", {"base64.py": "B = 64\n"})
    site.package("ntptime", {"ntptime.py": "OLD = 1\n"}, version="0.9")
    root = project_with(tmp_path, 'ntptime = "*"\nold = "ntptime@0.9"', index=site.index)
    engine.update(root, ["ntptime"])
    assert cache(root, "main/ntptime/__init__.py").read_text() == "def settime(): pass\n"
    assert cache(root, "main/base64/__init__.py").read_text() == "B = 64\n"
    files = {f["path"] for f in lock_of(root)["main/ntptime"]["files"]}
    assert files == {"ntptime/__init__.py", "base64/__init__.py"}
    with pytest.raises(
        DependencyError, match=r"ntptime/__init__.py already belongs to 'main/ntptime'"
    ):
        engine.update(root, ["old"])  # same path, other bytes


def test_index_package_kept_verbatim_without_rename(tmp_path, site):
    site.package("umqtt.simple", {"umqtt/simple.py": "S = 1\n"})
    site.package("tiny", {"tiny.py": "T = 1\n"})
    deps = 'mqtt = "mip:umqtt.simple"\ntiny = {uri = "tiny", rename_to_init = false}'
    root = project_with(tmp_path, deps, index=site.index)
    engine.update(root)
    assert cache(root, "main/umqtt/simple.py").read_text() == "S = 1\n"
    assert cache(root, "main/tiny.py").read_text() == "T = 1\n"


def test_package_missing_from_index(tmp_path, site):
    root = project_with(tmp_path, 'nothing = "*"', index=site.index)
    with pytest.raises(DependencyError) as info:
        engine.update(root)
    assert failure(info) == (
        f"dependency 'main/nothing': {site.index}: package 'nothing' (version latest) "
        "is not in the index"
    )


def test_wrong_index_hash_is_refused(tmp_path, site):
    site.package("liar", {"liar.py": "EVIL = 1\n"}, claimed={"liar.py": "GOOD = 1\n"})
    root = project_with(tmp_path, 'liar = "*"', index=site.index)
    with pytest.raises(IntegrityError) as info:
        engine.update(root)
    assert "does not match the index's" in failure(info)
    assert not cache(root, "main/liar").exists()


def test_package_json_paths_escaping_are_refused(tmp_path, site):
    site.file("evil/package.json", '{"urls": [["../../outside.py", "x.py"]]}')
    site.file("evil/x.py", "X = 1\n")
    root = project_with(tmp_path, f'evil = "{site.url("evil/package.json")}"')
    with pytest.raises(DependencyError) as info:
        engine.update(root)
    assert "the install path '../../outside.py' escapes the dependencies folder" in failure(info)
    assert not (tmp_path / "outside.py").exists()


def test_package_json_by_url_with_relative_files(tmp_path, site):
    site.file("pkg/package.json", '{"urls": [["drv/__init__.py", "src/drv.py"]]}')
    site.file("pkg/src/drv.py", "D = 1\n")
    root = project_with(tmp_path, f'drv = "{site.url("pkg/package.json")}"')
    engine.update(root)
    assert cache(root, "main/drv/__init__.py").read_text() == "D = 1\n"


def _zip(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return buf.getvalue()


def _tgz(members: dict[str, str], link: str | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, text in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            t.addfile(info, io.BytesIO(text.encode()))
        if link:
            info = tarfile.TarInfo(link)
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            t.addfile(info)
    return buf.getvalue()


def test_archives_unpack_below_the_package(tmp_path, site):
    z = site.file("drv.zip", _zip({"drv-1.0/__init__.py": "Z = 1\n", "drv-1.0/io.py": "IO = 1\n"}))
    t = site.file("other.tar.gz", _tgz({"core.py": "C = 1\n"}))
    root = project_with(tmp_path, f'drv = "{z}"\nother = "{t}"')
    engine.update(root)
    assert cache(root, "main/drv/__init__.py").read_text() == "Z = 1\n"
    assert cache(root, "main/drv/io.py").read_text() == "IO = 1\n"
    assert cache(root, "main/other/core.py").read_text() == "C = 1\n"


@pytest.mark.parametrize(
    ("archive", "reason"),
    [
        ("bad.zip", "archive member '../../evil.py' escapes the dependencies folder"),
        ("abs.tar.gz", "archive member '/tmp/evil.py' escapes the dependencies folder"),
        ("link.tar.gz", "archive member 'lib/passwd' is not a plain file"),
        ("junk.tgz", "not a zip or tar archive"),
    ],
)
def test_bad_archives_are_refused(tmp_path, site, archive, reason):
    site.file("bad.zip", _zip({"ok.py": "", "../../evil.py": "E = 1\n"}))
    site.file("abs.tar.gz", _tgz({"/tmp/evil.py": "E = 1\n"}))
    site.file("link.tar.gz", _tgz({"ok.py": ""}, link="lib/passwd"))
    site.file("junk.tgz", b"\x1f\x8b not really gzip")
    root = project_with(tmp_path, f'bad = "{site.url(archive)}"')
    with pytest.raises(DependencyError) as info:
        engine.update(root)
    assert failure(info) == f"dependency 'main/bad': {site.url(archive)}: {reason}"
    assert not cache(root, "main/bad").exists()


def test_two_dependencies_mapping_to_one_path(tmp_path, site):
    one = site.file("one/util.py", "ONE = 1\n")
    two = site.file("two/util.py", "TWO = 2\n")
    extra = f'[tool.belay.group.dev.dependencies]\nutil = "{two}"\n'
    root = project_with(tmp_path, f'util = "{one}"', extra)
    with pytest.raises(DependencyError) as info:
        engine.update(root)
    assert failure(info) == (
        "dependency 'dev/util': util/__init__.py already belongs to 'main/util', with other "
        "content (groups share /lib)"
    )
    assert cache(root, "main/util/__init__.py").read_text() == "ONE = 1\n"
    assert not cache(root, "dev/util").exists()


def test_two_sources_of_one_dependency_on_one_path(tmp_path, site):
    a, b = site.file("x/mod.py", "A\n"), site.file("y/mod.py", "B\n")
    root = project_with(tmp_path, f'both = ["{a}", "{b}"]')
    with pytest.raises(DependencyError, match="both map to both/mod.py"):
        engine.update(root)


def test_local_file_and_folder(tmp_path, site):
    root = project_with(tmp_path, 'one = "vendor/one.py"\ntree = "vendor/tree"')
    (root / "vendor" / "tree" / "sub").mkdir(parents=True)
    (root / "vendor" / "one.py").write_text("ONE = 1\n")
    (root / "vendor" / "tree" / "sub" / "m.py").write_text("M = 1\n")
    (root / "vendor" / "tree" / "__pycache__").mkdir()
    (root / "vendor" / "tree" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    engine.update(root)
    assert cache(root, "main/one/__init__.py").read_text() == "ONE = 1\n"
    assert cache(root, "main/tree/sub/m.py").read_text() == "M = 1\n"
    assert not cache(root, "main/tree/__pycache__").exists()
    assert lock_of(root)["main/one"]["files"][0]["source"] == "vendor/one.py"


def test_missing_local_path(tmp_path):
    root = project_with(tmp_path, 'gone = "vendor/gone.py"')
    with pytest.raises(DependencyError) as info:
        engine.update(root)
    assert failure(info) == "dependency 'main/gone': vendor/gone.py: no such file or folder"


def test_update_by_name_and_unknown_name(tmp_path, site):
    a, b = site.file("a.py", "A\n"), site.file("b.py", "B\n")
    root = project_with(tmp_path, f'a = "{a}"\nb = "{b}"')
    assert engine.update(root, ["main/a"]).updated == ["main/a"]
    assert not cache(root, "main/b").exists()
    with pytest.raises(engine.ConfigError, match="no dependency 'zzz'.*known: main/a, main/b"):
        engine.update(root, ["zzz"])


def test_clean_removes_what_is_no_longer_listed(tmp_path, site):
    site.package("ntptime", {"ntptime.py": "N\n"}, deps=[["base64", "latest"]])
    site.package("base64", {"base64.py": "B\n"})
    a = site.file("a.py", "A\n")
    extra = f'[tool.belay.group.dev.dependencies]\ndevtool = "{a}"\n'
    root = project_with(tmp_path, f'a = "{a}"\nntptime = "*"', extra, index=site.index)
    engine.update(root)
    (cache(root, "main") / "stray").mkdir()
    body = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(body.replace('ntptime = "*"', "").replace(extra, ""))
    removed = engine.clean(root)
    assert sorted(removed) == ["dev", "main/stray"]
    assert sorted(p.name for p in cache(root, "main").iterdir()) == ["a"]
    assert list(lock_of(root)) == ["main/a"]


def test_a_belay_project_is_adopted_by_its_first_lock(tmp_path, site):
    """A project Belay managed has a cache and no lock: updating one dependency locks the
    cached others as they are, instead of orphaning them."""
    a, b = site.file("a.py", "A = 2\n"), site.file("b.py", "B = 2\n")
    root = project_with(tmp_path, f'a = "{a}"\nb = "{b}"')
    for name in ("a", "b"):
        cache(root, f"main/{name}").mkdir(parents=True)
        cache(root, f"main/{name}/__init__.py").write_text(f"{name.upper()} = 1\n")
    assert [r.state for r in engine.dependency_status(root)] == ["unlocked", "unlocked"]
    engine.update(root, ["a"])
    assert cache(root, "main/a/__init__.py").read_text() == "A = 2\n"
    assert cache(root, "main/b/__init__.py").read_text() == "B = 1\n"
    assert [r.state for r in engine.dependency_status(root)] == ["ok", "ok"]
    assert lock_of(root)["main/b"]["files"][0]["source"] == "cached"
