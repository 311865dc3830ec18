"""A Device used from several threads: calls on one board take turns, calls on different
boards do not wait for each other."""

from __future__ import annotations

import threading

from engine import Device


def run_threads(n: int, work) -> list:
    """``work(i)`` in n threads at once; their results (an exception is re-raised)."""
    results: list = [None] * n
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            results[i] = work(i)
        except BaseException as e:  # noqa: BLE001 - handed to the test thread
            errors.append(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def test_calls_on_one_board_from_many_threads_take_turns(device):
    device("log = []")

    @device.task
    def visit(i):
        import time

        log.append(("in", i))
        time.sleep(0.01)
        log.append(("out", i))
        return i * i

    results = run_threads(8, lambda i: [visit(i) for _ in range(5)])
    assert results == [[i * i] * 5 for i in range(8)]
    log = device("log", record=False)
    assert len(log) == 80
    # Each visit ends before the next begins: the board never ran two at once.
    assert all(log[k][0] == "in" and log[k + 1] == ("out", log[k][1]) for k in range(0, 80, 2))


def add_one(x):
    return x + 1


def add_two(x):
    return x + 2


def add_three(x):
    return x + 3


def add_four(x):
    return x + 4


def test_tasks_defined_from_many_threads_each_keep_their_own_code(device):
    functions = [add_one, add_two, add_three, add_four]
    tasks = run_threads(4, lambda i: device.task(functions[i]))
    assert run_threads(4, lambda i: tasks[i](100)) == [101, 102, 103, 104]


def test_commands_and_tasks_mixed_from_threads(device):
    @device.task
    def double(x):
        return 2 * x

    def mixed(i: int):
        return [device(f"{i} + {k}", record=False) + double(k) for k in range(10)]

    assert run_threads(4, mixed) == [[i + 3 * k for k in range(10)] for i in range(4)]


def test_calls_on_different_boards_run_at_the_same_time(boards):
    """Each board's call waits for a file the host writes only when every board has started:
    boards taking turns would never get there."""
    vbs = boards(3)
    devices = [Device(vb.port) for vb in vbs]
    try:
        code = (
            "import os, time\n"
            "open('/started', 'w').close()\n"
            "for _ in range(3000):\n"
            "    if 'go' in os.listdir('/'):\n"
            "        break\n"
            "    time.sleep(0.01)\n"
            "'go' in os.listdir('/')"
        )
        results: list = []
        callers = threading.Thread(
            target=lambda: results.extend(run_threads(3, lambda i: devices[i](code)))
        )
        callers.start()
        deadline = threading.Event()
        for vb in vbs:  # wait (bounded) until every board runs its call
            for _ in range(3000):
                if (vb.root / "started").exists():
                    break
                deadline.wait(0.01)
            assert (vb.root / "started").exists(), "a board never started its call"
        for vb in vbs:
            (vb.root / "go").touch()
        callers.join()
        assert results == [True, True, True]
    finally:
        for d in devices:
            d.close()
