"""``Fleet``: many boards driven as one (a classroom, a test rack, a production line).

Built only on :class:`~engine.Device`'s public API and the engine's one way of running work on
several boards at once (``_concurrent``): every board works at the same time, each runs to its
end whatever the others do, results come back in the order the boards were given, and one
board's failure is raised, naming it, after all have finished.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any, TypeVar

from ._concurrent import Job, Outcome, run_each, settle
from ._tasks import everywhere
from .device import Device
from .events import Progress
from .sync import SyncOptions, SyncPlan, SyncResult

T = TypeVar("T")


class Fleet:
    """Boards opened together: ``Fleet(["/dev/ttyACM0", "rfc2217://lab2:4000", ...])``.

    ``boards``: ports (each opened as ``Device(port, **options)``, all at once) or Devices
    already open (left open by :meth:`close`; the caller owns them). If any port fails to
    open, the ones that did are closed again and :class:`~engine.FleetError` names the
    failures; with ``partial=True`` the fleet goes on with the boards that opened, and
    :attr:`failed` has the others' outcomes (a classroom where one board is unplugged).

    Every method that works on the boards takes ``outcomes=True`` to get one
    :class:`~engine.Outcome` per board (value or exception, and seconds) instead of the
    values, and never raises for a board's failure.
    """

    def __init__(
        self, boards: Iterable[str | Device], *, partial: bool = False, **options: Any
    ) -> None:
        given = list(boards)
        if not given:
            raise ValueError("a Fleet needs at least one board")
        opened = run_each([_opener(b, options) for b in given])
        self.devices: list[Device] = [o.result() for o in opened if o.ok]
        self._owned = [isinstance(b, str) for b, o in zip(given, opened, strict=True) if o.ok]
        #: The boards that failed to open (with ``partial=True``), as outcomes.
        self.failed: list[Outcome[Device]] = [o for o in opened if not o.ok]
        if self.failed and not partial:
            self.close()
            settle(opened)

    def __repr__(self) -> str:
        return f"<Fleet of {len(self)}: {', '.join(self.names)}>"

    def __len__(self) -> int:
        return len(self.devices)

    def __iter__(self) -> Iterator[Device]:
        return iter(self.devices)

    def __getitem__(self, key: int | str) -> Device:
        """A board by position or by its port."""
        if isinstance(key, int):
            return self.devices[key]
        for device in self.devices:
            if device.port == key:
                return device
        raise KeyError(f"no board {key!r} in this fleet (boards: {', '.join(self.names)})")

    @property
    def names(self) -> list[str]:
        """Each board's port, as results and errors name it."""
        return [d.port for d in self.devices]

    def run(self, work: Callable[[Device], T], *, outcomes: bool = False) -> list[Any]:
        """``work(device)`` on every board at once; the results in the boards' order."""
        return settle(
            run_each([Job(d.port, partial(work, d), d.interrupt) for d in self.devices]),
            outcomes,
        )

    def call(self, code: str, *, outcomes: bool = False, **options: Any) -> list[Any]:
        """``device(code, **options)`` on every board: the final expression's values."""
        return self.run(lambda d: d(code, **options), outcomes=outcomes)

    def task(self, f: Callable | None = None, /, **options: Any) -> Any:
        """Register ``f`` as a task on every board (``@fleet.task``, options as
        ``device.task``'s), all at once. Calling it runs it on all boards at once, as a task
        registered on several devices does: the list of results, or ``f.outcomes(...)``."""
        if f is None:
            return lambda g: self.task(g, **options)
        function = f
        return everywhere(self.run(lambda d: d.task(function, **options)), function)

    def sync(
        self,
        folder: str | os.PathLike | SyncOptions,
        dst: str = "/",
        *,
        progress: Callable[[str, Progress], None] | None = None,
        record: bool = True,
        outcomes: bool = False,
        **options: Any,
    ) -> list[SyncResult] | list[Outcome[SyncResult]]:
        """``device.sync(folder, dst, **options)`` on every board at once (``keep``,
        ``ignore``, ``minify``, ``mpy_cross_binary`` as there; ``folder`` may be a
        :class:`~engine.SyncOptions`). ``progress(board, event)``
        gets each board's :class:`~engine.events.Progress` events, from that board's thread."""

        def one(device: Device) -> SyncResult:
            report = None if progress is None else (lambda e: progress(device.port, e))
            return device.sync(folder, dst, progress=report, record=record, **options)

        return self.run(one, outcomes=outcomes)

    def sync_plan(
        self, folder: str | os.PathLike | SyncOptions, *, outcomes: bool = False, **options: Any
    ) -> list[SyncPlan] | list[Outcome[SyncPlan]]:
        """What :meth:`sync` would do on each board (``device.sync_plan``), changing nothing."""
        return self.run(lambda d: d.sync_plan(folder, **options), outcomes=outcomes)

    def close(self) -> None:
        """Close the boards this fleet opened (all at once); Devices passed in stay open."""
        mine = [d for d, owned in zip(self.devices, self._owned, strict=True) if owned]
        if mine:
            run_each([Job(d.port, d.close) for d in mine])

    def __enter__(self) -> Fleet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _opener(board: str | Device, options: dict[str, Any]) -> Job[Device]:
    if isinstance(board, Device):
        return Job(board.port, lambda: board)
    return Job(board, lambda: Device(board, **options))
