"""The MicroPython half of ``device.fs``: one small function per operation, sent (minified)
with each request, so nothing has to stay installed across resets, and a listing costs no
more code on the wire than it needs.

Names start with ``_BK`` (the engine's reserved ``_B`` prefix); ``_BF``/``_BE`` are the
engine's reply framing. Errors are left to propagate as ``OSError`` with the board's errno:
the host turns them into one-line :class:`~engine.BoardFileError` messages.
"""

from __future__ import annotations

import functools

from ..minify import minify

# Frame kinds of the reader's stream (board -> host): kind, 4-byte little-endian length,
# payload. LISTING comes first: repr of ((path, size), ...), size -1 for a folder.
END, STORED, DEFLATED, FILE_END, LISTING = 0, 1, 2, 3, 4
WINDOW = 4  # frames the board may send ahead of the host's acknowledgements
ABORT = 0  # the host's acknowledgement byte asking the board to stop (else 1)

# (name, size) of each entry of a folder, size -1 for a folder.
_LIST = """
def _BKl(p):
    import os
    r=[]
    for e in os.ilistdir(p):
        q=p.rstrip('/')+'/'+e[0]
        r.append((e[0],-1 if e[1]&0x4000 else e[3] if len(e)>3 and e[3]>=0 else os.stat(q)[6]))
    _BF('R',repr(r))
"""

# (path, size) of everything under p (_BKw) or of each of ps and what is under it (_BKa),
# size -1 for a folder.
_WALK = """
def _BKw(p,r):
    import os
    for e in os.ilistdir(p):
        q=p.rstrip('/')+'/'+e[0]
        if e[1]&0x4000:
            r.append((q,-1))
            _BKw(q,r)
        else:
            r.append((q,e[3] if len(e)>3 and e[3]>=0 else os.stat(q)[6]))
    return r
def _BKa(ps):
    import os
    r=[]
    for p in ps:
        s=os.stat(p)
        if s[0]&0x4000:
            r.append((p,-1))
            _BKw(p,r)
        else:
            r.append((p,s[6]))
    return r
"""

_STAT = """
def _BKs(p):
    import os
    s=os.stat(p)
    _BF('R',repr(-1 if s[0]&0x4000 else s[6]))
"""

_TREE = """
def _BKt(ps):
    _BF('R',repr(_BKa(ps)))
"""

_HASH = """
def _BKh(p):
    import hashlib,binascii
    h=hashlib.sha256()
    b=bytearray(1024)
    m=memoryview(b)
    with open(p,'rb') as f:
        while True:
            k=f.readinto(b)
            if not k:
                break
            h.update(m[:k])
    _BF('R',repr(binascii.hexlify(h.digest()).decode()))
"""

_DF = """
def _BKd(p):
    import os
    s=os.statvfs(p)
    b=s[1] or s[0]
    _BF('R',repr((s[2]*b,(s[2]-s[3])*b,s[4]*b)))
"""

# Make a folder; with a, its parents too (an existing folder is fine then).
_MKDIR = """
def _BKm(p,a):
    import os
    q=''
    for n in p.strip('/').split('/') if a else [p]:
        q=q+'/'+n if a else n
        try:
            os.mkdir(q)
        except OSError as x:
            if not a or not os.stat(q)[0]&0x4000:
                raise x
    _BF('R','None')
"""

# Remove a file, or with a (recursive) a folder and all it holds. A folder without a is
# refused with EISDIR, as rm does.
_REMOVE = """
def _BKr(p,a):
    import os
    if os.stat(p)[0]&0x4000:
        if not a:
            raise OSError(21)
        for q,s in reversed(_BKw(p,[])):
            (os.rmdir if s<0 else os.remove)(q)
        os.rmdir(p)
    else:
        os.remove(p)
    _BF('R','None')
"""

# Rename relative to /: the unix port's VfsPosix garbles a rename of two absolute paths.
_RENAME = """
def _BKn(a,b):
    import os
    c=os.getcwd()
    os.chdir('/')
    try:
        os.rename(a.lstrip('/'),b.lstrip('/'))
    finally:
        os.chdir(c)
    _BF('R','None')
"""

