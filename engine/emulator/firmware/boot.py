# Runs inside MicroPython before the REPL starts. The host prepends _ROOT, _PINS_OUT,
# _PINS_IN, _UID, _SHIM_DIR, _FS_SIZE, _FIXED, _MISSING, _CIRCUITPY and _COMPRESS; sys.argv[1]
# says why the board starts ("power-on", "soft", "soft-raw"). Makes the unix port
# look like a board: a filesystem at /, a board's sys.path, a simulated machine module,
# given _FS_SIZE an os module whose statvfs reports a filesystem of that size and, given
# _FIXED, sys and gc modules that report the same firmware and free memory on every
# host. A profile hides the modules in _MISSING from import, (_COMPRESS) gives deflate's
# DeflateIO the write side firmware built with compression has, or (_CIRCUITPY) plays
# CircuitPython.
def _belay_boot():
    import builtins
    import os
    import sys

    import vfs

    # `machine` is a built-in module, so the shim is imported under its own name and then
    # registered in sys.modules, which `import machine` consults first.
    sys.path.insert(0, _SHIM_DIR)
    import _belay_machine as shim

    if _FS_SIZE:
        import _belay_os

        _belay_os._SIZE = _FS_SIZE
        sys.modules["os"] = _belay_os
        del sys.modules["_belay_os"]
    if _FIXED:
        import _belay_gc
        import _belay_sys

        sys.modules["gc"] = _belay_gc
        sys.modules["sys"] = _belay_sys
        del sys.modules["_belay_gc"], sys.modules["_belay_sys"]
    if _COMPRESS:
        import _belay_deflate

        sys.modules["deflate"] = _belay_deflate
        del sys.modules["_belay_deflate"]
    shim._PINS_OUT = open(_PINS_OUT, "ab")
    # After the mount, plain open() sees only the board's root: host files are reached
    # through a VFS object of their own.
    shim._HOST = vfs.VfsPosix(_SHIM_DIR)
    shim._PINS_IN = _PINS_IN
    shim._UID = _UID
    kind = sys.argv[1] if len(sys.argv) > 1 else "power-on"
    cp = None
    if _CIRCUITPY:
        import _belay_circuitpython as cp

        cp.install(shim, shim._HOST, _ROOT)
        cp._mount()
        del sys.modules["_belay_circuitpython"]
    else:
        sys.modules["machine"] = shim
        vfs.mount(vfs.VfsPosix(_ROOT), "/")
        os.chdir("/")
    sys.path.pop(0)
    sys.path[:] = ["", "/lib", ".frozen"]
    del sys.modules["_belay_machine"]
    if _MISSING:
        real = builtins.__import__
        missing = _MISSING

        def _import(name, *args):
            if name.split(".")[0] in missing:
                raise ImportError("no module named '%s'" % name)
            return real(name, *args)

        builtins.__import__ = _import
    return cp, kind


_belay_cp, _belay_kind = _belay_boot()
del _belay_boot, _ROOT, _PINS_OUT, _PINS_IN, _UID, _SHIM_DIR, _FS_SIZE, _FIXED, _MISSING
del _CIRCUITPY, _COMPRESS
if _belay_cp:
    _belay_cp.start(_belay_kind)
del _belay_cp, _belay_kind
