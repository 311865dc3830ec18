"""Belay's task machinery: ``@device.task`` and friends, on a Device's public contract.

A :class:`TaskTable` per device numbers the functions sent to the board (a call is
``_B(index, args...)``, a few bytes) and keeps their sources for tracebacks. A
:class:`Registrar` is the ``device.task`` decorator; a function registered on several
devices runs on each (:func:`_multi`); ``Device.task`` at class level marks functions for
every instance (:func:`class_marker`). The history entries a definition or a thread start
leaves replay themselves after a reconnect.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import update_wrapper
from typing import TYPE_CHECKING, Any, ClassVar, ParamSpec, TypeVar, overload

from . import _variants as variants
from . import codec
from ._source import Source, check_name, function_source
from .exceptions import FeatureUnavailableError

if TYPE_CHECKING:
    from .device import Device

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class GeneratorHandle:
    """A generator task's reply: the key of the generator object kept on the board."""

    key: str


STOPPED = object()  # a generator on the board is exhausted


@dataclass(frozen=True)
class Definition:
    """History: a function sent to the board."""

    kind: ClassVar[str] = "def"
    source: Source

    def replay(self, device: Device) -> None:
        device.tasks.define(self.source, record=False)


@dataclass(frozen=True)
class ThreadStart:
    """History: a board thread started (Belay records it, so a reconnect starts it again)."""

    kind: ClassVar[str] = "thread"
    name: str
    args: tuple
    kwargs: dict = field(hash=False)

    def replay(self, device: Device) -> None:
        device.tasks.start_thread(self.name, self.args, self.kwargs, record=False)


class TaskTable:
    """The functions a device has sent to its board, by name, and the decorators."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.sources: dict[str, Source] = {}
        self.index: dict[str, int] = {}
        self.teardown: Callable[[], Any] | None = None
        self._registrars: dict[str, Registrar] = {}

    def registrar(self, kind: str) -> Registrar:
        if kind not in self._registrars:
            self._registrars[kind] = Registrar(self, kind)
        return self._registrars[kind]

    def define(self, src: Source, record: bool = True) -> int:
        index = self.index.setdefault(src.name, len(self.index))
        code = f"{src.code}_BT[{index}]={src.name}\n_BF('R','None')"
        self.device.call(code.encode(), f"the definition of {src.name}")
        self.sources[src.name] = src
        if record:
            self.device.record(Definition(src))
        return index

    def call_args(self, name: str, args: tuple, kwargs: dict) -> str:
        """The task's index and its arguments as literals: what goes inside ``_B(...)``."""
        parts = [str(self.index[name])]
        parts += [codec.to_literal(a, f"argument {n + 1} of {name}") for n, a in enumerate(args)]
        parts += [
            f"{k}={codec.to_literal(v, f'argument {k!r} of {name}')}" for k, v in kwargs.items()
        ]
        return ",".join(parts)

    def run(self, name: str, args: tuple, kwargs: dict) -> Any:
        result = self.device.call(
            f"_B({self.call_args(name, args, kwargs)})".encode(), f"task {name}"
        )
        if isinstance(result, GeneratorHandle):
            return self._iterate(name, result.key)
        return result

    def _iterate(self, name: str, key: str) -> Iterator[Any]:
        call = f"_Bn({key})".encode()
        what = f"generator task {name}"
        while True:
            # The generator lives on the board: after a reset it is gone, not resumable.
            result = self.device.call(call, what, resend=False)
            if result is STOPPED:
                return
            yield result

    def start_thread(self, name: str, args: tuple, kwargs: dict, record: bool = True) -> None:
        """Start a board thread; recorded (like Belay), so a reconnect starts it again."""
        self.device.call(f"_Bt({self.call_args(name, args, kwargs)})".encode(), f"thread {name}")
        if record:
            self.device.record(ThreadStart(name, args, kwargs))

    def run_setup(self, src: Source, args: tuple, kwargs: dict, record: bool = True) -> None:
        """Belay's setup semantics: the body runs at the board's global scope, with the
        arguments (and defaults) bound as globals first."""
        bound = inspect.signature(src.function).bind(*args, **kwargs)
        bound.apply_defaults()
        assigns = "".join(
            f"{k}={codec.to_literal(v, f'argument {k!r} of {src.name}')}\n"
            for k, v in bound.arguments.items()
        )
        self.device(assigns + src.body, record=record)

    def attach_class_functions(self) -> None:
        """Register what a subclass marked with ``@Device.task`` etc.; then run the setups
        marked ``autoinit`` (the default), in definition order."""
        autoinit = []
        device = self.device
        for cls in reversed(type(device).__mro__):
            for attr, value in vars(cls).items():
                fn = value.__func__ if isinstance(value, staticmethod) else value
                marker = getattr(fn, "__belay_marker__", None)
                if marker is None:
                    continue
                written_for = getattr(fn, "__belay_variants__", None)
                if written_for:
                    board = device.implementation.name if device.implementation else None
                    fn = written_for.get(board)
                    if fn is None:
                        setattr(device, attr, variants.unavailable(attr, [*written_for], board))
                        continue
                    marker = fn.__belay_marker__
                kind, options = marker
                options = dict(options)
                init = options.pop("autoinit", True) if kind == "setup" else False
                setattr(device, attr, self.registrar(kind)(fn, **options))
                if init:
                    autoinit.append(attr)
        for attr in autoinit:
            getattr(device, attr)()


