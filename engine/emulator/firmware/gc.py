# The virtual board's `gc` when VirtualBoard(fixed_figures=True) is used (MicroPython code):
# the unix port's own gc, but mem_free() and mem_alloc() report fixed figures (a 2 MiB heap,
# 1.9 MB of it free) that do not change with the host, the wheel or what ran before.
import gc as _native

for _k in dir(_native):
    if not _k.startswith("__"):
        globals()[_k] = getattr(_native, _k)


def mem_free():
    return 1_990_000


def mem_alloc():
    return 2 * 1024 * 1024 - 1_990_000
