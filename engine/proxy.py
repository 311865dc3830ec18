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
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from . import codec
from .exceptions import BelayException, PyboardException
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

    __slots__ = (
        "_belay_device",
        "_belay_target",
        "_belay_key",
        "_belay_source",
        "_belay_seen",
        "__weakref__",
    )

    def __init__(
        self,
        device: Device,
        target: str,
        key: int | None = None,
        *,
        source: str | None = None,
        seen: str = "",
    ) -> None:
        """``target``: the board expression; ``key``: the ``_BP`` slot to free when this
        proxy is collected (None: a global the proxy only names). ``source``: what made it
        (an expression, ``task read``); ``seen``: the object's ``repr`` when it was made."""
        object.__setattr__(self, "_belay_device", device)
        object.__setattr__(self, "_belay_target", target)
        object.__setattr__(self, "_belay_key", key)
        object.__setattr__(self, "_belay_source", source or target)
        object.__setattr__(self, "_belay_seen", seen)

    # -- evaluation ----------------------------------------------------------------------

    def _eval(self, form: Callable[[str], str]) -> Any:
        """Evaluate ``form(target)`` on the board; a result proxy is labelled
        ``form(source)`` (``sensor.config``, not ``_BP[3].config``)."""
        with self._gone_is_said(), _promote():
            return evaluate(self._belay_device, form(self._belay_target), form(self._belay_source))

    @contextlib.contextmanager
    def _gone_is_said(self) -> Iterator[None]:
        """A KeyError for this proxy's own slot means the board object is gone (the board
        reset since it was made): say so, rather than a bare ``KeyError: 3``."""
        try:
            yield
        except KeyError:
            key, device = self._belay_key, self._belay_device
            if key is not None and not device(f"{key} in _BP", record=False):
                raise BelayException(
                    f"the board object behind {self._belay_source} is gone: the board reset "
                    "since it was made"
                ) from None
            raise

    def _run(self, code: str) -> None:
        with self._gone_is_said(), _promote():
            self._belay_device(code, record=False)

    # -- the object protocol -------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._eval(lambda t: f"{t}.{name}")

    def __setattr__(self, name: str, value: Any) -> None:
        self._run(f"{self._belay_target}.{name}={board_value(value, name)}")

    def __delattr__(self, name: str) -> None:
        self._run(f"del {self._belay_target}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        parts = [board_value(a, f"argument {i + 1}") for i, a in enumerate(args)]
        parts += [f"{k}={board_value(v, f'argument {k!r}')}" for k, v in kwargs.items()]
        return self._eval(lambda t: f"{t}({','.join(parts)})")

    def __getitem__(self, key: Any) -> Any:
        index = _index(key)
        return self._eval(lambda t: f"{t}[{index}]")

    def __setitem__(self, key: Any, value: Any) -> None:
        self._run(f"{self._belay_target}[{_index(key)}]={board_value(value, 'the value')}")

    def __delitem__(self, key: Any) -> None:
        self._run(f"del {self._belay_target}[{_index(key)}]")

    def __len__(self) -> int:
        return self._eval(lambda t: f"len({t})")

    def __contains__(self, item: Any) -> bool:
        item_text = board_value(item, "the item")
        return self._eval(lambda t: f"{item_text} in {t}")

    def __bool__(self) -> bool:
        return self._eval(lambda t: f"bool({t})")

    def __eq__(self, other: object) -> bool:
        other_text = board_value(other, "the other value")
        return self._eval(lambda t: f"{t}=={other_text}")

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]  # board objects may change

    def __iter__(self) -> Iterator[Any]:
        items = self._eval(lambda t: f"list({t})")
        if not isinstance(items, ProxyObject):
            yield from items  # immutable items came back as values
            return
        for i in range(len(items)):
            yield items[i]

    def __repr__(self) -> str:
        """``<ProxyObject sensor: <Sensor object at 3f80>>``: what made it, and the board
        object's own ``repr`` now (as last seen when the board cannot be asked)."""
        try:
            now = self._eval(lambda t: f"repr({t})")
        except Exception:
            now = self._belay_seen or "?"
        return f"<{type(self).__name__} {self._belay_source}: {now}>"

    def __str__(self) -> str:
        return self._eval(lambda t: f"str({t})")

    def __del__(self) -> None:
        key = self._belay_key
        if key is not None:
            with contextlib.suppress(Exception):
                self._belay_device.release(key)


def keep(found: Any) -> Any:
    """``found`` (a proxy, a tuple of them, or a value) with its board objects kept when the
    proxies are collected."""
    for proxy in found if isinstance(found, tuple) else (found,):
        if isinstance(proxy, ProxyObject):
            object.__setattr__(proxy, "_belay_key", None)
    return found


def target_of(value: ProxyObject) -> str:
    """The board expression a proxy stands for."""
    return object.__getattribute__(value, "_belay_target")


def board_value(value: Any, what: str) -> str:
    """How ``value`` is written in code sent to the board: a proxy as the expression it
    stands for, anything else as a literal (NonLiteralError naming ``what`` otherwise)."""
    if isinstance(value, ProxyObject):
        return target_of(value)
    return codec.to_literal(value, what)


def _index(key: Any) -> str:
    if isinstance(key, slice):
        start, stop, step = (
            "" if p is None else board_value(p, "a slice bound")
            for p in (key.start, key.stop, key.step)
        )
        return f"{start}:{stop}" + (f":{step}" if step else "")
    return board_value(key, "the index")


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


def evaluate(device: Device, expr: str, label: str | None = None, code: str = "") -> Any:
    """Run ``code``, then evaluate ``expr`` on the board: an immutable value comes back as
    itself, anything else as a proxy (labelled ``label``) of the object the board keeps."""
    args = f"{codec.to_literal(code, 'code')},{codec.to_literal(expr, 'expression')}"
    return device.call(f"_BPx({args})".encode(), label or expr)
