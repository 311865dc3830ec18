"""The package manager: ``[tool.belay]`` dependencies fetched into ``.belay/dependencies``,
locked in ``.belay/lock.toml``, and installed on a board.

Every function takes the project as a :class:`Project`, a path at or below its
``pyproject.toml``, or ``None`` for the current folder, and reports each dependency's steps as
:class:`~engine.events.DependencyStatus` events on the ``events`` bus it is given.
"""

from ._config import ConfigWarning, Dependency, Group, Project, Source, load_project
from ._edit import add_dependency
from ._errors import ConfigError, DependencyError, IntegrityError
from ._install import install
from ._new import new_project
from ._update import UpdateResult, clean, update
from ._verify import DependencyInfo, dependency_status

__all__ = [
    "ConfigError",
    "ConfigWarning",
    "Dependency",
    "DependencyError",
    "DependencyInfo",
    "Group",
    "IntegrityError",
    "Project",
    "Source",
    "UpdateResult",
    "add_dependency",
    "clean",
    "dependency_status",
    "install",
    "load_project",
    "new_project",
    "update",
]