class Registrar:
    """``device.task`` and friends: a decorator, and ``device.task.name`` lookups."""

    def __init__(self, table: TaskTable, kind: str) -> None:
        self._table = table
        self._kind = kind
        self._functions: dict[str, Callable] = {}

    @overload
    def __call__(
        self,
        f: Callable[P, R],
        /,
        *,
        minify: bool = True,
        register: bool = True,
        record: bool = True,
        trusted: bool = False,
        implementation: str | None = None,
    ) -> Callable[P, R]: ...

    @overload
    def __call__(
        self,
        f: None = None,
        /,
        *,
        minify: bool = True,
        register: bool = True,
        record: bool = True,
        trusted: bool = False,
        implementation: str | None = None,
    ) -> Callable[[Callable[P, R]], Callable[P, R]]: ...

    def __call__(
        self,
        f: Callable | None = None,
        /,
        *,
        minify: bool = True,
        register: bool = True,
        record: bool = True,
        trusted: bool = False,
        implementation: str | None = None,
    ) -> Any:
        if f is None:
            kw = {"minify": minify, "register": register, "record": record}
            return lambda g: self(g, trusted=trusted, implementation=implementation, **kw)
        variants.check(implementation)
        table = self._table
        base = getattr(f, "__belay_function__", f)
        board = table.device.implementation.name if table.device.implementation else None
        if self._kind == "thread" and board == "circuitpython":
            raise FeatureUnavailableError("CircuitPython does not support threading.")
        if not variants.matches(board, implementation):
            # Belay's overloads: a variant for other firmware is not sent, and the name
            # keeps (or, decorated next, gets) the variant for this board's.
            name = base.__name__
            return self._functions.get(name) or variants.unavailable(
                name, [str(implementation)], board
            )
        src = function_source(base, use_minify=minify)
        single: Callable[..., Any]
        if self._kind in ("task", "thread"):
            table.define(src, record=record)
            if self._kind == "task":

                def single(*args: Any, **kwargs: Any) -> Any:
                    return table.run(src.name, args, kwargs)
            else:

                def single(*args: Any, **kwargs: Any) -> Any:
                    return table.start_thread(src.name, args, kwargs, record=record)
        else:
            check_name(src.name)

            def single(*args: Any, **kwargs: Any) -> Any:
                return table.run_setup(src, args, kwargs, record=record)

            if self._kind == "teardown":
                table.teardown = single
        update_wrapper(single, base)
        if register:
            self._functions[src.name] = single
        return _multi(f, single, base)

    def __getattr__(self, name: str) -> Callable:
        try:
            return self.__dict__["_functions"][name]
        except KeyError:
            raise AttributeError(f"no {self.__dict__['_kind']} named {name!r}") from None


def _multi(previous: Callable, single: Callable, base: Callable) -> Callable:
    """A function registered on several devices runs on each (bottom decorator first) and
    returns the list of results; on one device it is just that device's function."""
    earlier = getattr(previous, "__belay_singles__", None)
    if earlier is None:
        return _tag(single, [single], base)

    singles = [*earlier, single]

    def everywhere(*args: Any, **kwargs: Any) -> list[Any]:
        return [s(*args, **kwargs) for s in singles]

    update_wrapper(everywhere, base)
    return _tag(everywhere, singles, base)


def _tag(fn: Callable, singles: list[Callable], base: Callable) -> Callable:
    fn.__belay_singles__ = singles  # type: ignore[attr-defined]
    fn.__belay_function__ = base  # type: ignore[attr-defined]
    return fn


def class_marker(kind: str) -> Callable[..., Any]:
    """``Device.task`` etc. at class level: mark a function for every instance (which
    registers it on connecting). The marked function keeps its signature."""

    @overload
    def mark(f: Callable[P, R], /, **options: Any) -> Callable[P, R]: ...

    @overload
    def mark(f: None = None, /, **options: Any) -> Callable[[Callable[P, R]], Callable[P, R]]: ...

    def mark(f: Callable | None = None, /, **options: Any) -> Any:
        if f is None:
            return lambda g: mark(g, **options)
        f.__belay_marker__ = (kind, options)  # type: ignore[attr-defined]
        implementation = options.get("implementation")
        if implementation is not None:
            variants.check(implementation)
            # A class body keeps one binding per name: the variants travel together.
            f.__belay_variants__ = variants.gather(f, implementation, kind)  # type: ignore[attr-defined]
        return staticmethod(f) if not isinstance(f, staticmethod) else f

    return mark


class KindDescriptor:
    """``Device.task`` on the class marks functions; ``device.task`` on an instance
    registers them."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.marker = class_marker(kind)

    @overload
    def __get__(self, obj: None, cls: type) -> Callable[..., Any]: ...

    @overload
    def __get__(self, obj: Device, cls: type) -> Registrar: ...

    def __get__(self, obj: Device | None, cls: type) -> Callable[..., Any] | Registrar:
        if obj is None:
            return self.marker
        return obj.tasks.registrar(self.kind)
