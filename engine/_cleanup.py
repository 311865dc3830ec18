"""Board clean-up that waits for the next exchange: proxy objects to free and code that
must not run inside another exchange (a garbage collector or a generator's ``close()`` may
run at any moment, even while the link is busy), sent as a prefix of the next call."""

from __future__ import annotations


class CleanUps:
    """What waits for the next exchange of one device. Safe to fill from any thread."""

    def __init__(self) -> None:
        self._freed: list[int] = []  # board proxy slots (``_BP`` keys) to free
        self._code: list[str] = []  # one-line board code replying nothing

    def release(self, key: int) -> None:
        self._freed.append(key)

    def defer(self, code: str) -> None:
        self._code.append(code)

    def prefix(self, code: bytes) -> bytes:
        """``code`` with what waits sent first (and taken off the list)."""
        if self._freed:
            # A collector in another thread may append meanwhile: take only what was there.
            freed = self._freed[:]
            del self._freed[: len(freed)]
            code = f"for _k in {tuple(freed)!r}:_BP.pop(_k,0)\n".encode() + code
        if self._code:
            # Each in a try: what a clean-up raises must not become this exchange's reply.
            later, self._code = self._code, []
            code = "".join(map(guarded, later)).encode() + code
        return code


def guarded(code: str) -> str:
    """Clean-up code that cannot fail the exchange it rides with."""
    return f"try:{code}\nexcept Exception:pass\n"
