"""``Device.sync_dependencies``: the dependency folders shipped inside an installed Python
package, merged and mirrored to the board, as Belay's method of that name does.

A host program published on PyPI can carry its board's libraries (Belay's package manager
with ``dependencies_path`` inside the package, e.g. ``mypackage/dependencies``) and put them
on the board when it connects, with no ``belay-tui install`` step on the user's side.
"""

from __future__ import annotations

import importlib
import importlib.resources
import os
import shutil
import tempfile
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..exceptions import SyncError

if TYPE_CHECKING:
    from ..device import Device
    from ._transfer import SyncResult


def sync_dependencies(
    device: Device,
    package: ModuleType | str,
    *subfolders: str | os.PathLike,
    dst: str = "/lib",
    **sync_options: Any,
) -> SyncResult:
    """Merge ``subfolders`` (paths inside ``package``, e.g. ``"dependencies/main"``; later
    ones win where they share a file) and make the board's ``dst`` mirror the result.
    ``sync_options`` go to :meth:`Device.sync`. The merge is staged in a temporary folder,
    so the sync is not recorded for replay after a reconnect (the files stay on the board)."""
    if not subfolders:
        raise ValueError("sync_dependencies needs at least one subfolder, e.g. 'dependencies/main'")
    if isinstance(package, str):
        try:
            package = importlib.import_module(package)
        except ImportError as e:
            raise SyncError(f"cannot import package {package!r}: {e}") from None
    sync_options.pop("record", None)
    with tempfile.TemporaryDirectory(prefix="belay-dependencies-") as tmp:
        staged = Path(tmp)
        for subfolder in subfolders:
            resource = importlib.resources.files(package).joinpath(str(subfolder))
            with importlib.resources.as_file(resource) as src:
                if not src.is_dir():
                    raise SyncError(f"package {package.__name__} has no folder {subfolder}")
                shutil.copytree(src, staged, dirs_exist_ok=True)
        return device.sync(staged, dst, record=False, **sync_options)
