"""`make run`'s promises: the data survives a graceful restart, an unchanged tree deploys
nothing, and a changed function is redeployed alone."""

from __future__ import annotations

import pathlib
import urllib.request

import pytest

from loyalty_local.stack import LocalStack, Settings, free_port, http_json

from .conftest import LAMBDA_CONCURRENCY, Local, unique
from .workspace import clone_working_tree

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

MARKER = """

_served = handler


def handler(event, context):  # added by the e2e test: proves this code was redeployed
    response = _served(event, context)
    response.setdefault("headers", {})["x-redeployed"] = "yes"
    return response
"""


def test_data_survives_a_restart_and_only_a_changed_function_is_redeployed(tmp_path: pathlib.Path) -> None:
    tree = clone_working_tree(tmp_path / "tree")
    settings = Settings(root=tree, local_dir=tree / ".local", gateway_port=free_port(), issuer_port=free_port(), wechat_port=free_port(),
                        lambda_concurrency=LAMBDA_CONCURRENCY)
    said: list[str] = []
    member = unique("keep")

    # given: a stack that was started, given points and stopped
    stack = LocalStack(settings, say=said.append)
    endpoints = stack.start()
    try:
        admin = stack.issuer.token("op", admin=True)
        status, _ = http_json("POST", f"{endpoints.api_url}/v1/admin/members/{member}/adjustments", token=admin,
                              body={"points": 300, "reason": "before restart"}, headers={"Idempotency-Key": member})
        assert status in (200, 201)
    finally:
        stack.stop()
    assert any("created" in line for line in said) and any("loaded program" in line for line in said)

    # when: it starts again; then: nothing is redeployed and the points are still there
    said.clear()
    stack = LocalStack(settings, say=said.append)
    endpoints = stack.start()
    try:
        assert said == ["stack loyalty-local: unchanged"]  # nothing deployed, nothing re-seeded
        status, me = http_json("GET", f"{endpoints.api_url}/v1/me", token=stack.issuer.token(member))
        assert (status, me["balance"]) == (200, 300)
        # MiniStack drops the template's TimeToLiveSpecification; the deploy sets it.
        ttl = stack.aws("dynamodb").describe_time_to_live(TableName=endpoints.table_name)["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "ttl")
        # make run's stack fires the sweeps on their schedules, as a deployed one does.
        assert schedule_states(stack) == {"ENABLED"}

        # when: one function's code changes; then: that function alone is redeployed
        lam = stack.aws("lambda")
        code = {name: lam.get_function(FunctionName=fn)["Configuration"]["CodeSha256"]
                for name, fn in endpoints.functions.items()}
        with (tree / "functions" / "account" / "app.py").open("a") as app:
            app.write(MARKER)
        stack.deploy()
        assert said[-1].startswith("stack loyalty-local: updated")
        changed = {name for name, fn in endpoints.functions.items()
                   if lam.get_function(FunctionName=fn)["Configuration"]["CodeSha256"] != code[name]}
        assert changed == {"account"}

        request = urllib.request.Request(f"{endpoints.api_url}/v1/me",
                                         headers={"Authorization": f"Bearer {stack.issuer.token(member)}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.headers["x-redeployed"] == "yes"
    finally:
        stack.stop()


def schedule_states(stack: LocalStack) -> set[str]:
    listed = stack.aws("scheduler").list_schedules()["Schedules"]
    return {s["State"] for s in listed if s["Name"].startswith(stack.settings.stack_name)}


def test_the_e2e_stack_keeps_its_schedules_disabled_so_no_sweep_runs_under_a_test(local: Local) -> None:
    # The suites start each sweep themselves; one firing mid-request would look like its write.
    assert schedule_states(local.stack) == {"DISABLED"}
