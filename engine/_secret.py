"""A password that stays out of reprs, logs and tracebacks."""

from __future__ import annotations


class Secret:
    """Holds a secret string. ``str``, ``repr`` and f-strings show a mask, so the value
    cannot leak through an f-string, a log line or a traceback that shows locals; only
    :meth:`reveal` gives it, at the one place it is sent."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    @classmethod
    def wrap(cls, value: str | Secret | None) -> Secret | None:
        return value if value is None or isinstance(value, Secret) else cls(value)

    def reveal(self) -> str:
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__
