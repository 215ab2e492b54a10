"""schemathesis over the exported OpenAPI document (docs/openapi.json), against the running stack:
valid and invalid requests on every operation, the partner webhook route with signed bodies; no
5xx, no 4xx writes anything (but a refused webhook event's binding of its webhook-id), and every
answer is one the document declares: its status among the operation's, its media type and its
body valid against the schema of that status."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks
from schemathesis.errors import FailureGroup

from ..support.template import ROOT
from .conftest import Local, unique
from .fuzz_webhooks import LABEL as WEBHOOKS
from .fuzz_webhooks import Signer, binding_key, with_webhook_body

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

AT_LEAST = 1500
# The webhook route's body is five events and its path leads to a partner or not: it gets this
# many times an ordinary operation's share.
WEBHOOK_WEIGHT = 3
# What every answer is held to: the document declares its status for the operation, its media type,
# and a schema for that status its body is valid against.
CONFORMANCE = [checks.status_code_conformance, checks.content_type_conformance, checks.response_schema_conformance]


def keys_of(items: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The items by key, less what the stack's own hourly schedules write meanwhile: a sweep's mark
    on a program's registry item (CI failed once when the :05 sweep ran between two scans)."""
    return {(i["PK"]["S"], i["SK"]["S"]): _unswept(i) for i in items}


def _unswept(item: dict[str, Any]) -> dict[str, Any]:
    if item["PK"]["S"] != "REGISTRY":
        return item
    return {name: value for name, value in item.items() if name != "swept"}


