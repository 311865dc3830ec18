"""Belay's implementation overloads: a task, thread or setup written twice, once for
MicroPython and once for CircuitPython, of which each board gets the one for its firmware.

``@device.task(implementation="circuitpython")`` on a MicroPython board sends nothing; the
name keeps (or gets, whichever comes second) the variant that matches. In a ``Device``
subclass body the second definition would replace the first, so the class-level marker
gathers the variants defined under one name there.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .exceptions import FeatureUnavailableError

IMPLEMENTATIONS = ("micropython", "circuitpython")


def check(implementation: str | None) -> None:
    """A clear error for a misspelt ``implementation=``."""
    if implementation is not None and implementation not in IMPLEMENTATIONS:
        raise ValueError(
            f"implementation must be one of {', '.join(IMPLEMENTATIONS)}, not {implementation!r}"
        )


def matches(board: str | None, implementation: str | None) -> bool:
    """Whether a function meant for ``implementation`` (None: any) runs on ``board``."""
    return implementation is None or board == implementation


def unavailable(name: str, variants: list[str], board: str | None) -> Callable[..., Any]:
    """What a name with no variant for this board's firmware calls."""

    def missing(*args: Any, **kwargs: Any) -> Any:
        raise FeatureUnavailableError(
            f"{name} is written for {' and '.join(variants)}; this board runs {board}"
        )

    missing.__name__ = missing.__qualname__ = name
    return missing


def gather(f: Callable, implementation: str, kind: str) -> dict[str, Callable]:
    """The variants of ``f``'s name in the class body being executed, ``f`` included.

    The earlier variant is still the class body's binding of the name while the later one
    is decorated: found by walking up to the frame that runs the body of ``f``'s class.
    """
    owner = f.__qualname__.rpartition(".")[0]
    frame = inspect.currentframe()
    previous = None
    while frame is not None:
        if frame.f_locals.get("__qualname__") == owner and "__module__" in frame.f_locals:
            previous = frame.f_locals.get(f.__name__)
            break
        frame = frame.f_back
    del frame
    earlier = getattr(previous, "__func__", previous)
    variants: dict[str, Callable] = {}
    if getattr(earlier, "__belay_marker__", (None,))[0] == kind:
        variants.update(getattr(earlier, "__belay_variants__", {}))
    variants[implementation] = f
    return variants
