"""HTTP downloads with httpx: timeouts, a few retries for what may pass, and byte progress.

One client is shared by all downloads of an update (it is thread-safe), so connections to
the same host are reused. Only ``http`` and ``https`` reach the network. httpx is imported
when a fetcher is made, not with the engine: every ``belay-tui`` command starts that much
quicker (``fs get`` is timed against mpremote as a whole command).
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._sources import SourceProblem

if TYPE_CHECKING:
    import httpx

ProgressFn = Callable[[int, int], None]  # (bytes done, bytes expected or 0)

_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
_USER_AGENT = "belay-tui"
_UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH}


class Fetcher:
    """``get(url)`` -> bytes, raising :class:`SourceProblem` with a short reason.

    ``timeout``: seconds to connect and between received bytes. ``retries``: extra attempts
    after a timeout, a refused or dropped connection, or a 408/429/5xx answer, with a short
    exponential back-off (``backoff`` seconds, doubling). A 404 is final at once.
    """

    def __init__(self, timeout: float = 10.0, retries: int = 2, backoff: float = 0.25) -> None:
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        import httpx

        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            headers={"User-Agent": _USER_AGENT},
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, progress: ProgressFn | None = None) -> bytes:
        for attempt in range(self.retries + 1):
            try:
                return self._get_once(url, progress)
            except _Transient as e:
                if attempt == self.retries:
                    tries = f" (after {attempt + 1} attempts)" if attempt else ""
                    raise SourceProblem(url, f"{e}{tries}") from None
                time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def _get_once(self, url: str, progress: ProgressFn | None) -> bytes:
        import httpx

        try:
            with self._client.stream("GET", url) as response:
                if response.status_code in _RETRY_STATUS:
                    raise _Transient(f"HTTP {response.status_code} {response.reason_phrase}")
                if response.status_code != 200:
                    raise SourceProblem(
                        url, f"HTTP {response.status_code} {response.reason_phrase}"
                    )
                total = int(response.headers.get("content-length") or 0)
                chunks: list[bytes] = []
                done = 0
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
                return b"".join(chunks)
        except httpx.TimeoutException:
            raise _Transient(f"timed out after {self.timeout:g} s") from None
        except httpx.UnsupportedProtocol:
            raise SourceProblem(url, "only http:// and https:// URLs can be downloaded") from None
        except httpx.TransportError as e:
            raise _Transient(_reason(e)) from None
        except httpx.InvalidURL as e:
            raise SourceProblem(url, f"invalid URL ({e})") from None


class _Transient(Exception):
    """A failure worth another attempt."""


def _reason(e: httpx.TransportError) -> str:
    import httpx

    text = str(e) or type(e).__name__
    if isinstance(e, httpx.ConnectError):
        return f"cannot connect ({_os_reason(e) or text})"
    return text


def _os_reason(e: BaseException) -> str | None:
    """The same words on every system for the usual reasons a connection fails (the OS's
    own text differs: ``[Errno 111] Connection refused`` on Linux, errno 61 on macOS)."""
    cause: BaseException | None = e
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return "host not found"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset"
        if isinstance(cause, OSError) and cause.errno in _UNREACHABLE:
            return "network unreachable"
        cause = cause.__cause__ or cause.__context__
    return None
