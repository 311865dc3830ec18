"""A register-level driver: strings of every kind, brackets spanning lines."""
import struct

HELP = """Registers:
  0x00  id    # not a comment
  0x01  value
"""
RAW = r"\d+\s"  # a raw string
MAGIC = b"\x00BT" b'\x01'
EMPTY = '' 'x'
TABLE = {
    "id": 0x00,  # comment inside brackets
    "value": 0x01,

    "name": 'a' "b",
}


class Sensor:
    """Docstring."""

    def __init__(self, regs=None):
        self.regs = regs if regs is not None else bytearray(4)

    def read(self, name):
        reg = TABLE[name]
        return struct.unpack_from("<B", self.regs, reg)[0]

    def describe(self, name):
        value = self.read(name)
        return f"{name}={value:#04x} ({'hi' if value else 'lo'}) {{raw}}"

    def scaled(self, name, scale=1.5e0):
        return self.read(name) * scale if 1 .real else -1
