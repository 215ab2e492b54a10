"""schemathesis over the exported OpenAPI document (docs/openapi.json), against the running stack:
valid and invalid requests on every operation; no 5xx, and no 4xx writes anything."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from ..support.template import ROOT
from .conftest import Local, unique

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

AT_LEAST = 500


def test_generated_requests_on_every_operation_never_get_a_5xx_and_no_4xx_changes_anything(local: Local) -> None:
    # A program of its own, so generated writes (rewards, program versions) touch no other test's data.
    program = unique("fuzz")
    admin = local.admin(program)
    document = local.admin().call("GET", "/v1/admin/program")[1]["document"]
    assert admin.call("PUT", "/v1/admin/program", {**document, "id": program})[0] == 200
    assert admin.call("POST", "/v1/admin/rewards", {"id": "tree", "name": "Tree", "points": 10})[0] == 201
    member = local.member("fuzz-member", program)
    local.admin(program).adjust(member.id, 5_000)
    tokens = {"admin": admin.token, "member": member.token}

    schema = schemathesis.openapi.from_path(ROOT / "docs" / "openapi.json")
    session = requests.Session()
    seen: Counter[str] = Counter()
    problems: list[str] = []

    def check(case: Any) -> None:
        token = tokens["admin" if case.path.startswith("/v1/admin") else "member"]
        before = local.table_items()
        try:
            response = case.call(base_url=local.endpoints.api_url, session=session, timeout=30,
                                 headers={"Authorization": f"Bearer {token}"})
        except (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL, UnicodeError, ValueError):
            seen["unsendable"] += 1  # not an HTTP request at all (e.g. a newline in a header)
            return
        status = response.status_code
        seen[f"{status // 100}xx"] += 1
        where = f"{case.method} {case.formatted_path} -> {status} {response.text[:200]}"
        if status >= 500:
            problems.append(f"5xx: {where}")
        elif status >= 400:
            if local.table_items() != before:
                problems.append(f"a {status} wrote to the table: {where}")
            body = response.json()
            # The gateway's own refusals ({"message": ...}) aside, every error has the envelope.
            if "message" not in body and not {"code", "message"} <= (body.get("error") or {}).keys():
                problems.append(f"no error envelope: {where}")

    operations = [result.ok() for result in schema.get_all_operations()]
    with_inputs = {op.label for op in operations if list(op.iter_parameters()) or op.body}
    # An operation without parameters or body has one request to make, and nothing to make invalid;
    # the others share the rest of the budget, valid and invalid, with a tenth to spare for the
    # requests hypothesis generates twice.
    per_mode = math.ceil(1.1 * (AT_LEAST - (len(operations) - len(with_inputs))) / (2 * len(with_inputs)))
    for operation in operations:
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if operation.label in with_inputs else \
            [GenerationMode.POSITIVE]
        for mode in modes:
            @settings(max_examples=per_mode, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                check(case)

            try:
                run()
            except Unsatisfiable:
                # Only where the schema leaves nothing to break (say, one free-form string in
                # the path): there is no invalid request of this operation to send.
                assert mode is GenerationMode.NEGATIVE, operation.label
                seen[f"no invalid input: {operation.label}"] += 1

    print(f"\nschemathesis: {dict(seen)}")
    assert problems == []
    assert sum(seen[kind] for kind in ("2xx", "3xx", "4xx")) >= AT_LEAST, seen
