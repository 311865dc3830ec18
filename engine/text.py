"""Small text forms the engine and the UI share: an error in a line, a byte count."""

from __future__ import annotations


def last_line(error: BaseException) -> str:
    """The line that says what happened: a board traceback's last line, else the message
    folded onto one line (the exception's name when it has none)."""
    text = str(error).strip()
    if not text:
        return type(error).__name__
    if "Traceback" in text:
        return text.splitlines()[-1].strip()
    return " ".join(text.split())


def human_bytes(n: float) -> str:
    """``512 B``, ``1.5 KB``, ``2.0 MB`` (powers of 1024)."""
    for unit in ("B", "KB", "MB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
