"""Boards on other machines: ``rfc2217://`` and ``socket://`` ports through pyserial's
``serial_for_url``, against a real port server (pyserial's RFC 2217 ``PortManager``, or raw
TCP, as ser2net serves them) in front of a virtual board's pty on 127.0.0.1."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import pytest

from belay_tui.cli import main
from engine import ConnectionFailedError, Device, Link, VirtualBoard
from engine.events import LinkState


@pytest.fixture(params=["rfc2217", "socket"])
def served(request, tmp_path):
    """A virtual board whose port is served over the network with that protocol."""
    with VirtualBoard(root=tmp_path / "flash", serve=f"{request.param}://127.0.0.1:0") as vb:
        yield vb


def test_tasks_and_sync_over_the_network(served, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "util.py").write_text("def double(x):\n    return 2 * x\n")
    (project / "blob.bin").write_bytes(bytes(range(256)) * 8)  # every byte value, IAC too
    with Device(served.served_url) as dev:
        assert dev.transport.description == served.served_url
        result = dev.sync(project)
        assert {e.path for e in result.plan.entries if e.action == "added"} == {
            "/util.py",
            "/blob.bin",
        }

        @dev.task
        def use(x):
            import util

            return util.double(x)

        assert [use(i) for i in range(5)] == [0, 2, 4, 6, 8]
    assert (served.root / "blob.bin").read_bytes() == bytes(range(256)) * 8


def test_reconnect_restores_the_board_through_the_server(served):
    dev = Device(served.served_url, attempts=-1)
    dev("scale = 7")

    @dev.task
    def scaled(x):
        return scale * x

    assert scaled(2) == 14
    served.unplug()  # the cable on the lab machine: its server drops the connection
    served.replug()
    assert scaled(3) == 21  # the call reconnects, replays the history, and is sent again
    assert dev.connect_count == 2
    dev.close()


def test_keepalive_notices_a_pulled_cable_and_the_link_restores(served, event_log):
    dev = Device(served.served_url, attempts=-1)
    log = event_log(dev.events)
    dev("x = 41")
    with Link(dev):
        served.unplug()
        log.wait_for(lambda e: isinstance(e, LinkState) and e.state == "lost")
        served.replug()
        log.wait_for(
            lambda e: isinstance(e, LinkState) and e.state == "connected" and e.connects == 2
        )
        assert dev("x + 1", record=False) == 42
    dev.close()


@pytest.mark.parametrize("scheme", ["rfc2217", "socket"])
def test_nobody_listening_is_a_one_line_error(scheme):
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"{scheme}://127.0.0.1:{port}"
    with pytest.raises(ConnectionFailedError, match=f"cannot reach {url}: .*refused") as e:
        Device(url)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("url", ["rfc2217://nowhere", "socket://:99999"])
def test_a_malformed_url_is_a_one_line_error(url):
    scheme = url.split(":")[0]
    with pytest.raises(ConnectionFailedError, match=f"expected {scheme}://HOST:PORT, got") as e:
        Device(url)
    assert "\n" not in str(e.value)


def test_emulator_command_serves_its_port_as_a_lab_machine_would(tmp_path, capsys):
    """``belay-tui emulator --serve`` prints the URL that ``exec`` (or any tool) connects to."""
    command = [sys.executable, "-m", "belay_tui.cli", "emulator", "--root", str(tmp_path)]
    proc = subprocess.Popen(
        [*command, "--serve", "rfc2217://127.0.0.1:0"], stdout=subprocess.PIPE, text=True
    )
    try:
        proc.stdout.readline()  # the pty
        url = proc.stdout.readline().strip()
        assert url.startswith("rfc2217://127.0.0.1:")
        assert main(["exec", url, "open('f', 'w').write('remote')"]) == 0
        assert (tmp_path / "f").read_text() == "remote"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
