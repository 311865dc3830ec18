# The virtual board's `deflate` on a profile whose firmware compresses (MicroPython code):
# the unix port's own module, whose DeflateIO only reads, given the write side that firmware
# built with MICROPY_PY_DEFLATE_COMPRESS has. Reading (RAW, ZLIB, GZIP, AUTO) is the unix
# port's own DeflateIO. Writing is a plain DEFLATE encoder (RFC 1951): one fixed-Huffman
# block, LZ77 matches found through a small hash table of 3-byte prefixes within the window
# of 2**wbits bytes; the block ends, and a ZLIB or GZIP trailer follows, on close(). It
# favours being short and right over ratio and speed.
import binascii
import io

from deflate import AUTO, GZIP, RAW, ZLIB  # the firmware's own constants
from deflate import DeflateIO as _NativeIO

_HASH = 4096  # slots of the table of 3-byte prefixes
_LOOKAHEAD = 258  # the longest match: bytes a write keeps back for the next one


def _reversed(code, n):
    # Huffman codes go out from their top bit, everything else from the bottom one.
    r = 0
    for _ in range(n):
        r = r << 1 | code & 1
        code >>= 1
    return r


def _fixed(sym):
    # (bits, count) of a literal/length symbol in the fixed Huffman code (RFC 1951 3.2.6).
    if sym < 144:
        return _reversed(0x30 + sym, 8), 8
    if sym < 256:
        return _reversed(0x190 + sym - 144, 9), 9
    if sym < 280:
        return _reversed(sym - 256, 7), 7
    return _reversed(0xC0 + sym - 280, 8), 8


def _bases(first, count, extra):
    # (base, extra bits) of consecutive length or distance codes (RFC 1951 3.2.5).
    out = []
    for i in range(count):
        out.append((first, extra(i)))
        first += 1 << extra(i)
    return out


_SYMBOLS = [_fixed(s) for s in range(286)]
_LENGTHS = _bases(3, 28, lambda i: max(0, i // 4 - 1)) + [(258, 0)]  # codes 257..285
_DISTANCES = _bases(1, 30, lambda i: max(0, i // 2 - 1))  # codes 0..29, 5 bits each


def _code(table, value):
    # The code whose range holds value: the last base not above it.
    i = len(table) - 1
    while table[i][0] > value:
        i -= 1
    return i


class DeflateIO(io.IOBase):
    def __init__(self, stream, format=AUTO, wbits=0, close=False):
        self._reader = _NativeIO(stream, format, wbits, close)  # checks the arguments too
        self._stream = stream
        self._format = format
        self._wbits = wbits or 8  # compression's default window is 256 bytes
        self._window = 1 << self._wbits
        self._started = False
        self._closed = False

    # -- reading: the unix port's own

    def read(self, *n):
        return self._reader.read(*n)

    def readinto(self, buf, *n):
        return self._reader.readinto(buf, *n)

    def readline(self, *n):
        return self._reader.readline(*n)

    # -- writing

    def write(self, data):
        if self._closed:
            raise OSError(22)  # EINVAL, as the firmware's stream says after close()
        if not self._started:
            self._start()
        if self._format == ZLIB:
            self._adler32(data)
        elif self._format == GZIP:
            self._crc = binascii.crc32(data, self._crc)
        self._size += len(data)
        self._data += data
        self._encode(False)
        return len(data)

    def close(self):
        if self._closed:
            return
        self._closed = True
        if self._started:
            self._encode(True)
            self._put(*_SYMBOLS[256])  # end of block
            if self._bits:
                self._out.append(self._acc)
            if self._format == ZLIB:
                self._out += (self._check[1] << 16 | self._check[0]).to_bytes(4, "big")
            elif self._format == GZIP:
                self._out += self._crc.to_bytes(4, "little")
                self._out += (self._size & 0xFFFFFFFF).to_bytes(4, "little")
            self._flush()
        self._reader.close()  # closes the stream when asked to, as the firmware does

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _start(self):
        self._started = True
        self._out = bytearray()  # bytes made, not yet written to the stream
        self._acc = self._bits = 0  # bits made, not yet a whole byte
        self._data = bytearray()  # the window behind _at, and what is not encoded yet
        self._at = 0  # where in _data encoding goes on
        self._base = 0  # how many bytes came before _data[0]
        self._head = [-1] * _HASH  # the last position of each 3-byte prefix's hash
        self._size = self._crc = 0
        self._check = [1, 0]
        if self._format == ZLIB:
            cmf = 0x08 | max(0, self._wbits - 8) << 4
            self._out += bytes((cmf, 0x80 | 31 - (cmf * 256 + 0x80) % 31))
        elif self._format == GZIP:
            self._out += b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\x03"
        self._put(0b011, 3)  # the last block (1), fixed Huffman codes (01)

    def _adler32(self, data):
        a, b = self._check
        for x in data:
            a = (a + x) % 65521
            b = (b + a) % 65521
        self._check = [a, b]

    def _put(self, bits, n):
        self._acc |= bits << self._bits
        self._bits += n
        while self._bits >= 8:
            self._out.append(self._acc & 255)
            self._acc >>= 8
            self._bits -= 8

    def _prior(self, p):
        # Where the 3 bytes at p were last seen (-1: never, or no longer held), noting p.
        d = self._data
        if p + 2 >= len(d):
            return -1
        h = (d[p] << 8 ^ d[p + 1] << 4 ^ d[p + 2]) % _HASH
        seen = self._head[h] - self._base
        self._head[h] = p + self._base
        return seen

    def _encode(self, final):
        # Encode up to the end (final) or up to the longest match short of it, then keep
        # only the window behind what is left.
        d, p = self._data, self._at
        stop = len(d) if final else len(d) - _LOOKAHEAD
        while p < stop:
            seen = self._prior(p)
            n = 0
            if seen >= 0 and p - seen <= self._window:
                most = min(_LOOKAHEAD, len(d) - p)
                while n < most and d[seen + n] == d[p + n]:
                    n += 1
            if n < 3:
                self._put(*_SYMBOLS[d[p]])
                p += 1
                continue
            self._match(n, p - seen)
            for q in range(p + 1, p + n):
                self._prior(q)
            p += n
        keep = max(0, p - self._window)
        self._data = d[keep:]
        self._base += keep
        self._at = p - keep
        self._flush()

    def _match(self, length, distance):
        i = _code(_LENGTHS, length)
        base, extra = _LENGTHS[i]
        self._put(*_SYMBOLS[257 + i])
        self._put(length - base, extra)
        i = _code(_DISTANCES, distance)
        base, extra = _DISTANCES[i]
        self._put(_reversed(i, 5), 5)
        self._put(distance - base, extra)

    def _flush(self):
        if self._out:
            self._stream.write(self._out)
            self._out = bytearray()