def test_generated_requests_on_every_operation_get_documented_answers_never_a_5xx_and_no_4xx_writes(local: Local) -> None:
    # A program of its own, so generated writes (rewards, program versions) touch no other test's data.
    program = unique("fuzz")
    admin = local.admin(program)
    document = local.admin().call("GET", "/v1/admin/program")[1]["document"]
    assert admin.call("PUT", "/v1/admin/program", {**document, "id": program})[0] == 200
    assert admin.call("POST", "/v1/admin/rewards", {"id": "tree", "name": "Tree", "points": 10})[0] == 201
    member = local.member("fuzz-member", program)
    local.admin(program).adjust(member.id, 5_000)
    tokens = {"admin": admin.token, "member": member.token}
    shop = unique("fuzz-shop")
    status, registered = admin.call("PUT", f"/v1/admin/partners/{shop}", {
        "name": "Fuzz shop", "events": ["order.paid", "order.completed", "order.refunded", "member.registered",
                                        "member.action"]})
    assert status == 201, registered
    signer = Signer(shop, registered["secret"])

    exported = json.loads((ROOT / "docs" / "openapi.json").read_text())
    actions = sorted(document["behaviours"]["actions"])
    schema = schemathesis.openapi.from_dict(with_webhook_body(exported, program, actions))
    session = requests.Session()
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    problems: list[str] = []
    reasons: Counter[str] = Counter()  # the webhook route's refusals
    # The table as the last request left it: a request is compared with it, and a fresh scan is
    # needed only after a request that was allowed to write (half the scans of before-and-after).
    state: dict[str, Any] = {"items": None, "mode": ""}

    def send(case: Any) -> tuple[requests.Response, set[tuple[str, str]]]:
        """The response, and the items a 4xx of this request may write."""
        if case.path.startswith("/.well-known/"):  # the engine's issuer, an API of its own
            return case.call(base_url=local.endpoints.issuer_api_url, session=session, timeout=30), set()
        if case.operation.label != WEBHOOKS:
            token = tokens["admin" if case.path.startswith("/v1/admin") else "member"]
            return case.call(base_url=local.endpoints.api_url, session=session, timeout=30,
                             headers={"Authorization": f"Bearer {token}"}), set()
        path, webhook_id, raw, headers = signer.prepare(case.formatted_path, case.body, case.media_type)
        return (session.post(local.endpoints.api_url + path, data=raw, headers=headers, timeout=30),
                {binding_key(shop, webhook_id)})

    def check(case: Any) -> None:
        label, mode = case.operation.label, state["mode"]
        if state["items"] is None:
            state["items"] = local.table_items()
        before = state["items"]
        try:
            response, may_write = send(case)
        except (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL, UnicodeError, ValueError):
            seen[label][f"{mode} unsendable"] += 1  # not an HTTP request at all (e.g. a newline in a header)
            return
        status = response.status_code
        seen[label][f"{mode} {status // 100}xx"] += 1
        if label == WEBHOOKS and status >= 400:
            error = (response.json() if response.text.startswith("{") else {}).get("error") or {}
            reasons[f"{status} {error.get('code')} {(error.get('details') or {}).get('reason', '')}".strip()] += 1
            reused_id = error.get("code") == "IDEMPOTENCY_KEY_REUSED" and "webhook_id" in (error.get("details") or {})
            if status in {401, 403, 415} or reused_id:
                # Refused before its event was looked at, or for its webhook-id: no binding. (An
                # event its order's key refuses, `details.key`, is bound like any other outcome.)
                may_write = set()
        where = f"{case.method} {case.formatted_path} -> {status} {response.text[:200]}"
        if status >= 500:
            problems.append(f"5xx: {where}")
        try:
            case.validate_response(response, checks=CONFORMANCE)
        except FailureGroup as failures:
            found = "; ".join(f"{f.title}: {f.message[:300]}" for f in failures.exceptions)
            problems.append(f"not as documented ({found}): {where}")
        if status < 400:
            state["items"] = None  # it may have written: the next request is compared with a new scan
            return
        after = local.table_items()
        state["items"] = after
        old, new = keys_of(before), keys_of(after)
        written = {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}
        if label == "POST /v1/auth/wechat":
            # A login counts against its address whatever WeChat answers (codes cannot be tried
            # for free): its minute's counter is the one item a refused login writes.
            written = {key for key in written if not key[0].startswith("LOGINRATE#")}
        if written - may_write:
            problems.append(f"a {status} wrote {sorted(written - may_write)[:3]}: {where}")

    operations = [result.ok() for result in schema.get_all_operations()]
    with_inputs = {op.label for op in operations if list(op.iter_parameters()) or op.body}
    assert WEBHOOKS in with_inputs
    # An operation without parameters or body has one request to make, and nothing to make invalid;
    # the others share the rest of the budget by weight, valid and invalid, with a tenth to spare
    # for the requests hypothesis generates twice.
    shares = len(with_inputs) - 1 + WEBHOOK_WEIGHT
    per_mode = math.ceil(1.1 * (AT_LEAST - (len(operations) - len(with_inputs))) / (2 * shares))
    for operation in operations:
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if operation.label in with_inputs else \
            [GenerationMode.POSITIVE]
        examples = per_mode * (WEBHOOK_WEIGHT if operation.label == WEBHOOKS else 1)
        for mode in modes:
            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                check(case)

            state["mode"] = mode.value
            try:
                run()
            except Unsatisfiable:
                # Only where the schema leaves nothing to break (say, one free-form string in
                # the path): there is no invalid request of this operation to send.
                assert mode is GenerationMode.NEGATIVE, operation.label
                seen[operation.label][f"{mode.value} none possible"] += 1

    def answered(counts: Counter[str], kinds: tuple[str, ...] = ("2xx", "3xx", "4xx", "5xx")) -> int:
        return sum(n for key, n in counts.items() if key.rsplit(" ", 1)[-1] in kinds)

    width = max(len(label) for label in seen)
    print(f"\nschemathesis: {sum(answered(c) for c in seen.values())} requests answered")
    for label in sorted(seen):
        print(f"  {label:<{width}} {answered(seen[label]):>4}  "
              + ", ".join(f"{k} {v}" for k, v in sorted(seen[label].items())))
    print(f"  {WEBHOOKS} refusals: {dict(reasons.most_common())}")
    assert problems == [], "\n".join(problems)
    assert sum(answered(c, ("5xx",)) for c in seen.values()) == 0
    assert sum(answered(c, ("2xx", "3xx", "4xx")) for c in seen.values()) >= AT_LEAST, dict(seen)
    assert seen[WEBHOOKS]["positive 2xx"] > 0, "no generated webhook event got through its signature and checks"
