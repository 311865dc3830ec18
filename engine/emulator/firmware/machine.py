# The simulated `machine` module of the virtual board (MicroPython code). Pin changes are
# appended to _PINS_OUT as "name value" lines so the host can show them; input pins and ADC
# channels read their value from the _PINS_IN file the host writes.
import os as _os  # the unix port's own: a profile may swap or hide `os` for board code
import time

try:
    import _thread  # taken now: a profile may hide it from board code, not from the shim
except ImportError:
    _thread = None

try:
    import machine as _native  # the unix port's own machine: mem8, idle, time_pulse_us ...
except ImportError:
    _native = None

if _native is not None:
    for _k in dir(_native):
        if not _k.startswith("__"):
            globals()[_k] = getattr(_native, _k)


def _report(name, value):
    _PINS_OUT.write(("%s %s\n" % (name, value)).encode())
    _PINS_OUT.flush()


def _host_input(name, default):
    try:
        with _HOST.open(_PINS_IN, "r") as f:
            for line in f:
                k, _, v = line.strip().partition(" ")
                if k == str(name):
                    return int(v)
    except OSError:
        pass
    return default


_state = {}


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    ALT = 3
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_RISING = 1
    IRQ_FALLING = 2
    LOW_POWER = 0
    MED_POWER = 1
    HIGH_POWER = 2

    def __init__(self, id, mode=-1, pull=-1, *, value=None, **kw):
        self._id = id
        self._mode = Pin.IN
        self._pull = None
        self._irq = None
        self.init(mode, pull, value=value)

    def init(self, mode=-1, pull=-1, *, value=None, **kw):
        if mode != -1:
            self._mode = mode
        if pull != -1:
            self._pull = pull
        if value is not None:
            self.value(value)
        elif self._mode != Pin.IN and self._id not in _state:
            self.value(0)

    def value(self, x=None):
        if x is None:
            if self._mode == Pin.IN:
                default = 1 if self._pull == Pin.PULL_UP else 0
                return _host_input(self._id, _state.get(self._id, default))
            return _state.get(self._id, 0)
        v = 1 if x else 0
        if _state.get(self._id) != v:
            _state[self._id] = v
            _report(self._id, v)
        return None

    __call__ = value

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def low(self):
        self.value(0)

    def high(self):
        self.value(1)

    def toggle(self):
        self.value(0 if _state.get(self._id, 0) else 1)

    def mode(self, m=None):
        if m is None:
            return self._mode
        self._mode = m

    def pull(self, p=None):
        if p is None:
            return self._pull
        self._pull = p

    def irq(self, handler=None, trigger=3, **kw):
        self._irq = handler
        return None

    def __repr__(self):
        return "Pin(%r)" % (self._id,)


class Signal:
    def __init__(self, pin, invert=False):
        self._pin = pin if isinstance(pin, Pin) else Pin(pin, Pin.OUT)
        self._invert = invert

    def value(self, x=None):
        if x is None:
            return self._pin.value() ^ self._invert
        self._pin.value(bool(x) ^ self._invert)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


def _pin_name(pin):
    return pin._id if isinstance(pin, Pin) else pin


class ADC:
    ATTN_0DB = 0
    ATTN_11DB = 3
    WIDTH_12BIT = 12

    def __init__(self, pin, **kw):
        self._name = "ADC%s" % (_pin_name(pin),)

    def read_u16(self):
        return _host_input(self._name, 32768) & 0xFFFF

    def read(self):
        return self.read_u16() >> 4

    def read_uv(self):
        return self.read_u16() * 3300000 // 65535

    def atten(self, a):
        pass

    def width(self, w):
        pass


class PWM:
    def __init__(self, pin, freq=1000, duty_u16=0, **kw):
        self._name = "PWM%s" % (_pin_name(pin),)
        self._freq = freq
        self._duty = 0
        self.duty_u16(duty_u16)

    def freq(self, f=None):
        if f is None:
            return self._freq
        self._freq = f

    def duty_u16(self, d=None):
        if d is None:
            return self._duty
        self._duty = d
        _report(self._name, d)

    def duty(self, d=None):
        if d is None:
            return self._duty >> 6
        self.duty_u16(d << 6)

    def deinit(self):
        _report(self._name, 0)


class I2C:
    """A bus with nothing attached: scan finds no device, transfers fail with ENODEV."""

    def __init__(self, id=0, *, scl=None, sda=None, freq=400000, **kw):
        self._freq = freq

    def scan(self):
        return []

    def _nodev(self, *a, **kw):
        raise OSError(19)

    readfrom = readfrom_into = writeto = readfrom_mem = readfrom_mem_into = writeto_mem = _nodev


SoftI2C = I2C


class SPI:
    """A bus with MISO pulled high: reads return 0xff, writes go nowhere."""

    MSB = 0
    LSB = 1

    def __init__(self, id=0, baudrate=1000000, **kw):
        self._baudrate = baudrate

    def init(self, *a, **kw):
        pass

    def deinit(self):
        pass

    def write(self, buf):
        pass

    def read(self, n, write=0):
        return b"\xff" * n

    def readinto(self, buf, write=0):
        for i in range(len(buf)):
            buf[i] = 0xFF

    def write_readinto(self, wbuf, rbuf):
        self.readinto(rbuf)


SoftSPI = SPI


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, id=-1, **kw):
        self._run = False
        if kw:
            self.init(**kw)

    def init(self, *, mode=1, period=-1, freq=-1, callback=None, **kw):
        import micropython

        if freq > 0:
            period = 1000 // freq
        self.deinit()
        self._run = True
        token = object()
        self._token = token

        def loop():
            while self._run and self._token is token:
                time.sleep_ms(max(period, 1))
                if not (self._run and self._token is token):
                    break
                if callback:
                    micropython.schedule(callback, self)
                if mode == Timer.ONE_SHOT:
                    break

        _thread.start_new_thread(loop, ())

    def deinit(self):
        self._run = False


def unique_id():
    return _UID


_freq = [125000000]


def freq(f=None):
    if f is None:
        return _freq[0]
    _freq[0] = f


def reset():
    # A board's hard reset stops everything at once, where no `except` can see it (a
    # SystemExit could be caught, by user code or by the engine's runtime): the interpreter
    # is killed, and the relay boots a fresh one, with its banner, as after a power-on.
    _os.system("kill -9 $PPID")


def soft_reset():
    raise SystemExit


def reset_cause():
    return 1


def lightsleep(ms=None):
    if ms:
        time.sleep_ms(ms)


deepsleep = lightsleep


def disable_irq():
    return 0


def enable_irq(state=0):
    pass


PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5
