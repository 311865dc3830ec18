"""The asyncio face of a :class:`~engine.Device`: ``await device.acall(...)`` and ``async for``
over generator tasks, for programs that are asyncio already.

The same implementation as the blocking calls runs underneath: each device gets one worker
thread, made at its first asynchronous call, that runs that device's calls in turn (as its
lock would anyway). The event loop never blocks on the board, no thread is made per call, and
calls on different boards overlap. Cancelling an awaited call that the board is running
interrupts it (Ctrl-C) and waits for the board to settle, so the next call finds it at a
clean prompt; one still waiting its turn is simply dropped.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

INTERRUPT_AGAIN = 1.0  # seconds between Ctrl-Cs to a cancelled call that runs on

if TYPE_CHECKING:
    from .device import Device


class AsyncFace:
    """``device.acall``'s machinery for one device: its worker, and how a target becomes
    a blocking call."""

    def __init__(self, device: Device) -> None:
        self._device = device
        self._worker: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def worker(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._worker is None:
                name = f"board {self._device.port}"
                self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
            return self._worker

    def close(self) -> None:
        """Let the worker thread go once the calls it has are done."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.shutdown(wait=False, cancel_futures=True)

    async def call(self, target: str | Callable, *args: Any, **kwargs: Any) -> Any:
        """``target`` run as the blocking API would, awaited: code (``device(code,
        **kwargs)``), or a task or thread registered on this device (the function; a
        function registered on several devices runs this device's) with its arguments. A
        generator task gives an async iterator of its items."""
        result = await self.run(self._blocking(target), *args, **kwargs)
        if isinstance(result, Iterator):
            return self._items(result)
        return result

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` on the device's worker, awaited."""
        done = self.worker().submit(partial(fn, *args, **kwargs))
        future = asyncio.wrap_future(done)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            if not done.cancel():  # running: stop the board, and wait until it has
                # Again while it runs on: the first Ctrl-C may have come before the call
                # reached the board (it was waiting for the link).
                while not future.done():
                    self._device.interrupt()
                    await asyncio.wait([future], timeout=INTERRUPT_AGAIN)
                if not future.cancelled():
                    future.exception()  # the interrupted call's KeyboardInterrupt: expected
            raise

    async def _items(self, items: Iterator[Any]) -> AsyncIterator[Any]:
        end = object()
        while (item := await self.run(next, items, end)) is not end:
            yield item

    def _blocking(self, target: str | Callable) -> Callable[..., Any]:
        device = self._device
        if isinstance(target, str):
            return partial(device, target)
        name = getattr(target, "__name__", "")
        for kind in (device.task, device.thread):
            try:
                return getattr(kind, name)
            except AttributeError:
                continue
        raise TypeError(
            f"{name or target!r} is neither code nor a task or thread registered on {device.port}"
        )