# The reader: the listing of ps (files, and folders walked unless t is 0: then a folder is
# refused with EISDIR), then every file's bytes. It says which way they come (Y1: raw, Y0:
# base64), as a board without kbd_intr or binary stdio falls back to base64. raw:
# binary frames on sys.stdout.buffer, paced by one acknowledgement byte per frame read from
# sys.stdin.buffer with the interrupt character off; else base64 lines of the same frames.
# Chunks are deflated where the board can compress (DeflateIO.write) and it pays; the first
# that does not stops the trying for that file. Each file ends with its sha256.
_READ = """
def _BKg(ps,raw,window,abort,t):
    import os,sys,gc,binascii
    try:
        import hashlib
    except ImportError:
        hashlib=None
    try:
        import deflate,io
        z=hasattr(deflate.DeflateIO,'write')
    except ImportError:
        z=0
    r=_BKa(ps)
    if not t and r[0][1]<0:
        raise OSError(21)
    gc.collect()
    n=4096 if getattr(gc,'mem_free',int)()>65536 else 1024
    b=bytearray(n)
    m=memoryview(b)
    c=[0,0,0]
    if raw:
        try:
            import micropython
            i=sys.stdin.buffer
            o=sys.stdout.buffer
            micropython.kbd_intr(-1)
        except (ImportError,AttributeError):
            raw=0
    def ack():
        if i.read(1)[0]=={abort}:
            c[2]=1
        c[1]+=1
    def w(k,d):
        h=bytes((k,))+len(d).to_bytes(4,'little')
        if raw:
            while c[0]-c[1]>=window:
                ack()
            o.write(h)
            o.write(d)
            c[0]+=1
        else:
            sys.stdout.write(binascii.b2a_base64(h+bytes(d)).decode())
    try:
        sys.stdout.write(_BN+'Y%d:'%raw)
        w({listing},repr(r).encode())
        for p,s in r:
            if s<0 or c[2]:
                continue
            h=hashlib.sha256() if hashlib else None
            y=z
            with open(p,'rb') as f:
                while not c[2]:
                    k=f.readinto(b)
                    if not k:
                        break
                    if h:
                        h.update(m[:k])
                    if y:
                        q=io.BytesIO()
                        d=deflate.DeflateIO(q,deflate.RAW,10)
                        d.write(m[:k])
                        d.close()
                        q=q.getvalue()
                        if len(q)<k-16:
                            w({deflated},q)
                            continue
                        y=0
                    w({stored},m[:k])
            w({file_end},binascii.hexlify(h.digest()) if h else b'')
        w({end},b'')
        while c[1]<c[0]-1:
            ack()
    finally:
        if raw:
            micropython.kbd_intr(3)
    _BF('R',repr(c[2]))
"""


def _code(*parts: str, **values: int) -> bytes:
    return minify("".join(parts).format(**values) if values else "".join(parts)).encode()


@functools.cache
def op_code(name: str) -> bytes:
    """The definition a request of kind ``name`` needs before its call."""
    parts = {
        "list": (_LIST,),
        "stat": (_STAT,),
        "tree": (_WALK, _TREE),
        "hash": (_HASH,),
        "df": (_DF,),
        "mkdir": (_MKDIR,),
        "remove": (_WALK, _REMOVE),
        "rename": (_RENAME,),
    }[name]
    return _code(*parts)


@functools.cache
def reader_code() -> bytes:
    kinds = {"end": END, "stored": STORED, "deflated": DEFLATED}
    kinds |= {"file_end": FILE_END, "listing": LISTING, "abort": ABORT}
    return _code(_WALK) + _code(_READ, **kinds)


def guarded(call: str) -> bytes:
    """``call`` with any exception it raises sent back as the reply."""
    return f"try:\n {call}\nexcept Exception as e:\n _BE(e)\n".encode()
