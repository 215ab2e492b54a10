"""Where the local stack runs and answers: its settings (ports, the .local/ folder and the dev keys
in it), the endpoints a running stack saves for the other commands, and the few HTTP and boto3
helpers every local command uses."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import pathlib
import socket
import urllib.parse
from dataclasses import asdict, dataclass, field
from typing import Any

import boto3
from botocore.config import Config

ROOT = pathlib.Path(__file__).resolve().parents[2]


class LocalStackError(RuntimeError):
    """Something a developer can act on; the message says what."""


@dataclass(frozen=True)
class Settings:
    root: pathlib.Path = ROOT
    local_dir: pathlib.Path = ROOT / ".local"
    gateway_port: int = 4566
    issuer_port: int = 4567
    # The stand-in for WeChat's code2Session (wechat_standin.py), WeChatApiBase of the stack.
    wechat_port: int = 4568
    stack_name: str = "loyalty-local"
    region: str = "us-east-1"
    log_level: str = "INFO"
    seed: bool = True
    # Invocations running at once across all functions (MiniStack's LAMBDA_ACCOUNT_CONCURRENCY);
    # beyond it the API answers 429, as AWS does at an account's limit. None: MiniStack's default.
    lambda_concurrency: int | None = None
    # False deploys the sweeps' schedules DISABLED (template parameter Schedules): the e2e suites
    # start each sweep themselves, and a schedule firing mid-test would write under a request.
    schedules: bool = True

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "gateway_port": int(os.environ.get("LOYALTY_GATEWAY_PORT", "4566")),
            "issuer_port": int(os.environ.get("LOYALTY_ISSUER_PORT", "4567")),
            "wechat_port": int(os.environ.get("LOYALTY_WECHAT_PORT", "4568")),
        }
        if os.environ.get("LOYALTY_LOCAL_DIR"):
            values["local_dir"] = pathlib.Path(os.environ["LOYALTY_LOCAL_DIR"]).resolve()
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def state_dir(self) -> pathlib.Path:
        return self.local_dir / "state"

    @property
    def key_path(self) -> pathlib.Path:
        return self.local_dir / "dev-issuer-key.pem"

    @property
    def engine_key_path(self) -> pathlib.Path:
        """The engine's own signing key (SigningKey=LOCAL_SSM): the stack hands it to the auth
        function as an SSM SecureString; the CLI signs member tokens with it."""
        return self.local_dir / "engine-signing-key.pem"

    @property
    def wechat_dev_path(self) -> pathlib.Path:
        """The demo program's dev mini-program credentials (made on first run, kept so a member
        logs in as the same member across restarts)."""
        return self.local_dir / "wechat-dev.json"

    @property
    def endpoints_path(self) -> pathlib.Path:
        return self.local_dir / "endpoints.json"

    @property
    def log_path(self) -> pathlib.Path:
        return self.local_dir / "ministack.log"

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def issuer_url(self) -> str:
        return f"http://127.0.0.1:{self.issuer_port}"

    @property
    def engine_issuer_url(self) -> str:
        """The engine's issuer locally (EngineIssuerUrl): the dev server forwards its /.well-known
        documents to EngineIssuerApi, whose own URL is not known before it is deployed."""
        return f"{self.issuer_url}/engine"

    @property
    def wechat_url(self) -> str:
        return f"http://127.0.0.1:{self.wechat_port}"


@dataclass(frozen=True)
class Endpoints:
    """Where the running stack answers; written to .local/endpoints.json for the other commands."""

    gateway_url: str
    issuer_url: str
    api_url: str
    docs_url: str
    region: str
    stack_name: str
    table_name: str
    functions: dict[str, str] = field(default_factory=dict)  # functions/<name> -> deployed function name
    engine_issuer_url: str = ""  # the iss of the engine's member tokens
    issuer_api_url: str = ""  # EngineIssuerApi in MiniStack (what engine_issuer_url forwards to)
    wechat_url: str = ""  # the code2Session stand-in

    def save(self, path: pathlib.Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: pathlib.Path) -> Endpoints:
        if not path.exists():
            raise LocalStackError(f"{path} does not exist: start the local stack first (`make run`)")
        return cls(**json.loads(path.read_text()))


def client(service: str, gateway_url: str, region: str) -> Any:
    """A boto3 client of the emulator, never of a real account (fixed dummy credentials)."""
    return boto3.client(
        service, endpoint_url=gateway_url, region_name=region, aws_access_key_id="test",
        aws_secret_access_key="test", aws_session_token="test",
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=60),
    )


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _iso(value: Any) -> str:
    if isinstance(value, dt.date | dt.time):  # YAML reads timestamps as datetimes
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def http_json(method: str, url: str, *, token: str | None = None, body: Any = None,
              headers: dict[str, str] | None = None, timeout: float = 60) -> tuple[int, Any]:
    """One HTTP call to the local API; (status, parsed JSON body or None)."""
    parts = urllib.parse.urlsplit(url)
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        payload = None if body is None else json.dumps(body, default=_iso, ensure_ascii=False).encode()
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
        text = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(text) if text else None
    except ValueError:
        return response.status, text.decode(errors="replace")


