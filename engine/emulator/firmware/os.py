# The virtual board's `os` when VirtualBoard(fs_size=N) is used (MicroPython code): the
# unix port's own os, with statvfs reporting a filesystem of _SIZE bytes in 4 KiB blocks of
# which the files under / use their size rounded up to whole blocks (a folder uses one).
import os as _native

for _k in dir(_native):
    if not _k.startswith("__"):
        globals()[_k] = getattr(_native, _k)

_SIZE = 0
_BLOCK = 4096


def _blocks(path):
    n = 0
    for entry in _native.ilistdir(path):
        full = path.rstrip("/") + "/" + entry[0]
        if entry[1] & 0x4000:
            n += 1 + _blocks(full)
        else:
            n += (_native.stat(full)[6] + _BLOCK - 1) // _BLOCK
    return n


def statvfs(path):
    total = _SIZE // _BLOCK
    free = max(0, total - _blocks("/"))
    return (_BLOCK, _BLOCK, total, free, free, 0, 0, 0, 0, 255)
