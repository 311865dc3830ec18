"""The package manager's errors: each message is one line that names what to fix."""

from __future__ import annotations

import re
import tomllib

from ..exceptions import BelayException

_WHERE = re.compile(r"^(.*) \(at (.+)\)$")


class ConfigError(BelayException, ValueError):
    """``pyproject.toml`` cannot be used: malformed TOML (with line and column), an unknown
    key or a value of the wrong type (naming the key), or a dependency that cannot be placed."""


class DependencyError(BelayException):
    """A dependency could not be fetched or placed. The message names the dependency and the
    URL; ``failures`` holds every failed ``(group, name, message)`` of one ``update``."""

    def __init__(self, message: str, failures: list[tuple[str, str, str]] | None = None) -> None:
        super().__init__(message)
        self.failures = failures or []


class IntegrityError(DependencyError):
    """Bytes that do not match what was promised: an index hash, or the lock at install."""


def toml_problem(error: tomllib.TOMLDecodeError) -> str:
    """``at line 3, column 21: Invalid value`` from tomllib's ``Invalid value (at line 3,
    column 21)``: where first, as the rest of our messages put it."""
    found = _WHERE.match(str(error))
    return f"at {found[2]}: {found[1]}" if found else str(error)
