"""WebREPL end to end: the engine's client against the virtual board's WebREPL endpoint."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import threading

import pytest
from waiting import Lines, until

from belay_tui.cli import main
from engine import (
    AuthenticationError,
    ConnectionFailedError,
    ConnectionLost,
    Device,
    FeatureUnavailableError,
    PyboardException,
    SyncError,
    VirtualBoard,
)
from engine.transport import WebreplTransport

PASSWORD = "s3cret-pw"  # 9 characters: the most a board takes


@pytest.fixture
def wboard(tmp_path):
    """A virtual board serving WebREPL on a free port of 127.0.0.1."""
    with VirtualBoard(root=tmp_path / "flash", webrepl="127.0.0.1:0", password=PASSWORD) as vb:
        yield vb


@pytest.fixture
def wdevice(wboard):
    dev = Device(wboard.webrepl_url, password=PASSWORD)
    yield dev
    dev.close()


def _eventually(attempt, what: str, timeout: float = 10.0):
    """Retry ``attempt`` while the board refuses the connection: a board frees its single
    WebREPL slot a moment after the previous client leaves."""

    def tried() -> tuple | None:
        try:
            return (attempt(),)
        except AuthenticationError:
            raise  # a wrong password is the answer, not a busy slot
        except ConnectionFailedError:
            return None  # refused: the slot is not free yet

    return until(tried, f"{what} to be accepted", timeout, every=0.05)[0]


# -- login -------------------------------------------------------------------------------


def test_tasks_threads_and_generators_over_webrepl(wdevice, wboard):
    assert wdevice.transport.description == f"{wboard.webrepl_url} (WebREPL)"

    @wdevice.task
    def add(a, b=1):
        return a + b

    @wdevice.task
    def count(n):
        for i in range(n):
            yield i * i

    @wdevice.thread
    def flag():
        global done
        done = 42

    assert add(2, b=3) == 5
    assert list(count(4)) == [0, 1, 4, 9]
    flag()
    until(lambda: wdevice("globals().get('done')") == 42, "the board thread to run", 10)
    with pytest.raises(PyboardException, match="ZeroDivisionError"):
        wdevice("1/0")


def test_password_from_environment(wboard, monkeypatch):
    monkeypatch.setenv("BELAY_PASSWORD", PASSWORD)
    with Device(wboard.webrepl_url) as device:
        assert device("6*7") == 42


def test_wrong_password_is_refused_without_showing_it(wboard):
    with pytest.raises(AuthenticationError) as info:
        Device(wboard.webrepl_url, password="wrong-one")
    message = str(info.value)
    assert message == f"{wboard.webrepl_url} refused the WebREPL password"
    assert "wrong-one" not in repr(info.value)
    # The refused client is gone: the right password gets in.
    with _eventually(lambda: Device(wboard.webrepl_url, password=PASSWORD), "login") as d:
        assert d("1+1") == 2


def test_too_long_password_says_why(wboard):
    with pytest.raises(AuthenticationError, match="at most 9 characters"):
        WebreplTransport(wboard.webrepl_url, PASSWORD + "x")


def test_missing_password(wboard, monkeypatch):
    monkeypatch.delenv("BELAY_PASSWORD", raising=False)
    with pytest.raises(AuthenticationError, match="needs the WebREPL password"):
        Device(wboard.webrepl_url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ws://:pw@127.0.0.1", "not the URL"),
        ("ws://127.0.0.1:99999", "bad port"),
        ("ws://127.0.0.1/other", "expected ws://host"),
        ("wss://127.0.0.1", "boards do not speak TLS"),
    ],
)
def test_bad_urls(url, message):
    with pytest.raises(ConnectionFailedError, match=message) as info:
        WebreplTransport(url, PASSWORD)
    assert "pw@" not in str(info.value)


def test_nothing_listening(wboard):
    url = wboard.webrepl_url
    wboard.unplug()
    with pytest.raises(ConnectionFailedError, match="cannot reach"):
        WebreplTransport(url, PASSWORD)


def test_password_stays_out_of_reprs_and_state(wdevice, wboard):
    transport = wdevice.transport
    shown = [
        repr(wdevice),
        repr(transport),
        transport.description,
        repr(vars(wdevice)),
        repr(vars(transport)),
        repr(wboard),
        repr(vars(wboard)),
        repr(wboard._webrepl_server),
        repr(vars(wboard._webrepl_server)),
        repr(vars(wdevice.connection)),
    ]
    for text in shown:
        assert PASSWORD not in text


def test_password_stays_out_of_debug_logs(wboard, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, websockets' included
    with Device(wboard.webrepl_url, password=PASSWORD) as device:
        device("1+1")
    with pytest.raises(AuthenticationError):
        _eventually(lambda: Device(wboard.webrepl_url, password="wrong"), "refusal")
    assert PASSWORD not in caplog.text and "wrong" not in caplog.text


@pytest.mark.parametrize("password", ["1234567890", "", None, "a\rb"])
def test_board_password_rules(tmp_path, password):
    with pytest.raises(FeatureUnavailableError, match="WebREPL password"):
        VirtualBoard(root=tmp_path, webrepl="127.0.0.1:0", password=password)


def test_bad_board_address(tmp_path):
    with pytest.raises(FeatureUnavailableError, match="HOST:PORT"):
        VirtualBoard(root=tmp_path, webrepl="8266", password=PASSWORD)


# -- one client at a time ----------------------------------------------------------------


def test_second_client_is_refused(wdevice, wboard):
    with pytest.raises(ConnectionFailedError, match="another client"):
        WebreplTransport(wboard.webrepl_url, PASSWORD)
    assert wdevice("1+2") == 3  # the first client is undisturbed
    wdevice.close()
    second = _eventually(lambda: WebreplTransport(wboard.webrepl_url, PASSWORD), "reconnect")
    second.close()


def test_serial_port_in_use_is_reported(wboard):
    with Device(wboard.port):  # the board's serial port, held by a serial client
        with pytest.raises(ConnectionFailedError, match="virtual board: .*ttyVB0"):
            WebreplTransport(wboard.webrepl_url, PASSWORD)


# -- the REPL over text frames -----------------------------------------------------------


def test_long_code_goes_plain_and_whole(wdevice):
    body = "\n".join(f"    v{i} = {i}" for i in range(1500))
    code = f"def big():\n{body}\n    return v1499\n"
    assert len(code) > 3 * 4096  # several frames
    wdevice(code)
    assert wdevice("big()") == 1499
    assert wdevice.connection.raw_paste is None  # TCP paces itself: no raw-paste handshake


def test_output_split_inside_a_character(wdevice):
    out = io.StringIO()
    text = "a" + "é" * 5000  # 10001 bytes: frame boundaries fall inside characters
    wdevice(f"print({text!r})", stream_out=out)
    assert out.getvalue() == text + "\n"


def test_interrupt_over_webrepl(wboard):
    started = threading.Event()

    def output(text: str) -> None:
        if "spinning" in text:
            started.set()

    device = Device(wboard.webrepl_url, password=PASSWORD, output=output)

    @device.task
    def spin():
        print("spinning")
        while True:
            pass

    def interrupt_when_started():
        started.wait(30)
        device.interrupt()

    threading.Thread(target=interrupt_when_started, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        spin()
    assert device("1+1") == 2
    device.close()


# -- files over the binary channel ----------------------------------------------------------


def test_put_and_get_files(wdevice, wboard):
    wdevice("import os; os.mkdir('/lib')")
    blob = bytes(range(256)) * 41 + b"tail"  # not a multiple of a chunk
    files = [
        ("/main.py", b"print('hi')\n"),
        ("/lib/blob.bin", blob),
        ("/empty.txt", b""),
        ("relative.txt", b"cwd is /"),
    ]
    wdevice.transport.put_files(files)
    assert (wboard.root / "main.py").read_bytes() == b"print('hi')\n"
    assert (wboard.root / "lib" / "blob.bin").read_bytes() == blob
    assert (wboard.root / "empty.txt").read_bytes() == b""
    assert (wboard.root / "relative.txt").read_bytes() == b"cwd is /"
    assert wdevice.transport.get_file("/lib/blob.bin") == blob
    assert wdevice.transport.get_file("/empty.txt") == b""
    wdevice.transport.put_file("/main.py", b"x = 1\n")  # overwrite
    assert wdevice("exec(open('/main.py').read()); x") == 1
    assert wdevice.transport.board_version()[:2] == wdevice.implementation.version[:2]


def test_file_errors(wdevice, wboard):
    transport = wdevice.transport
    with pytest.raises(PyboardException, match=r"ENOENT.*cannot read /nope.py"):
        transport.get_file("/nope.py")
    with pytest.raises(PyboardException, match=r"ENOENT: cannot write /no/dir.py \(and 1 more"):
        transport.put_files([("/no/dir.py", b"1"), ("/ok.py", b"2"), ("/no/x.py", b"3")])
    assert (wboard.root / "ok.py").read_bytes() == b"2"  # the batch went on around them
    with pytest.raises(FeatureUnavailableError, match="at most|1 to 63 bytes"):
        transport.put_file("/" + "x" * 63, b"")
    assert wdevice("1+1") == 2  # the session survived all of it


def test_paths_stay_inside_the_board(wdevice, wboard):
    wdevice.transport.put_file("/../../escape.txt", b"kept in")
    assert (wboard.root / "escape.txt").read_bytes() == b"kept in"
    outside = wboard.root.parent / "outside"
    outside.mkdir()
    (wboard.root / "link").symlink_to(outside)
    with pytest.raises(PyboardException, match="EACCES"):
        wdevice.transport.put_file("/link/x.txt", b"no")
    assert not (outside / "x.txt").exists()


# -- sync over the file channel -----------------------------------------------------------


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    (root / "lib" / "pkg").mkdir(parents=True)
    (root / "main.py").write_text("import pkg.core\nprint('main')\n")
    (root / "lib" / "pkg" / "__init__.py").write_text("")
    (root / "lib" / "pkg" / "core.py").write_text("def f(x):\n    return x * 2\n" * 50)
    (root / "data.bin").write_bytes(bytes(range(256)) * 40)
    return root


def board_files(board: VirtualBoard) -> dict[str, bytes]:
    return {
        str(p.relative_to(board.root)): p.read_bytes()
        for p in sorted(board.root.rglob("*"))
        if p.is_file()
    }


def test_sync_uses_the_file_channel(wboard, project):
    with Device(wboard.webrepl_url, password=PASSWORD) as device:
        result = device.sync(project, minify=False)
        assert result.mode == "webrepl"
        assert result.files_written == 4
        files = board_files(wboard)
        assert files["data.bin"] == (project / "data.bin").read_bytes()
        assert files["lib/pkg/core.py"] == (project / "lib" / "pkg" / "core.py").read_bytes()
        assert not [name for name in files if name.endswith(".~belay")]
        assert device("import pkg.core; pkg.core.f(21)") == 42

        assert device.sync(project, minify=False).mode == "none"  # nothing changed

        (project / "lib" / "pkg" / "core.py").write_text("def f(x):\n    return x * 3\n")
        (project / "data.bin").unlink()
        again = device.sync(project, minify=False)
        assert (again.mode, again.files_written) == ("webrepl", 1)
        files = board_files(wboard)
        assert "data.bin" not in files
        assert files["lib/pkg/core.py"] == b"def f(x):\n    return x * 3\n"


def test_names_too_long_for_webrepl_go_the_text_way(wboard, project):
    deep = project / "lib" / "a_folder_with_a_long_name" / "and_another_long_one"
    deep.mkdir(parents=True)
    (deep / "module_name.py").write_text("VALUE = 7\n")
    assert len("/lib/a_folder_with_a_long_name/and_another_long_one/module_name.py.~belay") > 63
    with Device(wboard.webrepl_url, password=PASSWORD) as device:
        result = device.sync(project)
        assert result.mode == "webrepl"
        assert result.files_written == 5
    path = wboard.root / "lib" / "a_folder_with_a_long_name" / "and_another_long_one"
    assert (path / "module_name.py").read_text().strip() == "VALUE=7"  # minified, in place


def test_a_leftover_temporary_file_is_replaced(wboard, project):
    (wboard.root / "main.py.~belay").write_bytes(b"half of an old write")
    with Device(wboard.webrepl_url, password=PASSWORD) as device:
        device.sync(project, minify=False)
    files = board_files(wboard)
    assert files["main.py"] == (project / "main.py").read_bytes()
    assert "main.py.~belay" not in files


def test_sync_rides_out_a_dropped_connection(wboard, project):
    cut = []

    def power_cut_once(progress):
        if not cut:
            cut.append(progress)
            wboard.power_cut()  # while the files are on their way: the board reboots

    with Device(wboard.webrepl_url, password=PASSWORD, attempts=10) as device:
        result = device.sync(project, minify=False, progress=power_cut_once)
        assert cut and result.mode == "webrepl"
        assert device.connect_count == 2
    files = board_files(wboard)
    assert files["lib/pkg/core.py"] == (project / "lib" / "pkg" / "core.py").read_bytes()
    assert not [name for name in files if name.endswith(".~belay")]


def test_a_file_the_board_cannot_write_is_reported(wboard, project):
    with Device(wboard.webrepl_url, password=PASSWORD) as device:
        device.sync(project, minify=False)
        (project / "lib" / "pkg" / "core.py").write_text("changed = 1\n")
        plan = device.sync_plan(project, minify=False)
        for path in (wboard.root / "lib" / "pkg").iterdir():
            path.unlink()
        (wboard.root / "lib" / "pkg").rmdir()  # gone after the plan: the put is refused
        with pytest.raises(SyncError, match=r"1 path\(s\) could not be synced: /lib/pkg/core.py"):
            device.sync(plan)
        assert device("1+1") == 2  # the session went on
        assert device.sync(project, minify=False).mode == "webrepl"  # and a new plan mends it
    assert board_files(wboard)["lib/pkg/core.py"] == b"changed = 1\n"


# -- losing the link -----------------------------------------------------------------------


def test_dropped_connection(wdevice, wboard):
    assert wdevice("1+1") == 2
    wboard.power_cut()  # the board reboots: its WebREPL client is dropped
    with pytest.raises(ConnectionLost, match="closed the connection"):
        wdevice("1+1")
    with _eventually(lambda: Device(wboard.webrepl_url, password=PASSWORD), "reconnect") as d:
        assert d("2+2") == 4


def test_soft_reset_reconnects_as_the_board_hangs_up(wdevice, wboard):
    @wdevice.task
    def double(x):
        return 2 * x

    wdevice("kept = 1", record=False)
    before = wdevice.connect_count
    wdevice.soft_reset()  # the board drops WebREPL as it resets; the device comes back
    assert wdevice.connect_count == before + 1
    assert wdevice("'kept' in globals()") is False  # the board did restart
    assert double(21) == 42  # and the history was replayed


def test_dropped_connection_reconnects_with_attempts(wboard):
    device = Device(wboard.webrepl_url, password=PASSWORD, attempts=10)

    @device.task
    def triple(x):
        return 3 * x

    wboard.power_cut()
    assert triple(3) == 9  # the call found the link dead, reconnected, replayed, resent
    assert device.connect_count == 2
    device.close()


def test_unplug_and_replug_keep_the_address(wdevice, wboard):
    url = wboard.webrepl_url
    wboard.unplug()
    with pytest.raises(ConnectionLost):
        wdevice("1")
    wboard.replug()
    assert wboard.webrepl_url == url
    with Device(url, password=PASSWORD) as device:
        assert device("3*3") == 9


# -- the command line ----------------------------------------------------------------------


def test_emulator_command_serves_webrepl(tmp_path):
    env = {**os.environ, "BELAY_PASSWORD": PASSWORD}
    proc = subprocess.Popen(
        [sys.executable, "-m", "belay_tui.cli", "emulator", "--root", str(tmp_path)]
        + ["--webrepl", "127.0.0.1:0", "--latency", "5"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = Lines(proc.stdout)
        lines.next("the emulator's serial port")
        url = lines.next("the emulator's WebREPL address").strip()
        assert url.startswith("ws://127.0.0.1:")
        done = subprocess.run(
            [sys.executable, "-m", "belay_tui.cli", "exec", url, "open('f','w').write('ok')"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "f").read_text() == "ok"
    finally:
        proc.terminate()
        proc.wait(10)


def test_emulator_command_password_rule(capsys):
    assert main(["emulator", "--webrepl", "127.0.0.1:0", "--password", "1234567890"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "error: a WebREPL password has 1 to 9 characters, as on boards (this one has 10)"


def test_bench_webrepl_json(capsys):
    argv = ["bench", "--webrepl", "2", "--suite", "calls", "--suite", "webrepl"]
    assert main([*argv, "--seconds", "0.2", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["port"] == "virtual WebREPL, 2 ms round trip"
    assert result["calls"]["calls_per_s"] > 0
    assert result["calls"]["ratio_to_latency_limit"] > 0
    assert result["webrepl"]["put_bytes"] > 250_000
    assert result["webrepl"]["put_batch_s"] > 0


def test_cli_sync_over_webrepl(wboard, project, capsys):
    assert main(["sync", wboard.webrepl_url, str(project), "--password", PASSWORD]) == 0
    assert (wboard.root / "lib" / "pkg" / "core.py").exists()
    assert "4 added" in capsys.readouterr().out


def test_cli_wrong_password_is_one_line(wboard, capsys):
    assert main(["exec", wboard.webrepl_url, "1", "--password", "wrong-pw"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"error: {wboard.webrepl_url} refused the WebREPL password"
