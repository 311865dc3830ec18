"""Belay's task machinery: ``@device.task`` and friends, on a Device's public contract.

A :class:`TaskTable` per device numbers the functions sent to the board (a call is
``_B(index, args...)``, a few bytes) and keeps their sources for tracebacks. A
:class:`Registrar` is the ``device.task`` decorator; a function registered on several
devices runs on all of them at once (:func:`everywhere`); ``Device.task`` at class level
marks functions for every instance (:func:`class_marker`). The history entries a definition
or a thread start leaves replay themselves after a reconnect.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from functools import partial, update_wrapper
from typing import TYPE_CHECKING, Any, ClassVar, ParamSpec, TypeVar, overload

from . import _variants as variants
from ._concurrent import Job, Outcome, run_each, settle
from ._source import Source, check_name, function_source
from .exceptions import ConnectionLost, FeatureUnavailableError, PyboardException
from .proxy import board_value
from .text import last_line

if TYPE_CHECKING:
    from .device import Device

P = ParamSpec("P")
R = TypeVar("R")
# Class-level marks are numbered as they are made: autoinit setups run in definition
# order, mixins included.
_MARKS = itertools.count()

# _BW's operations on a generator kept on the board.
NEXT, SEND, THROW = 0, 1, 2


@dataclass(frozen=True)
class Options:
    """What ``@device.task(...)`` and friends were given (Belay's keywords)."""

    minify: bool = True
    register: bool = True
    record: bool = True
    trusted: bool = False  # rebuild non-literal results with eval on the host
    return_time: bool = False  # (value, datetime) from a task
    implementation: str = ""  # only on boards running this (e.g. "circuitpython")
    autoinit: bool = False  # setup: run when the device connects (class form)
    ignore_errors: bool = False  # teardown: errors do not stop close()

    @property
    def flags(self) -> int:
        """The runtime's call flags: 1 any repr, 2 the board's ticks around the call."""
        return (1 if self.trusted else 0) | (2 if self.return_time else 0)


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
        self.teardown_ignores_errors = False
        self._registrars: dict[str, Registrar] = {}

    def registrar(self, kind: str) -> Registrar:
        if kind not in self._registrars:
            self._registrars[kind] = Registrar(self, kind)
        return self._registrars[kind]

    def define(self, src: Source, record: bool = True) -> int:
        # Under the link's lock: two threads defining at once must not share an index.
        with self.device.connection.lock:
            index = self.index.setdefault(src.name, len(self.index))
            code = f"{src.code}_BT[{index}]={src.name}\n_BF('R','None')"
            self.device.call(code.encode(), f"the definition of {src.name}")
            self.sources[src.name] = src
        if record:
            self.device.record(Definition(src))
        return index

    def call_args(self, name: str, args: tuple, kwargs: dict) -> str:
        """The task's index and its arguments (literals, or proxies of board objects): what
        goes inside ``_B(...)``."""
        parts = [str(self.index[name])]
        parts += [board_value(a, f"argument {n + 1} of {name}") for n, a in enumerate(args)]
        parts += [f"{k}={board_value(v, f'argument {k!r} of {name}')}" for k, v in kwargs.items()]
        return ",".join(parts)

    def run(self, name: str, args: tuple, kwargs: dict, options: Options = Options()) -> Any:
        """Call task ``name``; a generator task gives a host generator that steps the
        board's (``send``, ``throw`` and ``close`` reach it too)."""
        what, flags = f"task {name}", options.flags
        if options.return_time:
            self.device.clock.require()
        if flags:
            code = f"_BV({flags},{self.call_args(name, args, kwargs)})"
        else:
            code = f"_B({self.call_args(name, args, kwargs)})"
        result = self.device.call(code.encode(), what, trusted=options.trusted)
        if options.return_time:
            result, when = self.device.stamped(result, what, options.trusted)
            if not isinstance(result, GeneratorHandle):
                return result, when
        if isinstance(result, GeneratorHandle):
            return self._iterate(name, result.key, options)
        return result

    def map(self, fn: Callable, arguments: list[tuple], in_flight: int) -> list[Any]:
        """``Device.map``: the calls of task ``fn`` pipelined where the link allows it."""
        name = self.task_name(fn)
        device, what = self.device, f"task {name}"
        calls = [f"_B,{self.call_args(name, args, {})}" for args in arguments]
        link = device.connection
        depth = in_flight if link.pipelines else 1
        with link.lock:
            try:
                replies = link.pipeline(calls, what, depth)
            except ConnectionLost as e:
                device.recover(e, what)
                replies = link.pipeline(calls, what, depth)
        results, first_error = [], None
        for reply in replies:  # every call has run: now say how each went
            try:
                result = device.decode(reply, what)
            except PyboardException as e:
                first_error = first_error or e
                continue
            if isinstance(result, GeneratorHandle):
                result = self._iterate(name, result.key, Options())
            results.append(result)
        if first_error is not None:
            raise first_error
        return results

    def task_name(self, fn: Callable) -> str:
        """The name under which ``fn`` (a task function, registered on this device or on
        several) is one of this device's tasks; TypeError when it is not."""
        name = getattr(fn, "__name__", "")
        if name in self.index and name in self.registrar("task"):
            return name
        raise TypeError(f"{name or fn!r} is not a task registered on {self.device.port}")

    def _iterate(self, name: str, key: str, options: Options) -> Generator[Any, Any, None]:
        """Step the board's generator ``key``: ``next`` and ``send`` pass through, and what
        ``throw`` raises here is raised in it. Closing this generator (or collecting it)
        closes the board's, at once when the link is free, else with the next exchange."""
        device, what, flags = self.device, f"generator task {name}", options.flags
        op, value, thrown = NEXT, None, None
        while True:
            if op == NEXT and not flags:
                code = f"_Bn({key})"
            else:
                code = f"_BW({flags},{key},{op},{board_value(value, 'the value sent')})"
            try:
                # The generator lives on the board: after a reset it is gone, not resumable.
                result = device.call(code.encode(), what, resend=False, trusted=options.trusted)
            except PyboardException as e:
                if thrown is not None and last_error_name(e) == type(thrown).__name__:
                    raise thrown from None  # not caught on the board: it comes back out
                raise
            if result is STOPPED:
                return
            if options.return_time:
                result = device.stamped(result, what, options.trusted)
            try:
                sent = yield result
            except GeneratorExit:
                device.later(f"_BG.pop({key}).close()")
                raise
            except BaseException as e:  # gen.throw(e): raise it in the board's generator
                op, value, thrown = THROW, (type(e).__name__, _literal_args(e)), e
                continue
            op, value, thrown = (NEXT, None, None) if sent is None else (SEND, sent, None)

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
            f"{k}={board_value(v, f'argument {k!r} of {src.name}')}\n"
            for k, v in bound.arguments.items()
        )
        self.device(assigns + src.body, record=record)

    def attach_class_functions(self) -> list[str]:
        """Register what the class and its mixins marked with ``@Device.task`` etc. For a
        name marked more than once (``implementation=`` overloads), the most derived mark
        for this board's implementation wins, else the most derived one for any. Returns
        the setups marked ``autoinit=True``, in the order they were defined, to run."""
        device = self.device
        board = device.implementation.name if device.implementation else ""
        marks: dict[str, list[Mark]] = {}
        for cls in type(device).__mro__:
            for attr, value in vars(cls).items():
                fn = value.__func__ if isinstance(value, staticmethod) else value
                mark = getattr(fn, "__belay_marker__", None)
                if isinstance(mark, Mark):
                    marks.setdefault(attr, []).extend((mark, *mark.overloads))
        autoinit: list[tuple[int, str]] = []
        for attr, found in marks.items():
            chosen = next((m for m in found if m.options.implementation == board), None)
            chosen = chosen or next((m for m in found if not m.options.implementation), None)
            if chosen is None:
                unavailable = variants.unavailable(attr, found[0].options.implementation, board)
                setattr(device, attr, unavailable)
                continue
            # Registered without autoinit: those run below, in definition order.
            options = replace(chosen.options, autoinit=False)
            setattr(device, attr, self.registrar(chosen.kind).register(chosen.fn, options))
            if chosen.kind == "setup" and chosen.options.autoinit:
                autoinit.append((chosen.order, attr))
        return [attr for _, attr in sorted(autoinit)]


