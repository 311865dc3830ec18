"""belay-tui's engine: drive a MicroPython board from Python. Headless; no UI imports.

``import engine as belay`` runs code written for Belay.
"""

from ._concurrent import Outcome
from ._implementation import Implementation
from .complete import Completion, complete
from .connection import Connection, LinkStats
from .device import Device, DeviceMeta
from .emulator import VirtualBoard
from .events import EventBus
from .exceptions import (
    AuthenticationError,
    BelayException,
    BoardFileError,
    ConnectionFailedError,
    ConnectionLost,
    DeviceNotFoundError,
    DeviceTimeoutError,
    FeatureUnavailableError,
    FleetError,
    InsufficientSpecifierError,
    InternalError,
    MaxHistoryLengthError,
    NonLiteralError,
    NotBelayResponseError,
    PortBusyError,
    PyboardError,
    PyboardException,
    SpecialFunctionNameError,
    SyncError,
)
from .fleet import Fleet
from .link import Link
from .minify import minify
from .packages import (
    ConfigError,
    DependencyError,
    IntegrityError,
    add_dependency,
    clean,
    dependency_status,
    install,
    load_project,
    new_project,
    update,
)
from .paste import run_pasted
from .proxy import ProxyObject
from .sync import SyncEntry, SyncOptions, SyncPlan, SyncResult
from .transport._ports import PortInfo, UsbSpecifier, attached_boards, pick_board
from .transport._ports import list_ports as list_devices

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "BelayException",
    "BoardFileError",
    "Completion",
    "ConfigError",
    "Connection",
    "ConnectionFailedError",
    "ConnectionLost",
    "DependencyError",
    "Device",
    "DeviceMeta",
    "DeviceNotFoundError",
    "InsufficientSpecifierError",
    "DeviceTimeoutError",
    "EventBus",
    "FeatureUnavailableError",
    "Fleet",
    "FleetError",
    "Implementation",
    "IntegrityError",
    "InternalError",
    "Link",
    "LinkStats",
    "MaxHistoryLengthError",
    "NonLiteralError",
    "NotBelayResponseError",
    "Outcome",
    "PyboardError",
    "PortBusyError",
    "PortInfo",
    "UsbSpecifier",
    "PyboardException",
    "ProxyObject",
    "SpecialFunctionNameError",
    "SyncEntry",
    "SyncError",
    "SyncOptions",
    "SyncPlan",
    "SyncResult",
    "VirtualBoard",
    "add_dependency",
    "attached_boards",
    "clean",
    "complete",
    "dependency_status",
    "install",
    "list_devices",
    "pick_board",
    "load_project",
    "minify",
    "new_project",
    "run_pasted",
    "update",
]
