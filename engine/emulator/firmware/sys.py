# The virtual board's `sys` when VirtualBoard(fixed_figures=True) is used (MicroPython code):
# the unix port's own sys, but reporting a fixed firmware (MicroPython 1.29.0 on "linux", no
# native architecture) so that what tools show does not depend on the host or the wheel.
import sys as _native

for _k in dir(_native):
    if not _k.startswith("__"):
        globals()[_k] = getattr(_native, _k)


class _Implementation:
    name = "micropython"
    version = (1, 29, 0, "")
    _machine = "virtual board with fixed figures"
    # The native .mpy version and sub-version, with the architecture bits cleared.
    _mpy = getattr(_native.implementation, "_mpy", 0) & 0x3FF
    _build = "fixed"

    def __repr__(self):
        return "(name='micropython', version=(1, 29, 0, ''), _mpy=%d)" % self._mpy


implementation = _Implementation()
platform = "linux"
