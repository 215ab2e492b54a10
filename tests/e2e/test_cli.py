"""`loyalty-local token | invoke | sweep` against the running stack, as a developer types them."""

from __future__ import annotations

import json

import pytest

from loyalty_local.cli import main

from ..support.template import ROOT
from .conftest import Local

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def cli_env(local: Local, monkeypatch: pytest.MonkeyPatch) -> Local:
    monkeypatch.setenv("LOYALTY_LOCAL_DIR", str(local.stack.settings.local_dir))
    return local


def test_token_prints_a_member_token_the_api_accepts(cli_env: Local, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--member", "cli-m1"]) == 0
    token = capsys.readouterr().out.strip()
    status, me = cli_env.call("GET", "/v1/me", token)
    assert (status, me["member_id"]) == (200, "cli-m1")


def test_token_with_admin_prints_an_operator_token(cli_env: Local, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--admin"]) == 0
    status, body = cli_env.call("GET", "/v1/admin/program", capsys.readouterr().out.strip())
    assert (status, body["document"]["id"]) == (200, "demo")


def test_invoke_runs_a_function_with_a_real_shaped_event_file(cli_env: Local,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    event = ROOT / "events" / "order_events" / "order-paid.json"
    assert main(["invoke", "order_events", "--event", str(event)]) == 0
    answer = json.loads(capsys.readouterr().out)
    member = json.loads(event.read_text())["detail"]["member_id"]
    assert answer["member_id"] == member
    ledger = cli_env.member(member).call("GET", "/v1/me/ledger")[1]["entries"]
    assert json.loads(event.read_text())["detail"]["order_id"] in {e["ref"] for e in ledger}


def test_invoke_of_an_unknown_function_says_what_is_deployed(cli_env: Local,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["invoke", "nope", "--event", str(ROOT / "events" / "http" / "template.json")]) == 1
    assert "no deployed function 'nope'" in capsys.readouterr().err


def test_sweep_hands_the_sweeps_function_the_event_for_the_given_program_and_day(
    cli_env: Local, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sweep", "expiry", "--date", "2027-01-31"]) == 0, capsys.readouterr()
    assert json.loads(capsys.readouterr().out) == {"sweep": "expiry", "program": "demo", "date": "2027-01-31",
                                                   "pages": 16}
    assert main(["sweep", "tier_review", "--program", "demo", "--date", "2027-01-31"]) == 0, capsys.readouterr()
    assert json.loads(capsys.readouterr().out)["sweep"] == "tier_review"


def test_sweep_of_an_unknown_name_says_which_sweeps_exist(cli_env: Local, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "fade", "--date", "2027-01-31"]) == 1
    assert "known: expiry, expiry_reminders, pending, point_holds, tier_review" in capsys.readouterr().err


def test_commands_that_need_the_stack_say_how_to_start_it(tmp_path: object, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LOYALTY_LOCAL_DIR", str(tmp_path))
    assert main(["sweep", "expiry", "--date", "2027-01-31"]) == 1
    assert "make run" in capsys.readouterr().err
