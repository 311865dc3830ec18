"""``engine.Fleet``: many boards at once, on real MicroPython (several virtual boards)."""

from __future__ import annotations

import threading
import time

import pytest

from engine import (
    Device,
    DeviceNotFoundError,
    Fleet,
    FleetError,
    Outcome,
    PyboardException,
    VirtualBoard,
)


def wait_until(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        threading.Event().wait(0.01)


def test_a_task_runs_on_every_board_at_once(boards):
    """Each board's task waits for a file that the host writes only once every board has
    started: boards run one after the other would never get there."""
    vbs = boards(4)
    with Fleet([vb.port for vb in vbs]) as fleet:

        @fleet.task
        def rendezvous(n):
            import os
            import time

            open("/started", "w").close()
            for _ in range(3000):  # the board gives up after 30 s
                if "go" in os.listdir("/"):
                    return n * 2
                time.sleep(0.01)
            raise RuntimeError("never released: boards did not run at once")

        results: list = []
        caller = threading.Thread(target=lambda: results.append(rendezvous(21)))
        caller.start()
        wait_until(
            lambda: all((vb.root / "started").exists() for vb in vbs), "every board to start"
        )
        for vb in vbs:
            (vb.root / "go").touch()
        caller.join()
        assert results == [[42, 42, 42, 42]]


def test_one_failure_is_raised_after_all_finished_and_names_the_board(boards):
    vbs = boards(3)
    with Fleet([vb.port for vb in vbs]) as fleet:
        fleet.call("import os")
        bad = fleet.names[1]
        fleet[bad]("fail = True")
        # The failing board is the quickest; the others still write their file.
        code = "if globals().get('fail'):\n    1/0\nopen('/done', 'w').close()"
        with pytest.raises(FleetError, match="1 of 3 boards failed") as caught:
            fleet.call(code)
        error = caught.value
        assert bad in str(error) and "ZeroDivisionError" in str(error)
        assert [o.board for o in error.failures] == [bad]
        assert isinstance(error.__cause__, PyboardException)
        assert [(vb.root / "done").exists() for vb in vbs] == [True, False, True]

        outcomes = fleet.call("1 if globals().get('fail') else 2", outcomes=True)
        assert [o.value for o in outcomes] == [2, 1, 2]
        assert all(isinstance(o, Outcome) and o.ok for o in outcomes)
        broken = fleet.call("1/0 if globals().get('fail') else 2", outcomes=True)
        assert [o.ok for o in broken] == [True, False, True]
        with pytest.raises(PyboardException):
            broken[1].result()


def test_task_outcomes_and_results_keep_the_boards_order(boards):
    vbs = boards(3)
    with Fleet([vb.port for vb in vbs]) as fleet:
        for i, device in enumerate(fleet):
            device(f"me = {i}")

        @fleet.task
        def who(x):
            return me * x

        assert who(10) == [0, 10, 20]
        assert [o.board for o in who.outcomes(1)] == fleet.names
        assert fleet.run(lambda d: d.port) == fleet.names


def test_sync_to_several_boards_with_progress_per_board(boards, tmp_path):
    vbs = boards(3, bps=46080)
    project = tmp_path / "project"
    (project / "lib").mkdir(parents=True)
    (project / "main.py").write_text("import lib.util\n")
    (project / "lib" / "util.py").write_text("def f():\n    return 1\n" * 200)
    seen: dict[str, list[int]] = {}
    lock = threading.Lock()

    def progress(board, event) -> None:
        with lock:
            seen.setdefault(board, []).append(event.done)

    with Fleet([vb.port for vb in vbs]) as fleet:
        results = fleet.sync(project, progress=progress)
        assert [r.plan.summary() for r in results] == [results[0].plan.summary()] * 3
        assert sorted(seen) == sorted(fleet.names)
        assert all(done == sorted(done) for done in seen.values())
        again = fleet.sync(project)
        assert all(r.bytes_written == 0 for r in again)
    for vb in vbs:
        assert (vb.root / "main.py").read_text() == "import lib.util\n"
        assert (vb.root / "lib" / "util.py").exists()


def test_a_port_that_fails_to_open_closes_the_others_and_is_named(boards, tmp_path):
    (vb,) = boards(1)
    missing = str(tmp_path / "ttyNOPE")
    with pytest.raises(FleetError, match=f"1 of 2 boards failed: {missing}: DeviceNotFoundError"):
        Fleet([vb.port, missing])
    with Device(vb.port) as device:  # the fleet let go of the board it had opened
        assert device("1 + 1") == 2


def test_devices_passed_in_stay_open_and_boards_mix_transports(boards, tmp_path):
    (local,) = boards(1)
    with VirtualBoard(root=tmp_path / "remote", serve="rfc2217://127.0.0.1:0") as remote:
        mine = Device(local.port)
        with Fleet([mine, remote.served_url]) as fleet:
            assert fleet.call("2 * 21") == [42, 42]
            assert fleet.names == [local.port, remote.served_url]
        assert mine("1") == 1  # still open: the caller owns it
        mine.close()


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="at least one board"):
        Fleet([])
    with pytest.raises(
        FleetError, match="1 board failed: /nonexistent/ttyX: DeviceNotFoundError: no serial port"
    ) as e:
        Fleet(["/nonexistent/ttyX"])
    assert isinstance(e.value.__cause__, DeviceNotFoundError)
