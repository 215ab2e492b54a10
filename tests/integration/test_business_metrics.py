"""Business metrics (EMF, namespace Loyalty) as the real functions write them to their logs: the
stream publisher counts points issued and spent by type and redemptions once per committed
entry (a record retried alone after a failure is not counted twice), the HTTP functions count
the 409 CONFLICTs they answer, the point-holds sweep the holds that lapsed."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support import partners
from ..support.clock import Clock
from ..support.events import LambdaContext, load_function
from ..support.streams import TableStream, publish
from ..support.sweeps import Sweeper
from ..support.template import TABLE
from . import api, holds_api
from .reconciliation_support import metric_lines


def counted(out: str, name: str) -> Counter[str]:
    """The values of metric ``name`` in captured stdout, summed by their ``type`` (or route)."""
    totals: Counter[str] = Counter()
    for line in metric_lines(out, name):
        assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Loyalty"
        totals[str(line.get("type", line.get("route", "")))] += int(sum(line[name]))
    return totals


@pytest.fixture
def stream(table: Any) -> TableStream:
    return TableStream(TABLE)


def test_given_earns_a_redemption_and_an_adjustment_when_published_then_points_are_counted_by_type_once(
    svc: Wiring, stream: TableStream, capsys: pytest.CaptureFixture[str]
) -> None:
    assert api.create_reward("mug", 300, stock=10)[0] == 201
    assert api.earn("m1", "o1", 100_000)[0] == 200  # 1,000 points and the 500 first-order bonus
    assert api.adjust("m1", -40, key="down")[0] == 201
    assert api.redeem("mug")[0] == 201
    capsys.readouterr()
    publish(stream)
    out = capsys.readouterr().out
    assert counted(out, "PointsIssued") == {"earn": 1_000, "bonus": 500}
    assert counted(out, "PointsSpent") == {"redeem": 300}
    assert counted(out, "PointsAdjustedOut") == {"": 40}
    assert counted(out, "Redemptions") == {"": 1}


def test_given_a_record_that_fails_when_lambda_hands_the_batch_again_from_it_then_every_entry_counts_once(
    svc: Wiring, stream: TableStream, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in (1, 2, 3):
        assert api.earn(f"m{n}", f"o{n}", 10_000 * n)[0] == 200  # 100, 200, 300 points (+ 500 bonus each)
    records = [r for r in stream.records() if r["dynamodb"]["Keys"]["SK"]["S"].startswith("TX#")]
    assert len(records) == 3
    publish_events = svc.bus.publish

    def failing_for_m2(events: Any) -> int:
        if any(getattr(e, "member", None) == "m2" or "m2" in str(e.detail()) for e in events):
            raise RuntimeError("the bus is down")
        return publish_events(events)

    monkeypatch.setattr(svc.bus, "publish", failing_for_m2)
    capsys.readouterr()
    first = load_function("ledger_events").handler(stream.lambda_event(records), LambdaContext())
    assert [f["itemIdentifier"] for f in first["batchItemFailures"]] == [records[1]["dynamodb"]["SequenceNumber"]]
    assert counted(capsys.readouterr().out, "PointsIssued") == {"earn": 100, "bonus": 500}  # m1's alone
    monkeypatch.setattr(svc.bus, "publish", publish_events)
    again = load_function("ledger_events").handler(stream.lambda_event(records[1:]), LambdaContext())
    assert again["batchItemFailures"] == []
    assert counted(capsys.readouterr().out, "PointsIssued") == {"earn": 500, "bonus": 1_000}  # m2's and m3's


def test_given_a_hold_placed_and_released_then_neither_is_counted_as_issued_or_spent(
    svc: Wiring, stream: TableStream, capsys: pytest.CaptureFixture[str]
) -> None:
    assert api.adjust("m1", 6_000, key="fund")[0] == 201
    hold_id = holds_api.hold("o-1", 20_000, 1_000)[1]["hold_id"]
    assert holds_api.release(hold_id)[0] == 200
    capsys.readouterr()
    publish(stream)
    out = capsys.readouterr().out
    assert counted(out, "PointsIssued") == {"adjust": 6_000}
    assert metric_lines(out, "PointsSpent") == []


def test_given_a_409_conflict_answered_then_it_is_counted_by_route(
    svc: Wiring, table: Any, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    partners.register("shop")
    other = {**svc.programs.get("demo").to_document(), "id": "other"}
    svc.store.put_program_document("other", other, expected_version=0, updated_at=clock(), updated_by="test")
    before = snapshot(table)
    capsys.readouterr()
    status, body = partners.register("shop", program="other")
    assert (status, body["error"]["code"]) == (409, "CONFLICT")
    assert counted(capsys.readouterr().out, "Conflicts") == {"PUT /v1/admin/partners/{partner_id}": 1}
    assert snapshot(table) == before
    assert api.get_me()[0] == 200
    assert metric_lines(capsys.readouterr().out, "Conflicts") == []  # other answers count nothing


def test_given_holds_whose_time_is_over_when_the_sweep_lapses_them_then_each_is_counted_once(
    svc: Wiring, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    assert api.adjust("m1", 6_000, key="fund")[0] == 201
    holds_api.hold("o-1", 20_000, 1_000)
    holds_api.hold("o-2", 20_000, 2_000)
    clock.advance(minutes=31)
    sweeper = Sweeper(svc)
    capsys.readouterr()
    sweeper.scheduled({"sweeps": ["point_holds"]})
    assert counted(capsys.readouterr().out, "HoldsLapsed") == {"": 2}
    sweeper.scheduled({"sweeps": ["point_holds"]})  # again: nothing left to lapse, nothing counted
    assert metric_lines(capsys.readouterr().out, "HoldsLapsed") == []
