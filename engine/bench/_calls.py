"""Task calls per second and bytes per round trip."""

from __future__ import annotations

import time

from ._run import BenchTarget


def measure_calls(target: BenchTarget, seconds: float = 2.0) -> dict:
    """Call a one-argument task repeatedly for about ``seconds``.

    Returns calls/s, mean round-trip time in ms, and the bytes each call puts on the wire
    (both directions), so the figure can be compared with the link's byte rate.
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
    return figures
