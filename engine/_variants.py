"""Belay's implementation overloads: a task, thread or setup written twice, once for
MicroPython and once for CircuitPython, of which each board gets the one for its firmware.

``@device.task(implementation="circuitpython")`` on a MicroPython board sends nothing; the
name keeps (or gets, whichever comes second) the variant that matches. In a ``Device``
subclass body the second definition would replace the first, so the class-level marker
finds the variants defined earlier under the same name there (:func:`earlier_binding`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .exceptions import FeatureUnavailableError

IMPLEMENTATIONS = ("micropython", "circuitpython")


def check(implementation: str) -> None:
    """A clear error for a misspelt ``implementation=`` ("" is any firmware)."""
    if implementation and implementation not in IMPLEMENTATIONS:
        raise ValueError(
            f"implementation must be one of {', '.join(IMPLEMENTATIONS)}, not {implementation!r}"
        )


def unavailable(name: str, implementation: str, board: str) -> Callable[..., Any]:
    """What a name defined only for another implementation is on this board."""

    def missing(*args: Any, **kwargs: Any) -> Any:
        raise FeatureUnavailableError(
            f"{name} is defined for {implementation} boards; this one runs {board or 'unknown'}"
        )

    missing.__name__ = missing.__qualname__ = name
    return missing


def earlier_binding(f: Callable) -> Any:
    """What the class body being executed binds to ``f``'s name before ``f`` replaces it.

    Found by walking up to the frame that runs the body of ``f``'s class: a class body keeps
    one binding per name, so without this an overload would silently drop its sibling.
    """
    owner = f.__qualname__.rpartition(".")[0]
    frame = inspect.currentframe()
    try:
        while frame is not None:
            if frame.f_locals.get("__qualname__") == owner and "__module__" in frame.f_locals:
                return frame.f_locals.get(f.__name__)
            frame = frame.f_back
        return None
    finally:
        del frame
