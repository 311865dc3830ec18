"""Task calls per second and bytes per round trip."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..device import Device
from ._run import BenchTarget

IN_FLIGHT = 10  # pipelined calls awaiting their replies at once


def measure_calls(target: BenchTarget, seconds: float = 2.0) -> dict:
    """Call a one-argument task repeatedly for about ``seconds``.

    Returns calls/s, mean round-trip time in ms, and the bytes each call puts on the wire
    (both directions), so the figure can be compared with the link's byte rate. Where the
    link pipelines (WebREPL), also the calls/s of the same task with 10 calls in flight
    (``device.map``), against one at a time and against the round-trip limit.
    """
    with target.board() as (port, _vb), target.connect(port) as device:

        @device.task
        def bench_echo(x):
            return x + 1

        bench_echo(0)  # warm up
        link = device.connection
        out0, in0 = link.stats
        n = 0
        start = time.perf_counter()
        deadline = start + seconds
        while time.perf_counter() < deadline:
            bench_echo(n)
            n += 1
        elapsed = time.perf_counter() - start
        out1, in1 = link.stats
        sent = (out1 - out0) / n
        received = (in1 - in0) / n
        pipelined = _pipelined(device, bench_echo, seconds) if link.pipelines else None
    calls = n / elapsed
    figures = {
        "calls_per_s": round(calls, 1),
        "round_trip_ms": round(1000 * elapsed / n, 3),
        "bytes_sent_per_call": round(sent, 1),
        "bytes_received_per_call": round(received, 1),
    }
    if target.bps:
        # A round trip crosses the link each way in turn, so the link alone allows
        # bps / (sent + received) calls/s; the ratio says how close we come to that.
        floor = target.bps / (sent + received)
        figures["link_limit_calls_per_s"] = round(floor, 1)
        figures["ratio_to_link_limit"] = round(calls / floor, 2)
    if target.webrepl_latency:
        # Over WebREPL the round-trip time is the limit: 1 / latency calls/s.
        figures["ratio_to_latency_limit"] = round(calls * target.webrepl_latency, 2)
    if pipelined is not None:
        figures[f"pipelined_{IN_FLIGHT}_calls_per_s"] = round(pipelined, 1)
        figures["pipelined_over_one_at_a_time"] = round(pipelined / calls, 2)
        if target.webrepl_latency:
            figures["pipelined_ratio_to_latency_limit"] = round(
                pipelined * target.webrepl_latency, 2
            )
    return figures


def _pipelined(device: Device, task: Callable[[int], int], seconds: float) -> float:
    """Calls/s of the same task through ``device.map``, ``IN_FLIGHT`` calls in flight, in
    batches of 100 for about ``seconds``."""
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        device.map(task, range(n, n + 100), in_flight=IN_FLIGHT)
        n += 100
    return n / (time.perf_counter() - start)
