"""A DynamoDB engine that is safe under concurrency, for tests with real threads.

moto's threaded server races inside TransactWriteItems (measured: 102-103 of 100 points spent
under 8 threads). Here moto's own WSGI application is served by werkzeug's threaded server on
127.0.0.1, but every HTTP call runs under ONE global lock from the first byte of the request to
the last byte of the response. Each call is then atomic, as every DynamoDB call is in AWS, while
clients still send from many threads at once and lose races between their read and their write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

import boto3
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from .template import CREDENTIALS, REGION

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class OneCallAtATime:
    """WSGI middleware: the wrapped application serves one request at a time, whole.

    The response body is drained inside the lock, since a WSGI app may compute it lazily."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.served = 0
        # Requests that found another one in progress: proof that the clients really overlapped.
        self.contended = 0
        self._count = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if not self.lock.acquire(blocking=False):
            with self._count:
                self.contended += 1
            self.lock.acquire()
        try:
            result = self.app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            self.served += 1
            return [body]
        finally:
            self.lock.release()


class _QuietHandler(MotoRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # thousands of calls per race; the tests say what matters


class LockedDynamoDB:
    """moto's DynamoDB behind one lock, on 127.0.0.1 and a free port, in a background thread."""

    def __init__(self) -> None:
        self.app = OneCallAtATime(DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> LockedDynamoDB:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="locked-dynamodb", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> LockedDynamoDB:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        assert self._server is not None, "start() the engine first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def config(self, *, max_pool_connections: int = 64, max_attempts: int = 3) -> Config:
        # One pooled connection per thread: with fewer, threads queue in urllib3 instead of
        # racing at the engine, and the test would prove less than it claims.
        return Config(
            max_pool_connections=max_pool_connections,
            retries={"max_attempts": max_attempts, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
        )

    def client(self, **config: Any) -> Any:
        """A low-level client (DynamoDB JSON values), for setup and raw checks."""
        return boto3.client("dynamodb", endpoint_url=self.endpoint_url, region_name=REGION,
                            config=self.config(**config), **CREDENTIALS)

    def store_client(self, **config: Any) -> Any:
        """The kind of client the Store uses: a resource's client, which serializes plain values."""
        return boto3.resource("dynamodb", endpoint_url=self.endpoint_url, region_name=REGION,
                              config=self.config(**config), **CREDENTIALS).meta.client
