"""A listening TCP socket with its accept loop in a thread: what the virtual board's network
endpoints (WebREPL, the serial port server) share."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

from ..exceptions import FeatureUnavailableError


class Listener:
    """Listens on ``host:port`` (port 0: any free one, kept from the first start, so a board
    that stops and starts again comes back at the same address) and hands every accepted
    connection to ``on_client``, from the accept thread."""

    def __init__(
        self, host: str, port: int, name: str, on_client: Callable[[socket.socket], None]
    ) -> None:
        self.host = host
        self.port = port
        self.name = name
        self._on_client = on_client
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def serving(self) -> bool:
        return self._sock is not None

    def start(self, url: str) -> None:
        """Listen; ``url`` names the endpoint in the one-line error when the address is taken."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as e:
            sock.close()
            raise FeatureUnavailableError(f"cannot serve {url}: {e}") from None
        sock.listen(1)
        sock.settimeout(0.25)  # so the accept loop sees stop()
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._thread = threading.Thread(target=self._accept, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # wakes accept() at once on Linux
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        sock.close()

    def _accept(self) -> None:
        while (sock := self._sock) is not None:
            try:
                client, _addr = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._on_client(client)
