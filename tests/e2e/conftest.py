"""One local stack for the e2e session: MiniStack and the dev issuer on free ports, state in a
temp dir, template.yaml deployed and the demo program loaded, exactly as `make run` does."""

from __future__ import annotations

import http.client
import json
import random
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from loyalty_local.stack import Endpoints, LocalStack, Settings, free_port, http_json

# Each Lambda worker costs a cold start of about a second of CPU, and the suite has two cores:
# 32 cold starts at once would outlast the functions' 10 s timeout. Beyond 8 invocations at
# once the API answers 429, as AWS does at an account's concurrency limit.
LAMBDA_CONCURRENCY = 8
THROTTLE_RETRIES = 20


@dataclass
class Local:
    stack: LocalStack
    endpoints: Endpoints

    def token(self, subject: str, *, program: str = "demo", admin: bool = False, **claims: Any) -> str:
        return self.stack.issuer.token(subject, program=program, admin=admin, **claims)

    def call(self, method: str, path: str, token: str | None = None, body: Any = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """One request, sent again while the account's Lambda concurrency is exhausted (the
        emulator's throttle, as AWS's: the invocation never started), as a client would."""
        for _ in range(THROTTLE_RETRIES):
            status, answer = http_json(method, self.endpoints.api_url + path, token=token, body=body,
                                       headers=headers)
            if not (status == 429 and isinstance(answer, dict) and answer.get("__type") == "TooManyRequestsException"):
                break
            time.sleep(float(answer.get("retryAfterSeconds") or 1) * random.uniform(0.5, 1.0))
        return status, answer

    def member(self, subject: str, program: str = "demo") -> Member:
        return Member(self, subject, program)

    def admin(self, program: str = "demo") -> Admin:
        return Admin(self, program)

    def table_items(self) -> list[dict[str, Any]]:
        """Every item the engine's requests write, sorted: equal before and after = nothing written.
        The reports' aggregates (``#AGG#`` partitions, ``TXAGG#`` markers) are left out: the
        stream consumer folds earlier, committed writes into them whenever it runs, and a refused
        request does not write them. Raw JSON over HTTP rather than boto3: the fuzz test takes two
        snapshots per request, and botocore's parsing would be most of their cost."""
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {"TableName": self.endpoints.table_name, "ConsistentRead": True}
        while True:
            page = self._dynamodb("Scan", request)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        written = [i for i in items if "#AGG#" not in i["PK"]["S"] and not i["SK"]["S"].startswith("TXAGG#")]
        return sorted(written, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))

    def _dynamodb(self, action: str, request: dict[str, Any]) -> dict[str, Any]:
        parts = urllib.parse.urlsplit(self.endpoints.gateway_url)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        try:
            conn.request("POST", "/", body=json.dumps(request), headers={
                "X-Amz-Target": f"DynamoDB_20120810.{action}",
                "Content-Type": "application/x-amz-json-1.0",
                # The emulator reads the region from the credential scope and checks no signature.
                "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20260101/{self.endpoints.region}/dynamodb/"
                                 "aws4_request, SignedHeaders=host, Signature=0",
            })
            response = conn.getresponse()
            body = json.loads(response.read())
        finally:
            conn.close()
        assert response.status == 200, body
        return dict(body)


@dataclass
class Member:
    local: Local
    id: str
    program: str

    @property
    def token(self) -> str:
        return self.local.token(self.id, program=self.program)

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        return self.local.call(method, path, self.token, body, headers)

    def me(self) -> dict[str, Any]:
        status, body = self.call("GET", "/v1/me")
        assert status == 200, body
        return dict(body)

    def redeem(self, reward_id: str, key: str, quantity: int = 1) -> tuple[int, Any]:
        return self.call("POST", "/v1/me/redemptions", {"reward_id": reward_id, "quantity": quantity},
                         {"Idempotency-Key": key})


@dataclass
class Admin:
    local: Local
    program: str

    @property
    def token(self) -> str:
        return self.local.token("op-e2e", program=self.program, admin=True)

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        return self.local.call(method, path, self.token, body, headers)

    def adjust(self, member: str, points: int) -> dict[str, Any]:
        status, body = self.call("POST", f"/v1/admin/members/{member}/adjustments",
                                 {"points": points, "reason": "e2e setup"}, {"Idempotency-Key": unique("adj")})
        assert status in (200, 201), body
        return dict(body)

    def earn(self, member: str, order_id: str, amount_fen: int) -> dict[str, Any]:
        status, body = self.call("POST", f"/v1/admin/members/{member}/earn",
                                 {"order_id": order_id, "amount_fen": amount_fen}, {"Idempotency-Key": order_id})
        assert status == 200, body
        return dict(body)


def unique(prefix: str) -> str:
    """Ids no other test (or earlier session state) uses, so tests share one stack safely."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def start_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Local]:
    """The session's `local` fixture (declared in tests/conftest.py, so that tests/e2e and
    tests/browser share this one stack: a second one would double the suite's startup)."""
    settings = Settings(local_dir=tmp_path_factory.mktemp("local-stack"), gateway_port=free_port(),
                        issuer_port=free_port(), wechat_port=free_port(), lambda_concurrency=LAMBDA_CONCURRENCY,
                        schedules=False)
    stack = LocalStack(settings)
    endpoints = stack.start()
    try:
        yield Local(stack, endpoints)
    finally:
        stack.stop()
