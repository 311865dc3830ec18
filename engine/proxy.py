"""``ProxyObject``: use an object that lives on the board as if it were local.

``device.proxy("sensor")`` gives a proxy; attribute access, calls, indexing, ``len``,
iteration and comparison run on the board. Immutable results (numbers, strings, bytes,
None) come back as values; anything else stays on the board and comes back as another
proxy. Objects the board keeps for proxies are released when the proxy is garbage
collected (the release rides along with the next exchange, never from the collector).
"""

from __future__ import annotations

import ast
import contextlib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from . import codec
from ._reply import BoardObject
from .exceptions import PyboardException
from .text import last_line

if TYPE_CHECKING:
    from .device import Device

_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_PROMOTE = {
    "AttributeError": AttributeError,
    "KeyError": KeyError,
    "IndexError": IndexError,
    "ValueError": ValueError,
    "TypeError": TypeError,
    "StopIteration": StopIteration,
}


class ProxyObject:
    """A reference to the board object that the expression ``target`` names."""

    __slots__ = ("_belay_device", "_belay_target", "_belay_key", "__weakref__")

    def __init__(self, device: Device, target: str, key: int | None = None) -> None:
        object.__setattr__(self, "_belay_device", device)
        object.__setattr__(self, "_belay_target", target)
        object.__setattr__(self, "_belay_key", key)

    # -- evaluation ----------------------------------------------------------------------

    def _eval(self, expr: str, code: str = "") -> Any:
        with _promote():
            return evaluate(self._belay_device, expr, code)

    def _run(self, code: str) -> None:
        with _promote():
            self._belay_device(code, record=False)

    # -- the object protocol -------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._eval(f"{self._belay_target}.{name}")

    def __setattr__(self, name: str, value: Any) -> None:
        self._run(f"{self._belay_target}.{name}={_value(value, name)}")

    def __delattr__(self, name: str) -> None:
        self._run(f"del {self._belay_target}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        parts = [_value(a, f"argument {i + 1}") for i, a in enumerate(args)]
        parts += [f"{k}={_value(v, f'argument {k!r}')}" for k, v in kwargs.items()]
        return self._eval(f"{self._belay_target}({','.join(parts)})")

    def __getitem__(self, key: Any) -> Any:
        return self._eval(f"{self._belay_target}[{_index(key)}]")

    def __setitem__(self, key: Any, value: Any) -> None:
        self._run(f"{self._belay_target}[{_index(key)}]={_value(value, 'the value')}")

    def __delitem__(self, key: Any) -> None:
        self._run(f"del {self._belay_target}[{_index(key)}]")

    def __len__(self) -> int:
        return self._eval(f"len({self._belay_target})")

    def __contains__(self, item: Any) -> bool:
        return self._eval(f"{_value(item, 'the item')} in {self._belay_target}")

    def __bool__(self) -> bool:
        return self._eval(f"bool({self._belay_target})")

    def __eq__(self, other: object) -> bool:
        return self._eval(f"{self._belay_target}=={_value(other, 'the other value')}")

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]  # board objects may change

    def __iter__(self) -> Iterator[Any]:
        items = self._eval(f"list({self._belay_target})")
        if not isinstance(items, ProxyObject):
            yield from items  # immutable items came back as values
            return
        for i in range(len(items)):
            yield items[i]

    def __repr__(self) -> str:
        return self._eval(f"repr({self._belay_target})")

    def __str__(self) -> str:
        return self._eval(f"str({self._belay_target})")

    def __del__(self) -> None:
        key = self._belay_key
        if key is not None:
            with contextlib.suppress(Exception):
                self._belay_device.release(key)


def target_of(value: ProxyObject) -> str:
    """The board expression a proxy stands for."""
    return object.__getattribute__(value, "_belay_target")


def _value(value: Any, what: str) -> str:
    if isinstance(value, ProxyObject):
        return target_of(value)
    return codec.to_literal(value, what)


def _index(key: Any) -> str:
    if isinstance(key, slice):
        start, stop, step = (
            "" if p is None else _value(p, "a slice bound") for p in (key.start, key.stop, key.step)
        )
        return f"{start}:{stop}" + (f":{step}" if step else "")
    return _value(key, "the index")


@contextlib.contextmanager
def _promote() -> Iterator[None]:
    """Board errors that Python code tests for (``hasattr``, ``in``) become the built-in
    exception of the same name, chained to the board's traceback."""
    try:
        yield
    except PyboardException as e:
        last = last_line(e)
        name = last.split(":", 1)[0].strip()
        if name in _PROMOTE:
            raise _PROMOTE[name](last.split(":", 1)[-1].strip()) from e
        raise


def proxy_names(device: Device, cmd: str) -> ProxyObject | tuple[ProxyObject, ...] | Any:
    """``device.proxy(cmd)``: an import gives proxies of what it imported; a name gives a
    proxy of that global; another expression is evaluated and its result proxied."""
    cmd = cmd.strip()
    if _NAME.match(cmd):
        return ProxyObject(device, cmd)
    try:
        tree = ast.parse(cmd)
    except SyntaxError:
        tree = None
    node = tree.body[0] if tree and len(tree.body) == 1 else None
    if isinstance(node, ast.Import | ast.ImportFrom):
        device(cmd)
        names = [
            a.asname or (a.name.split(".")[0] if isinstance(node, ast.Import) else a.name)
            for a in node.names
        ]
        proxies = tuple(ProxyObject(device, n) for n in names)
        return proxies[0] if len(proxies) == 1 else proxies
    return evaluate(device, cmd)


def evaluate(device: Device, expr: str, code: str = "") -> Any:
    """Run ``code``, then evaluate ``expr`` on the board: an immutable value comes back as
    itself, anything else as a proxy of the object the board now keeps for it."""
    args = f"{codec.to_literal(code, 'code')},{codec.to_literal(expr, 'expression')}"
    result = device.call(f"_BPx({args})".encode(), expr)
    if isinstance(result, BoardObject):
        return ProxyObject(device, f"_BP[{result.key}]", result.key)
    return result