class Registrar:
    """``device.task`` and friends: a decorator, and ``device.task.name`` lookups."""

    def __init__(self, table: TaskTable, kind: str) -> None:
        self._table = table
        self._kind = kind
        self._functions: dict[str, Callable] = {}

    @overload
    def __call__(self, f: Callable[P, R], /, **options: Any) -> Callable[P, R]: ...

    @overload
    def __call__(
        self, f: None = None, /, **options: Any
    ) -> Callable[[Callable[P, R]], Callable[P, R]]: ...

    def __call__(self, f: Callable | None = None, /, **options: Any) -> Any:
        """``@device.task`` or ``@device.task(...)`` with Belay's keywords (:class:`Options`);
        the others say what is wrong."""
        opts = make_options(self._kind, options)
        if f is None:
            return lambda g: self.register(g, opts)
        return self.register(f, opts)

    def register(self, f: Callable, options: Options) -> Callable:
        table = self._table
        base = getattr(f, "__belay_function__", f)
        board = table.device.implementation.name if table.device.implementation else ""
        if self._kind == "thread" and board == "circuitpython":
            raise FeatureUnavailableError("CircuitPython does not support threading.")
        if options.implementation and options.implementation != board:
            # An overload for another board: keep this name's function for this board.
            kept = self._functions.get(base.__name__)
            return kept or variants.unavailable(base.__name__, options.implementation, board)
        src = function_source(base, use_minify=options.minify)
        single: Callable[..., Any]
        if self._kind == "task":
            table.define(src, record=options.record)

            def single(*args: Any, **kwargs: Any) -> Any:
                return table.run(src.name, args, kwargs, options)
        elif self._kind == "thread":
            table.define(src, record=options.record)

            def single(*args: Any, **kwargs: Any) -> Any:
                return table.start_thread(src.name, args, kwargs, record=options.record)
        else:
            check_name(src.name)

            def single(*args: Any, **kwargs: Any) -> Any:
                return table.run_setup(src, args, kwargs, record=options.record)

            if self._kind == "teardown":
                table.teardown = single
                table.teardown_ignores_errors = options.ignore_errors
        update_wrapper(single, base)
        single.__belay_device__ = table.device  # type: ignore[attr-defined]
        if options.register:
            self._functions[src.name] = single
        if self._kind == "setup" and options.autoinit:
            single()  # an instance's autoinit setup runs now: the device is connected
        return _multi(f, single, base)

    def __contains__(self, name: str) -> bool:
        return name in self._functions

    def __getattr__(self, name: str) -> Callable:
        try:
            return self.__dict__["_functions"][name]
        except KeyError:
            raise AttributeError(f"no {self.__dict__['_kind']} named {name!r}") from None


