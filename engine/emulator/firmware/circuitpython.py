# The virtual board's CircuitPython face (MicroPython code), installed by boot.py for the
# circuitpython profile: CircuitPython's sys.implementation, the modules its boards have in
# place of `machine` (board, digitalio, analogio, storage, microcontroller, supervisor),
# a filesystem read-only to code until boot.py remounts it, and what CircuitPython does at
# start-up: boot.py at power-on, then code.py, then "Press any key to enter the REPL".
# Pins are the machine shim's, so the host sees them change as on the MicroPython profile.
import sys
import time

import micropython

_TIME = ("sleep", "time", "localtime", "mktime", "time_ns")

_machine = None  # the machine shim (set by install)
_HOST = None  # a VFS on the board's state folder, for the remount flag
_RW_FLAG = "/cp-rw"
_booting = [False]


def _module(name, attrs):
    """A new module holding ``attrs``. MicroPython cannot call the module type, so an empty
    file is imported afresh each time (boot.py's folder is still on sys.path)."""
    m = __import__("_belay_empty")
    del sys.modules["_belay_empty"]
    m.__name__ = name
    for k, v in attrs.items():
        setattr(m, k, v)
    return m


# -- sys ---------------------------------------------------------------------------------


class _Implementation:
    name = "circuitpython"
    version = (9, 2, 1)
    _machine = "Raspberry Pi Pico with rp2040"

    def __init__(self, mpy):
        self._mpy = mpy

    def __repr__(self):
        return "(name='circuitpython', version=(9, 2, 1, ''), _machine=%r, _mpy=%d)" % (
            self._machine,
            self._mpy,
        )


# -- board, microcontroller --------------------------------------------------------------


class Pin:
    def __init__(self, n):
        self.id = n

    def __repr__(self):
        return "board.GP%d" % self.id


def _board_pins():
    pins = {}
    for n in range(29):
        pins["GP%d" % n] = Pin(n)
    pins["LED"] = pins["GP25"]
    for i in range(3):
        pins["A%d" % i] = pins["GP%d" % (26 + i)]
    pins["board_id"] = "raspberry_pi_pico"
    return pins


# -- digitalio ---------------------------------------------------------------------------


class Direction:
    INPUT = 0
    OUTPUT = 1


class Pull:
    UP = 1
    DOWN = 2


class DriveMode:
    PUSH_PULL = 0
    OPEN_DRAIN = 1


