"""Code the engine installs on the board once per connection.

Names are short because every task call sends one (``_B(3,5)`` is the whole request).
They are reserved: a task may not be called ``_B`` or ``_BX`` (see ``RESERVED``).
"""

from __future__ import annotations

import re

from .minify import minify

# {token} is the per-connection reply marker; see codec.new_token.
_PRELUDE = """
import sys
_BN={token!r}
_BT={{}}
_BG={{}}
_BGc=[0]
_BGT=type((lambda:(yield))())
def _BF(k,v):
    sys.stdout.write(_BN+k+str(len(v))+':'+v)
def _BE(e):
    import io
    s=io.StringIO()
    sys.print_exception(e,s)
    _BF('E',s.getvalue())
def _BR(r):
    if type(r) is _BGT:
        _BGc[0]+=1
        _BG[_BGc[0]]=r
        if len(_BG)>8:
            del _BG[min(_BG)]
        _BF('G',str(_BGc[0]))
    else:
        _BF('R',repr(r))
def _B(i,*a,**k):
    try:
        _BR(_BT[i](*a,**k))
    except BaseException as e:
        _BE(e)
def _Bn(g):
    try:
        _BF('R',repr(next(_BG[g])))
    except StopIteration:
        _BG.pop(g,0)
        _BF('S','')
    except BaseException as e:
        _BG.pop(g,0)
        _BE(e)
def _Bt(i,*a,**k):
    try:
        import _thread
        _thread.start_new_thread(_BT[i],a,k)
        _BF('R','None')
    except BaseException as e:
        _BE(e)
_BP={{}}
_BPc=[0]
_BPI=(int,float,str,bytes,bool,type(None))
def _BPx(c,x):
    try:
        g=globals()
        if c:
            exec(c,g)
        r=eval(x,g)
        if isinstance(r,_BPI):
            _BF('R',repr(r))
        else:
            _BPc[0]+=1
            _BP[_BPc[0]]=r
            _BF('P',str(_BPc[0]))
    except BaseException as e:
        _BE(e)
_Bb=getattr(__import__('time'),'ticks_ms',int)()
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
def _BX(c,x=None):
    try:
        g=globals()
        if c:
            exec(c,g)
        _BF('R',repr(eval(x,g)) if x else 'None')
    except BaseException as e:
        _BE(e)
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

# Every global the runtime defines: no task may take one of these names.
RESERVED = frozenset(re.findall(r"^(?:def |)(_B\w*)", _PRELUDE + _IMPLEMENTATION, re.M)) | {"_Bz"}


def prelude(token: str, imports: bool = True) -> str:
    """The runtime, plus Belay's convenience imports unless a ``startup`` replaces them."""
    return minify(_PRELUDE.format(token=token) + (_IMPORTS if imports else ""))


def implementation_probe() -> str:
    return minify(_IMPLEMENTATION)
