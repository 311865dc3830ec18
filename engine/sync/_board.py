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
# The scan's hash by the number it reports: what the board had (see _SCAN).
HASHES = {1: "sha256", 2: "crc32", 3: "fnv1a32"}

# Chunk flags in the raw stream: each chunk of a file is preceded by one of these.
ABORT, STORED, DEFLATED = 0, 1, 2

# _BSs(dst, paths, skip) -> (capabilities, listing). ``paths``: None to walk all of dst, or
# paths relative to dst to look at (a watch's changed files). ``skip``: relative folders to
# list but not enter (kept, and not in the local folder). The listing is one entry per
# folder visited: (relative folder, ((name, size, hash), ...)), size -1 for a folder.
# Capabilities: (dst's kind: None missing, 0 a file, else a folder; deflate; raw stdin;
# the hash used (see HASHES); statvfs[:5] or None; free memory; read-only to code, which
# CircuitPython's storage module tells).
#
# Files are hashed with sha256 where the board has hashlib; else with binascii.crc32; else
# with a 32-bit FNV-1a in plain Python (as Belay does), slow but present on every board. So
# an unchanged file is recognised on any firmware and a sync with nothing to do stays one
# round trip.
_SCAN = """
def _BSs(d,ps,sk):
    import os,sys,gc
    try:
        import hashlib,binascii
        a=1
    except ImportError:
        try:
            from binascii import crc32
            a=2
        except ImportError:
            a=3
    b=bytearray(1024)
    m=memoryview(b)
    r=[]
    def fp(p):
        return d+p if d.endswith('/') else d+'/'+p if p else d
    def hf(p):
        h=hashlib.sha256() if a==1 else 0 if a==2 else 0x811c9dc5
        n=0
        with open(p,'rb') as f:
            while True:
                k=f.readinto(b)
                if not k:
                    break
                if a==1:
                    h.update(m[:k])
                elif a==2:
                    h=crc32(m[:k],h)
                else:
                    for i in range(k):
                        h=((h^b[i])*0x01000193)&0xffffffff
                n+=k
        if a==1:
            return n,binascii.hexlify(h.digest()[:{half}]).decode()
        return n,'%08x'%(h&0xffffffff)
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
    try:
        import storage
        o=int(storage.getmount(d if t else '/').readonly)
    except Exception:
        o=0
    c=(t,z,w,a,s,gc.mem_free() if hasattr(gc,'mem_free') else 0,o)
    _BF('R',repr((c,r)))
"""

# The writer. _BSb prepares (removes, makes folders); _BSo/_BSw/_BSc open a temporary file,
# write a chunk, then check the hash (sha256, else crc32, as the scan chose; none when the
# host sends an empty digest) and rename; errors are collected per file so one bad
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
    s['h']=None
    s['c']=None
    if x:
        try:
            import hashlib
            s['h']=hashlib.sha256()
        except ImportError:
            try:
                from binascii import crc32
                s['r']=crc32
                s['c']=0
            except ImportError:
                pass
    try:
        s['f']=open(s['t'],'wb')
    except Exception as e:
        s['k']=e
def _BSv(b):
    s=_BSS
    s['f'].write(b)
    if s['h']:
        s['h'].update(b)
    elif s['c'] is not None:
        s['c']=s['r'](b,s['c'])
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
        if not k and s['h']:
            import binascii
            d=binascii.hexlify(s['h'].digest()[:{half}]).decode()
        elif not k and s['c'] is not None:
            d='%08x'%(s['c']&0xffffffff)
        else:
            d=s['x']
        if d!=s['x']:
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
    return minify(_SCAN.format(half=HASH_HEX // 2)).encode()


@functools.cache
def writer_code() -> bytes:
    code = _WRITER.format(temp=TEMP_SUFFIX, half=HASH_HEX // 2, abort=ABORT, deflated=DEFLATED)
    return minify(code).encode()
