"""Code the engine installs on the board once per connection.

Names are short because every task call sends one (``_B(3,5)`` is the whole request).
They are reserved: a task may not be called ``_B`` or ``_BX`` (see ``RESERVED``).

A result that is a literal (numbers, strings, bytes, None, booleans and containers of them)
comes back as its ``repr``; any other object stays on the board in ``_BP`` and comes back as
its key and a short description, for the host to wrap in a proxy. ``_BP`` outlives a
reconnect to a board that kept its state. Flags on ``_BV``/``_BW``/``_BX``: 1 trusts the
result's ``repr`` whatever it is, 2 adds the board's ``ticks_ms`` before and after the call.
Generators kept on the board take ``next``, ``send`` and ``throw`` (``_BW``); the host
closes one with ``_BG.pop(key).close()``.

A ``SystemExit`` escaping user code (``machine.soft_reset()``, ``sys.exit()``) is not an
error reply: ``_BE`` frames ``X`` (the code reset the board) and raises it on, so the raw
REPL ends the way MicroPython ends it (a soft reboot on 1.24 and later), not our runtime.
"""

from __future__ import annotations

import re

from .minify import minify

# {token} is the per-connection reply marker; see codec.new_token. {session} is the id of
# this runtime's session: a reconnect that finds it knows the board kept its state. _BC is
# the board's record of its replies: how many it framed, and the last one (kind, payload),
# which a reconnect fetches when the reply to the call in flight was lost on the way.
_PRELUDE = """
import sys
_BN={token!r}
_BI={session!r}
_BC=[0,'','']
_BT={{}}
_BG={{}}
_BGc=[0]
_BGT=type((lambda:(yield))())
def _BF(k,v):
    _BC[0]+=1
    _BC[1]=k
    _BC[2]=v
    sys.stdout.write(_BN+k+str(len(v))+':'+v)
def _BE(e):
    if isinstance(e,SystemExit):
        _BF('X','')
        raise e
    import io
    s=io.StringIO()
    sys.print_exception(e,s)
    _BF('E',s.getvalue())
def _BL(v,d=0):
    t=type(v)
    if t in _BPI:
        return 1
    if d>8 or t not in (list,tuple,set,dict):
        return 0
    if t is dict:
        return all(_BL(k,d+1) and _BL(x,d+1) for k,x in v.items())
    return all(_BL(x,d+1) for x in v)
def _BK(r,u=0):
    if type(r) is _BGT:
        _BGc[0]+=1
        _BG[_BGc[0]]=r
        if len(_BG)>8:
            del _BG[min(_BG)]
        return 'G',str(_BGc[0])
    if u or _BL(r):
        return 'R',repr(r)
    return _BS(r)
def _BS(r):
    _BPc[0]+=1
    _BP[_BPc[0]]=r
    s=repr(r)
    return 'P',str(_BPc[0])+':'+(s if len(s)<80 else s[:77]+'...')
def _BR(r,u=0):
    _BF(*_BK(r,u))
def _BO(f,g,c,*a,**k):
    try:
        t=_Btk() if f&2 else 0
        r=c(*a,**k)
        if f&2:
            _BF('R',repr((t,_Btk())+_BK(r,f&1)))
        else:
            _BR(r,f&1)
    except StopIteration as e:
        if g:
            _BG.pop(g,0)
            _BF('S','')
        else:
            _BE(e)
    except BaseException as e:
        _BG.pop(g,0)
        _BE(e)
def _B(i,*a,**k):
    try:
        _BR(_BT[i](*a,**k))
    except BaseException as e:
        _BE(e)
def _BV(f,i,*a,**k):
    _BO(f,0,_BT[i],*a,**k)
def _Bn(g):
    try:
        _BR(next(_BG[g]))
    except StopIteration:
        _BG.pop(g,0)
        _BF('S','')
    except BaseException as e:
        _BG.pop(g,0)
        _BE(e)
def _BW(f,g,m=0,v=None):
    x=_BG.get(g)
    if x is None:
        _BE(KeyError('generator gone'))
    elif m==2:
        e=getattr(__import__('builtins'),v[0],None)
        e=e(*v[1]) if type(e) is type and issubclass(e,BaseException) else Exception(*v[1])
        _BO(f,g,x.throw,e)
    elif m:
        _BO(f,g,x.send,v)
    else:
        _BO(f,g,next,x)
def _Bt(i,*a,**k):
    try:
        import _thread
        _thread.start_new_thread(_BT[i],a,k)
        _BF('R','None')
    except BaseException as e:
        _BE(e)
_BP=globals().get('_BP',{{}})
_BPc=globals().get('_BPc',[0])
_BPI=(int,float,str,bytes,bool,type(None))
def _BPx(c,x):
    try:
        g=globals()
        if c:
            exec(c,g)
        r=eval(x,g)
        _BF(*(('R',repr(r)) if isinstance(r,_BPI) else _BS(r)))
    except BaseException as e:
        _BE(e)
_Btk=getattr(__import__('time'),'ticks_ms',int)
def _Bk():
    t=getattr(__import__('time'),'ticks_ms',None)
    _BF('R',str(t()) if t else 'None')
_Bb=_Btk()
def _Bq():
    import gc
    gc.collect()  # what is free, not what garbage happens to hold (steady figures)
    try:
        import os
        s=os.statvfs('/')
        f=s[1]*s[4]
    except Exception:
        f=-1
    try:
        import time
        u=time.ticks_diff(time.ticks_ms(),_Bb)
    except Exception:
        u=-1
    _BF('R',repr((gc.mem_free(),gc.mem_alloc(),f,u)))
def _BQ(s,f,*a,**k):
    global _BN
    n=_BN
    _BN=n+s
    try:
        f(*a,**k)
    finally:
        _BN=n
def _BX(c,x=None,f=0):
    try:
        g=globals()
        if c:
            exec(c,g)
    except BaseException as e:
        _BE(e)
        return
    if x:
        _BO(f,0,eval,x,g)
    else:
        _BF('R','None')
"""