class DigitalInOut:
    def __init__(self, pin):
        self._pin = _machine.Pin(pin.id, _machine.Pin.IN)
        self._direction = Direction.INPUT

    def deinit(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.deinit()

    def switch_to_output(self, value=False, drive_mode=DriveMode.PUSH_PULL):
        self.direction = Direction.OUTPUT
        self.value = value

    def switch_to_input(self, pull=None):
        self.direction = Direction.INPUT
        self.pull = pull

    @property
    def direction(self):
        return self._direction

    @direction.setter
    def direction(self, d):
        self._direction = d
        self._pin.init(_machine.Pin.OUT if d == Direction.OUTPUT else _machine.Pin.IN)

    @property
    def value(self):
        return bool(self._pin.value())

    @value.setter
    def value(self, v):
        if self._direction != Direction.OUTPUT:
            raise AttributeError("Cannot set value when direction is input.")
        self._pin.value(1 if v else 0)

    @property
    def pull(self):
        return self._pin.pull()

    @pull.setter
    def pull(self, p):
        self._pin.init(pull=p if p is not None else -1)


# -- analogio ----------------------------------------------------------------------------


class AnalogIn:
    def __init__(self, pin):
        self._adc = _machine.ADC(pin.id)

    @property
    def value(self):
        return self._adc.read_u16()

    reference_voltage = 3.3

    def deinit(self):
        pass


# -- storage -----------------------------------------------------------------------------


def remount(mount_path, readonly=False, *, disable_concurrent_write_protection=False):
    """CircuitPython lets only boot.py change who may write the filesystem (the USB drive
    or code); the choice holds until the next power-on."""
    if not _booting[0]:
        raise RuntimeError("Cannot remount '%s' when visible via USB." % mount_path)
    if readonly:
        _HOST.remove(_RW_FLAG) if _rw() else None
    else:
        with _HOST.open(_RW_FLAG, "w") as f:
            f.write("rw")
    _mount()


class _Mount:
    @property
    def readonly(self):
        return not _rw()


def getmount(mount_path):
    return _Mount()


def _rw():
    try:
        _HOST.stat(_RW_FLAG)
        return True
    except OSError:
        return False


_ROOT = None


def _mount():
    import os

    import vfs

    try:
        vfs.umount("/")
    except OSError:
        pass
    vfs.mount(vfs.VfsPosix(_ROOT), "/", readonly=not _rw())
    os.chdir("/")


# -- install and start-up ----------------------------------------------------------------


def install(machine, host, root):
    """Put CircuitPython's modules and sys in place (boot.py then mounts with :func:`_mount`)."""
    global _machine, _HOST, _ROOT
    _machine, _HOST, _ROOT = machine, host, root
    modules = {
        "board": _board_pins(),
        "microcontroller": {
            "Pin": Pin,
            "reset": machine.reset,
            "cpu": None,
        },
        "digitalio": {
            "DigitalInOut": DigitalInOut,
            "Direction": Direction,
            "Pull": Pull,
            "DriveMode": DriveMode,
        },
        "analogio": {"AnalogIn": AnalogIn},
        "storage": {"remount": remount, "getmount": getmount},
        # CircuitPython's time has no sleep_ms or ticks_*: code written for MicroPython
        # meets the AttributeError it would meet on the board.
        "time": dict(
            {k: getattr(time, k) for k in _TIME if hasattr(time, k)},
            monotonic=lambda: time.time_ns() / 1e9,
            monotonic_ns=time.time_ns,
        ),
        "supervisor": {"reload": machine.soft_reset},
    }
    for name, attrs in modules.items():
        sys.modules[name] = _module(name, attrs)
    shim = _module("sys", {k: getattr(sys, k) for k in dir(sys) if not k.startswith("__")})
    shim.platform = "RP2040"
    shim.implementation = _Implementation(getattr(sys.implementation, "_mpy", 0))
    sys.modules["sys"] = shim


def _run_file(path):
    try:
        with open(path) as f:
            source = f.read()
    except OSError:
        return False
    try:
        exec(source, {"__name__": "__main__"})
    except BaseException as e:  # noqa: BLE001 - CircuitPython reports and goes on
        sys.print_exception(e)
    return True


def start(kind):
    """What CircuitPython does after a reset of ``kind`` ("power-on", "soft" at the friendly
    prompt, "soft-raw" in the raw REPL, which goes straight back to it)."""
    if kind == "soft-raw":
        return
    w = sys.stdout.write
    try:
        if kind == "power-on":
            if _rw():
                _HOST.remove(_RW_FLAG)
                _mount()
            _booting[0] = True
            try:
                _run_file("/boot.py")
            finally:
                _booting[0] = False
        w("Auto-reload is on. Simply save files over USB to run them or enter REPL to disable.\r\n")
        try:
            open("/code.py").close()
            w("code.py output:\r\n")
            _run_file("/code.py")
        except OSError:
            pass
        w("\r\nCode done running.\r\n\r\nPress any key to enter the REPL. Use CTRL-D to reload.\r\n")
        # Ctrl-C is a key like any other here, and stays a plain byte until the REPL runs
        # code: a SIGINT landing between this script and the REPL would kill the unix port.
        micropython.kbd_intr(-1)
        sys.stdin.buffer.read(1)
    except KeyboardInterrupt:
        pass
    w("\r\n")
