"""The MicroPython half of sync: a scan that hashes every file under ``dst`` in one command,
and the writer that receives files and puts each in place with a rename.

The code is sent (minified) with each plan and each apply rather than kept on the board,
so it survives soft resets and reconnects without bookkeeping. Names start with ``_BS``
(the engine's reserved ``_B`` prefix). ``_BF`` is the engine's reply framing.
"""

from __future__ import annotations

import functools

from ..minify import minify

TEMP_SUFFIX = ".~belay"  # files being written; a leftover one is removed by the next sync
HASH_HEX = 16  # hex digits of sha256 kept: 64 bits tell a changed file from an unchanged one

# Chunk flags in the raw stream: each chunk of a file is preceded by one of these.
ABORT, STORED, DEFLATED = 0, 1, 2

# _BSh(path, buffer, its memoryview) -> (size, sha256 in hex): a file hashed in buffer-sized
# reads (needs hashlib). Shared with device.fs's sha256.
HASH_FILE = """
def _BSh(p,b,m):
    import hashlib,binascii
    h=hashlib.sha256()
    n=0
    with open(p,'rb') as f:
        while True:
            k=f.readinto(b)
            if not k:
                break
            h.update(m[:k])
            n+=k
    return n,binascii.hexlify(h.digest()).decode()
"""

# _BSs(dst, paths, skip) -> (capabilities, listing). ``paths``: None to walk all of dst, or
# paths relative to dst to look at (a watch's changed files). ``skip``: relative folders to
# list but not enter (kept, and not in the local folder). The listing is one entry per
# folder visited: (relative folder, ((name, size, hash), ...)), size -1 for a folder.
# Capabilities: (dst's kind: None missing, 0 a file, else a folder; deflate; raw stdin;
# hashlib; statvfs[:5] or None; free memory).
_SCAN = """
def _BSs(d,ps,sk):
    import os,sys,gc
    try:
        import hashlib,binascii
    except ImportError:
        hashlib=None
    b=bytearray(1024)
    m=memoryview(b)
    r=[]
    def fp(p):
        return d+p if d.endswith('/') else d+'/'+p if p else d
    def hf(p):
        if not hashlib:
            return os.stat(p)[6],''
        n,x=_BSh(p,b,m)
        return n,x[:{hexes}]
    def st(p):
        try:
            return os.stat(fp(p))[0]&0x4000
        except OSError:
            return None
    def wk(p):
        o=[]
        for e in os.ilistdir(fp(p)):
            q=p+'/'+e[0] if p else e[0]
            if e[1]&0x4000:
                o.append((e[0],-1,''))
                if q not in sk:
                    wk(q)
            else:
                o.append((e[0],)+hf(fp(q)))
        r.append((p,tuple(o)))
    t=st('')
    if not t:
        pass
    elif ps is None:
        wk('')
    else:
        for p in ps:
            k=st(p)
            if k:
                wk(p)
            elif k is not None:
                i=p.rfind('/')
                r.append((p[:i] if i>0 else '',((p[i+1:],)+hf(fp(p)),)))
    try:
        s=tuple(os.statvfs(d if t else '/')[:5])
    except (OSError,AttributeError):
        s=None
    try:
        import deflate
        z=1
    except ImportError:
        z=0
    try:
        import micropython
        w=int(hasattr(micropython,'kbd_intr') and hasattr(sys.stdin,'buffer'))
    except ImportError:
        w=0
    gc.collect()
    c=(t,z,w,int(hashlib is not None),s,gc.mem_free() if hasattr(gc,'mem_free') else 0)
    _BF('R',repr((c,r)))
"""