# Belay's convenience imports, each guarded so a board without (say) machine.ADC connects.
# CircuitPython has no machine: its boards get board, digitalio and analogio instead.
_IMPORTS = """
_c=sys.implementation.name=='circuitpython'
_i=('board','digitalio','analogio') if _c else ('machine',)
for _n in ('binascii','errno','hashlib','os','time')+_i:
    try:
        globals()[_n]=__import__(_n)
    except ImportError:
        pass
_a=(('digitalio',('DigitalInOut','Direction','Pull')),('analogio',('AnalogIn',)))
if not _c:
    _a=(('machine',('ADC','I2C','Pin','PWM','SPI','Timer')),)
for _m,_ns in _a:
    for _n in _ns:
        try:
            globals()[_n]=getattr(globals()[_m],_n)
        except (KeyError,AttributeError):
            pass
try:
    from time import sleep
except ImportError:
    pass
try:
    from micropython import const
except ImportError:
    pass
del _a,_c,_i,_m,_n,_ns
"""

_IMPLEMENTATION = """
def _Bi():
    i=sys.implementation
    m=getattr(i,'_mpy',0)
    e=[]
    for d in ('native','viper'):
        try:
            exec('@micropython.%s\\ndef _Bz():pass' % d)
            e.append(d)
        except Exception:
            pass
    _BF('R',repr((i.name,tuple(i.version[:3]),sys.platform,m,e)))
_Bi()
del _Bi
"""

# Sent with each completion of a module's name (``import ma`` Tab), not kept in the runtime:
# most sessions never ask. _BM(path, prefix, inside): the names that start with ``prefix``
# under the package at ``path`` (a list; empty for the top level): modules and packages on
# the filesystem along sys.path and those already loaded; with ``inside``, also the names in
# that module when it is loaded. It prints help('modules'), the firmware's built-in and
# frozen modules, for the host to read. Nothing is imported: ``uos`` is the firmware's own
# module, where ``import os`` would load an ``os.py`` found first on sys.path.
MODULE_LISTING = """
def _BM(p,q,i):
    s=__import__('sys')
    try:
        o=__import__('uos')
    except ImportError:
        o=__import__('os')
    n=set()
    for d in s.path:
        d='/'.join(([d] if d else [])+p)
        try:
            for e in o.ilistdir(d) if d else o.ilistdir():
                f=e[0]
                if e[1]&0x4000:
                    n.add(f)
                elif f[-3:]=='.py':
                    n.add(f[:-3])
                elif f[-4:]=='.mpy':
                    n.add(f[:-4])
        except Exception:
            pass
    m='.'.join(p)
    h=m+'.' if m else ''
    for k in s.modules:
        if k.startswith(h):
            n.add(k[len(h):].split('.')[0])
    if i:
        x=s.modules.get(m) or (globals().get(m) if len(p)==1 else None)
        if type(x) is type(s):
            n.update(dir(x))
    try:
        help('modules')
    except Exception:
        pass
    return [k for k in n if k.startswith(q)]
"""

# Every global the runtime defines: no task may take one of these names.
RESERVED = frozenset(
    re.findall(r"^(?:def |)(_B\w*)", _PRELUDE + _IMPLEMENTATION + MODULE_LISTING, re.M)
) | {"_Bz"}


def prelude(token: str, session: str, imports: bool = True) -> str:
    """The runtime, plus Belay's convenience imports unless a ``startup`` replaces them.
    ``session`` is the id that tells a reconnect the board kept this runtime."""
    return minify(_PRELUDE.format(token=token, session=session) + (_IMPORTS if imports else ""))


def session_query(marker: str) -> str:
    """Code that prints the board's session record between two ``marker``: (the session
    id, [replies framed, the last reply's kind, its payload]), or Nones on a board without
    our runtime. Run outside the framing: the answer is not a reply to count."""
    return f"print({marker!r}+repr((globals().get('_BI'),globals().get('_BC')))+{marker!r})"


def implementation_probe() -> str:
    return minify(_IMPLEMENTATION)
