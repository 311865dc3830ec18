"""A static file server on 127.0.0.1 in a thread: dependencies to fetch in the package bench
and in tests, over real HTTP. ``answer_next(path, status)`` makes the next request for
``path`` get that status instead (a flaky server, to exercise retries); ``latency`` delays
every answer, as a distant server would."""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class LocalServer:
    """Serves ``root``; ``url`` is ``http://127.0.0.1:PORT``. ``requests`` counts GETs per
    path. Use as a context manager, or ``start()``/``close()``."""

    def __init__(self, root: str | Path, latency: float = 0.0) -> None:
        self.root = Path(root)
        self.latency = latency
        self.requests: Counter[str] = Counter()
        self._planned: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        handler = functools.partial(_Handler, self, directory=str(self.root))
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for the serving loop to look up.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer_next(self, path: str, status: int, times: int = 1) -> None:
        with self._lock:
            self._planned.setdefault(path, []).extend([status] * times)

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def _planned_status(self, path: str) -> int | None:
        with self._lock:
            self.requests[path] += 1
            planned = self._planned.get(path)
            return planned.pop(0) if planned else None


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connections an update opens at once, and the client's
    # SYN is then retried only after a second: a stall that would be the server's, not ours.
    request_queue_size = 128


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, server_state: LocalServer, *args, **kwargs) -> None:
        self._state = server_state
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        status = self._state._planned_status(self.path)
        if self._state.latency:
            time.sleep(self._state.latency)
        if status is None:
            super().do_GET()
            return
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet
        pass