# The writer. _BSb prepares (removes, makes folders); _BSo/_BSw/_BSc open a temporary file,
# write a chunk, then check the hash and rename; errors are collected per file so one bad
# file never leaves the host and the board out of step. _BSn renames within the file's
# folder by plain names: the unix port's VfsPosix garbles a rename of two absolute paths
# (both share one path buffer), and names relative to the folder work on every port. _BSr
# runs the raw binary stream; the text fallback calls _BSo/_BSw/_BSc one command at a time.
_WRITER = """
import os,sys
_BSS={{}}
def _BSb(rm,rd,md,w,n):
    s=_BSS
    s['e']=[]
    s['w']=w
    s['o']=bytearray(n)
    for f,ps in ((os.remove,rm),(os.rmdir,rd)):
        for p in ps:
            try:
                f(p)
            except OSError as x:
                if x.args[0]!=2:
                    s['e'].append((p,repr(x)))
    for p in md:
        try:
            os.mkdir(p)
        except OSError as x:
            try:
                if not os.stat(p)[0]&0x4000:
                    raise x
            except OSError as y:
                s['e'].append((p,repr(y)))
def _BSo(p,x):
    s=_BSS
    s['p']=p
    s['x']=x
    s['t']=p+'{temp}'
    s['k']=None
    s['f']=None
    try:
        import hashlib
        s['h']=hashlib.sha256()
    except ImportError:
        s['h']=None
    try:
        s['f']=open(s['t'],'wb')
    except Exception as e:
        s['k']=e
def _BSv(b):
    s=_BSS
    s['f'].write(b)
    if s['h']:
        s['h'].update(b)
def _BSw(b,z):
    s=_BSS
    if s['k']:
        return
    try:
        if z:
            import deflate,io
            d=deflate.DeflateIO(io.BytesIO(b),deflate.RAW,s['w'])
            o=s['o']
            m=memoryview(o)
            while True:
                n=d.readinto(o)
                if not n:
                    break
                _BSv(m[:n])
        else:
            _BSv(b)
    except Exception as e:
        s['k']=e
def _BSn(t,p):
    c=os.getcwd()
    i=p.rfind('/')
    os.chdir(p[:i] or '/')
    try:
        try:
            os.rename(t[i+1:],p[i+1:])
        except OSError:
            os.remove(p[i+1:])
            os.rename(t[i+1:],p[i+1:])
    finally:
        os.chdir(c)
def _BSc():
    s=_BSS
    k=s['k']
    p=s['p']
    t=s['t']
    try:
        if s['f']:
            s['f'].close()
        if not k and s['h'] and s['x']:
            import binascii
            if binascii.hexlify(s['h'].digest()[:{half}]).decode()!=s['x']:
                k='the data arrived damaged'
        if not k:
            _BSn(t,p)
    except Exception as e:
        k=e
    if k:
        s['e'].append((p,k if type(k) is str else repr(k)))
        try:
            os.remove(t)
        except OSError:
            pass
def _BSr(fs,a,n):
    import micropython
    i=sys.stdin.buffer
    b=bytearray(n+1)
    m=memoryview(b)
    q=[0]
    def rd(v):
        k=0
        while k<len(v):
            c=min(len(v)-k,a-q[0])
            g=i.readinto(v[k:k+c])
            if g:
                k+=g
                q[0]+=g
                if q[0]==a:
                    q[0]=0
                    sys.stdout.write('\\x01')
    micropython.kbd_intr(-1)
    x=-1
    try:
        _BF('Y','')
        for p,h,cs in fs:
            _BSo(p,h)
            for L in cs:
                rd(m[:1])
                x=b[0]
                if x=={abort}:
                    break
                rd(m[1:L+1])
                _BSw(m[1:L+1],x=={deflated})
            if x=={abort}:
                _BSS['k']='cancelled'
                _BSc()
                break
            _BSc()
    finally:
        micropython.kbd_intr(3)
    _BF('R',repr(_BSS['e']))
"""


@functools.cache
def scan_code() -> bytes:
    return minify(HASH_FILE + _SCAN.format(hexes=HASH_HEX)).encode()


@functools.cache
def writer_code() -> bytes:
    code = _WRITER.format(temp=TEMP_SUFFIX, half=HASH_HEX // 2, abort=ABORT, deflated=DEFLATED)
    return minify(code).encode()
