"""The dev server on 127.0.0.1: the OIDC issuer's discovery document and JWKS (fetched by the
emulated API Gateway's JWT authorizer), the engine's own issuer under /engine (forwarded to its
EngineIssuerApi, so its documents are the auth function's), Swagger UI over the exported docs/openapi.json, and the
operator console and member page of web/ (webpages.py).

Swagger UI and the pages call the API through /api on this same server, because the HTTP API has no CORS
configuration (as on AWS, a browser on another origin would be refused); /api forwards each
request untouched, Authorization header included, so the real authorizer still decides."""

from __future__ import annotations

import http.client
import json
import pathlib
import sys
import threading
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import aws_lambda_powertools.event_handler.openapi.swagger_ui as swagger_ui

from . import webpages
from .issuer import DevIssuer

SWAGGER_ASSETS = pathlib.Path(swagger_ui.__file__).parent
_ASSETS = {
    "/docs/swagger-ui-bundle.min.js": ("swagger-ui-bundle.min.js", "application/javascript"),
    "/docs/swagger-ui.min.css": ("swagger-ui.min.css", "text/css"),
}
_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Loyalty engine API (local)</title>
<link rel="stylesheet" href="/docs/swagger-ui.min.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.min.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", persistAuthorization: true});</script>
</body></html>
"""
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


def served_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """The exported document plus two dev-only additions: the proxy as its server, and the
    bearer scheme so Swagger UI's "Authorize" button sends the token."""
    served = json.loads(json.dumps(document))
    served["servers"] = [{"url": "/api", "description": "the local HTTP API (MiniStack), via this dev server"}]
    served.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "`loyalty-local token --member m1` (or `--admin`) prints one",
    }
    served["security"] = [{"bearer": []}]
    return served


class DevServer:
    """Serves in a daemon thread; `api_url` may be set once the stack is deployed."""

    def __init__(self, issuer: DevIssuer, port: int, openapi_path: pathlib.Path) -> None:
        self.issuer = issuer
        self.openapi_path = openapi_path
        self.api_url: str | None = None
        self.engine_url: str | None = None  # EngineIssuerApi, once deployed
        self._server = _Server(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="loyalty-dev-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(_Handler):
            server_owner: ClassVar[DevServer] = owner

        return Handler


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser that closes a tab or a connection mid-answer is not an error of the server.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server_owner: ClassVar[DevServer]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # the terminal shows the stack's output
        pass

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

    def do_GET(self) -> None:
        owner = self.server_owner
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/api/") or path == "/api":
            return self._proxy()
        if path.startswith("/engine/.well-known/"):
            return self._proxy(owner.engine_url, "/engine")
        if path == "/.well-known/openid-configuration":
            return self._json(200, owner.issuer.openid_configuration())
        if path == "/.well-known/jwks.json":
            return self._json(200, owner.issuer.jwks())
        if path in ("/", "/docs", "/docs/"):
            return self._send(200, _PAGE.encode(), "text/html; charset=utf-8")
        if path in _ASSETS:
            name, content_type = _ASSETS[path]
            return self._send(200, (SWAGGER_ASSETS / name).read_bytes(), content_type,
                              {"Cache-Control": "max-age=3600"})
        if path == "/openapi.json":
            document = json.loads(owner.openapi_path.read_text())
            return self._json(200, served_openapi(document))
        asset = webpages.find(path)
        if isinstance(asset, str):
            return self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain", {"Location": asset})
        if asset is not None:
            headers = {"Cache-Control": asset.cache_control, "Vary": "Accept-Encoding"}
            if asset.gzipped and "gzip" in (self.headers.get("Accept-Encoding") or ""):
                headers["Content-Encoding"] = "gzip"
                return self._send(200, asset.gzipped, asset.content_type, headers)
            return self._send(200, asset.body, asset.content_type, headers)
        return self._json(404, {"error": {"code": "NOT_FOUND", "message": "no such dev-server path", "details": {}}})

    do_HEAD = do_GET

    def do_POST(self) -> None:
        self._proxy()

    do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_POST

    def _proxy(self, base: str | None = None, prefix: str = "/api") -> None:
        api_url = base if prefix != "/api" else self.server_owner.api_url
        if not api_url or not self.path.startswith(prefix):
            return self._json(503, {"error": {"code": "NOT_READY", "message": "the API is not deployed yet",
                                              "details": {}}})
        target = urllib.parse.urlsplit(api_url)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=60)
        try:
            conn.request(self.command, target.path + self.path[len(prefix):], body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            passed = {k: v for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP | {"content-type"}}
            self._send(response.status, payload, response.getheader("Content-Type") or "application/json", passed)
        except OSError as exc:
            self._json(HTTPStatus.BAD_GATEWAY, {"error": {"code": "BAD_GATEWAY", "message": str(exc), "details": {}}})
        finally:
            conn.close()
