"""A stand-in for WeChat's auth.code2Session on 127.0.0.1 (dev and tests only): what `make run`
points the template's WeChatApiBase at, and what the integration tests log in against.

GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code answers as WeChat does:
- an appid it was not told of: errcode 40013; the wrong secret for it: errcode 40125;
- js_code ``dev-<name>``: {openid, session_key, unionid}, the openid derived from (appid, name) and
  the unionid from the name alone (as WeChat's are per app and per brand);
- ``bad...``: 40029 (invalid code); ``used-...``: 40163; ``busy-...``: errcode -1;
- ``down-...``: HTTP 500; ``slow-...``: answers only after ``slow_seconds`` (a timeout).
Each request is recorded (``requests``) so a test can see what the engine sent."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar


def openid_of(appid: str, name: str) -> str:
    return "o" + hashlib.sha256(f"{appid}\x00{name}".encode()).hexdigest()[:27]


def unionid_of(name: str) -> str:
    return "u" + hashlib.sha256(f"union\x00{name}".encode()).hexdigest()[:27]


def dev_appid() -> str:
    return "wx" + secrets.token_hex(8)


def dev_secret() -> str:
    return secrets.token_hex(16)


class WeChatStandIn:
    """Serves in a daemon thread on 127.0.0.1:``port`` (0: a free one)."""

    def __init__(self, port: int = 0, *, slow_seconds: float = 5.0) -> None:
        self.apps: dict[str, str] = {}  # appid -> its current secret
        self.requests: list[dict[str, str]] = []
        self.slow_seconds = slow_seconds
        self._lock = threading.Lock()
        owner = self

        class Handler(_Handler):
            server_owner: ClassVar[WeChatStandIn] = owner

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="wechat-stand-in", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def accept(self, appid: str, secret: str) -> None:
        """The app's secret from now on (a rotation: the old one is refused with 40125)."""
        with self._lock:
            self.apps[appid] = secret

    def start(self) -> WeChatStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(dict(query))
            expected = self.apps.get(query.get("appid", ""))
        code = query.get("js_code", "")
        if query.get("grant_type") != "authorization_code":
            return 200, {"errcode": 40002, "errmsg": "invalid grant_type"}
        if expected is None:
            return 200, {"errcode": 40013, "errmsg": "invalid appid"}
        if query.get("secret") != expected:
            return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
        if code.startswith("slow-"):
            time.sleep(self.slow_seconds)
        if code.startswith("down-"):
            return 500, {"errmsg": "internal error"}
        if code.startswith("busy-"):
            return 200, {"errcode": -1, "errmsg": "system error"}
        if code.startswith("used-"):
            return 200, {"errcode": 40163, "errmsg": "code been used"}
        if code.startswith("dev-") and len(code) > 4:
            name = code[4:]
            return 200, {"openid": openid_of(query["appid"], name), "unionid": unionid_of(name),
                         "session_key": secrets.token_urlsafe(16)}
        return 200, {"errcode": 40029, "errmsg": "invalid code"}


class _Handler(BaseHTTPRequestHandler):
    server_owner: ClassVar[WeChatStandIn]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # its requests hold the secret
        pass

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        if parts.path != "/sns/jscode2session":
            status, body = 404, {"errmsg": "not found"}
        else:
            query = {k: v[-1] for k, v in urllib.parse.parse_qs(parts.query).items()}
            status, body = self.server_owner.answer(query)
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            # WeChat answers JSON as text/plain.
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except ConnectionError:
            pass  # the engine gave up waiting (a slow- code)
