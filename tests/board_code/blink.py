# -*- coding: utf-8 -*-
"""Blink a LED: MicroPython-style code with the layouts a minifier must keep."""
from micropython import const
import machine

_PIN = const(2)  # on-board LED
_TIMES = const(3)


def pattern(count=_TIMES):
	"""Tab-indented, with a backslash continuation."""
	states = [1, 0] * \
		count
	return states


class Blinker:
    def __init__(self, pin=_PIN):
        self.pin = machine.Pin(pin, machine.Pin.OUT)
        self.log = []  # type: list

    def run(self, count=_TIMES):
        for state in pattern(count):
            self.pin.value(state)
            self.log.append(self.pin.value())
        return len(self.log) if self.log \
            else 0


def total(a, b):
    return a + \
        b