def _multi(previous: Callable, single: Callable, base: Callable) -> Callable:
    """A function registered on several devices runs on all of them (see
    :func:`everywhere`); on one device it is just that device's function."""
    earlier = getattr(previous, "__belay_singles__", None)
    if earlier is None:
        return _tag(single, [single], base)
    return everywhere([*earlier, single], base)


def everywhere(singles: list[Callable], base: Callable) -> Callable:
    """One function for ``base`` registered on several devices (``singles``, each one
    device's, in Belay's order: bottom decorator first).

    Calling it runs it on every device at once and returns the list of results in that
    order; a board's exception is raised as :class:`~engine.FleetError`, naming the board,
    once all have finished. ``fn.outcomes(...)`` returns each board's
    :class:`~engine.Outcome` instead, and never raises for a board's failure.
    """

    def jobs(args: tuple, kwargs: dict) -> list[Job]:
        return [
            Job(device.port, partial(s, *args, **kwargs), device.interrupt)
            for s in singles
            for device in [s.__belay_device__]  # type: ignore[attr-defined]
        ]

    def on_all(*args: Any, **kwargs: Any) -> list[Any]:
        return settle(run_each(jobs(args, kwargs)))

    def outcomes(*args: Any, **kwargs: Any) -> list[Outcome]:
        return settle(run_each(jobs(args, kwargs)), keep_outcomes=True)

    update_wrapper(on_all, base)
    on_all.outcomes = outcomes  # type: ignore[attr-defined]
    return _tag(on_all, singles, base)


