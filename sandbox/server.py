"""Run a WSGI app on 127.0.0.1 in a background thread: the one way every sandbox server is served.

Tests, the demo and the benchmarks import the servers and start them in-process; `voicesync
sandbox` starts the same objects and blocks. HTTP/1.1 keep-alive is on so that clients reuse
connections, as they would against the real systems.
"""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _KeepAliveHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Silent: the sandboxes count their calls instead of logging each one."""


class BackgroundServer:
    """A threaded WSGI server on a loopback port (0 picks a free one)."""

    def __init__(self, app: Any, port: int = 0, host: str = "127.0.0.1") -> None:
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=_KeepAliveHandler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> BackgroundServer:
        # A short poll: ``shutdown`` waits up to one poll, and tests start and stop servers by the hundred.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