def _tag(fn: Callable, singles: list[Callable], base: Callable) -> Callable:
    fn.__belay_singles__ = singles  # type: ignore[attr-defined]
    fn.__belay_function__ = base  # type: ignore[attr-defined]
    return fn


@dataclass(frozen=True)
class Mark:
    """``@Device.task`` and friends at class level: what to register on every instance."""

    kind: str
    fn: Callable
    options: Options
    order: int  # definition order, across classes and mixins
    overloads: tuple[Mark, ...] = ()  # earlier implementation= variants in the same body


def class_marker(kind: str) -> Callable[..., Any]:
    """``Device.task`` etc. at class level: mark a function for every instance (which
    registers it on connecting); the marked function keeps its signature. A setup marked
    ``autoinit=True`` must take no arguments: ValueError at class creation."""

    @overload
    def mark(f: Callable[P, R], /, **options: Any) -> Callable[P, R]: ...

    @overload
    def mark(f: None = None, /, **options: Any) -> Callable[[Callable[P, R]], Callable[P, R]]: ...

    def mark(f: Callable | None = None, /, **options: Any) -> Any:
        opts = make_options(kind, options)
        if f is None:
            return lambda g: mark(g, **options)
        fn = f.__func__ if isinstance(f, staticmethod) else f
        if kind == "setup" and opts.autoinit and inspect.signature(fn).parameters:
            raise ValueError(
                f"setup {fn.__name__} has autoinit=True but takes arguments; autoinit "
                "setups run at connect with none"
            )
        overloads: tuple[Mark, ...] = ()
        if opts.implementation:
            earlier = variants.earlier_binding(fn)
            sibling = getattr(getattr(earlier, "__func__", earlier), "__belay_marker__", None)
            if isinstance(sibling, Mark) and sibling.kind == kind:
                overloads = (sibling, *sibling.overloads)
        fn.__belay_marker__ = Mark(kind, fn, opts, next(_MARKS), overloads)  # type: ignore[attr-defined]
        return staticmethod(fn)

    return mark


_KEYWORDS = {
    "task": {"minify", "register", "record", "trusted", "return_time", "implementation"},
    "thread": {"minify", "register", "record", "implementation"},
    "setup": {"minify", "register", "record", "implementation", "autoinit"},
    "teardown": {"minify", "register", "record", "implementation", "ignore_errors"},
}


def make_options(kind: str, given: dict[str, Any]) -> Options:
    """Belay's keywords for this kind of decorator; any other is a TypeError naming it."""
    wrong = sorted(set(given) - _KEYWORDS[kind])
    if wrong:
        known = ", ".join(sorted(_KEYWORDS[kind]))
        raise TypeError(f"@{kind} takes no keyword {wrong[0]!r} (it takes: {known})")
    options = Options(**given)
    variants.check(options.implementation)
    return options


# Keywords Belay's Device takes in a class statement (``class MyDevice(Device, skip=True)``):
# they configure Belay's class registry (the autoregistry package), which has no
# counterpart here, so they are accepted and change nothing.
REGISTRY_KEYWORDS = frozenset(
    {
        "skip",
        "name",
        "aliases",
        "case_sensitive",
        "suffix",
        "prefix",
        "strip_suffix",
        "strip_prefix",
        "register_self",
        "recursive",
        "snake_case",
        "hyphen",
        "transform",
        "overwrite",
        "redirect",
    }
)


def check_class_keywords(cls: type, keywords: dict[str, Any]) -> None:
    """A class statement's keywords must be Belay's registry keywords: a TypeError names
    any other."""
    unknown = sorted(set(keywords) - REGISTRY_KEYWORDS)
    if unknown:
        raise TypeError(
            f"class {cls.__name__}(Device, ...) takes no keyword {unknown[0]!r}; Belay's "
            f"are {', '.join(sorted(REGISTRY_KEYWORDS))}"
        )


def last_error_name(error: PyboardException) -> str:
    """The exception type a board traceback ends with (``ValueError`` for
    ``ValueError: bad``)."""
    return last_line(error).split(":", 1)[0].strip()


def _literal_args(error: BaseException) -> tuple:
    """An exception's arguments as the board can rebuild them (their text otherwise)."""
    return tuple(
        a if isinstance(a, int | float | str | bytes | bool) else str(a) for a in error.args
    )


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
