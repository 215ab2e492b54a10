"""The expiry sweep end to end: the Scheduler's event into `expiry`, SQS batches into the same
function (moto queue, partial batch failures), the member's items in the moto table.

Each policy at its boundary (the last second of the expiry day, month ends, leap day, Dec 31),
a sweep run twice, after a gap, with a worker failing halfway, and a redeem slipping in between
the sweep's read and its write; reads proportional to what is due."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from loyalty.domain.errors import ValidationFailed
from loyalty.services import expiry, rewards, sweeps
from loyalty.services.wiring import Wiring
from loyalty.store import keys, requests
from loyalty.store.table import MemberChange

from ..conftest import snapshot
from ..support.clock import Clock, shanghai
from ..support.events import LambdaContext, event_file, load_function
from ..support.sweeps import Sweeper
from . import api
from .expiry_support import books


def earn_on(clock: Clock, local: str, member: str, order_id: str, amount_fen: int) -> dict[str, Any]:
    """Credit an order through the back-office earn route (credited at once) at a local time."""
    clock.set(shanghai(local))
    status, body = api.earn(member, order_id, amount_fen)
    assert status == 200, body
    return body


def sweep(sweeper: Sweeper, clock: Clock, local: str, *, date: str | None = None, name: str = "expiry") -> dict[str, Any]:
    """Run a sweep as the schedule would at a local time (and for an explicit date, if given)."""
    clock.set(shanghai(local))
    return sweeper.run(name, date=date)


def use_program(**changes: Any) -> None:
    document = api.document_json()
    for section, values in changes.items():
        document[section] = {**document.get(section, {}), **values} if isinstance(values, dict) else values
    status, body = api.put_program(document)
    assert status == 200, body


def ledger_types(member: str = "m1") -> list[str]:
    return [e["type"] for e in reversed(api.get_member_ledger(member, limit="100")[1]["entries"])]


# ----- the boundary of each policy ------------------------------------------------------------


def test_given_a_lot_expiring_on_jan_31_when_its_last_second_passes_then_it_is_spendable_until_then_and_swept_the_next_day(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    earn_on(clock, "2026-01-15 12:00:00", "m1", "o1", 12345)  # 123 + 500 bonus, rolling: 2027-01-31
    assert api.create_reward("latte", 100)[0] == 201
    clock.set(shanghai("2027-01-31 23:59:59"))
    status, red = api.redeem("latte", key="last-second")
    assert (status, red["balance"]) == (201, 523)

    clock.set(shanghai("2027-02-01 00:00:00"))
    assert api.error_code(api.redeem("latte", key="one-second-later")) == (409, "INSUFFICIENT_POINTS")
    assert api.get_me()[1]["balance"] == 0  # not swept yet, but no longer spendable

    before = snapshot(table)
    sweep(sweeper, clock, "2027-01-31 00:05:00")  # the sweep of the expiry day itself: nothing
    assert snapshot(table) == before

    dispatched = sweep(sweeper, clock, "2027-02-01 00:05:00")
    assert dispatched == {"sweep": "expiry", "program": "demo", "date": "2027-02-01", "pages": keys.DUE_SHARDS}
    final = books(svc)
    final.assert_consistent()
    assert (final.balance, final.lots) == (0, {})
    expire = final.entries_of("expire")
    assert [(e["points"], e["lots"]) for e in expire] == [(-523, [{"expires_on": "2027-01-31", "points": -523}])]
    assert expire[0]["request_key"] == "expire:2027-01-31"
    me = api.get_me()[1]
    assert (me["balance"], me["expiring"], me["lifetime"]) == (0, [], {"earned": 623, "redeemed": 100, "expired": 523})
    assert ledger_types() == ["earn", "bonus", "redeem", "expire"]


@pytest.mark.parametrize(
    ("earned", "expires"),
    [
        ("2026-02-10 09:00:00", "2027-02-28"),  # month end of a common year
        ("2027-02-10 09:00:00", "2028-02-29"),  # leap day: the end of a leap February
        ("2028-02-29 09:00:00", "2029-02-28"),  # earned on the leap day
        ("2026-12-31 23:59:59", "2027-12-31"),  # Dec 31: the year turns the next day
        ("2026-04-30 00:00:00", "2027-04-30"),  # a 30-day month
    ],
)
def test_given_the_rolling_policy_when_sweeps_run_on_and_after_the_expiry_day_then_only_the_one_after_expires_the_lot(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper, earned: str, expires: str
) -> None:
    earn_on(clock, earned, "m1", "o1", 100000)
    assert books(svc).lots == {expires: 1500}
    last_day = dt.date.fromisoformat(expires)
    sweep(sweeper, clock, f"{last_day} 00:05:00")
    assert books(svc).lots == {expires: 1500}
    sweep(sweeper, clock, f"{last_day + dt.timedelta(days=1)} 00:05:00")
    final = books(svc)
    final.assert_consistent()
    assert (final.lots, int(final.account["expired"])) == ({}, 1500)


def test_given_the_fixed_year_end_policy_when_dec_31_of_the_next_year_ends_then_the_year_lots_expire_together(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    use_program(expiry={"policy": "fixed_year_end", "years_after": 1})
    earn_on(clock, "2026-01-01 00:00:00", "m1", "o1", 10000)  # 100 + 500
    earn_on(clock, "2026-12-31 23:59:59", "m1", "o2", 20000)  # 200, same lot
    earn_on(clock, "2027-01-01 00:00:00", "m1", "o3", 10000)  # 100, next year's lot
    assert books(svc).lots == {"2027-12-31": 800, "2028-12-31": 100}
    assert api.create_reward("mug", 800)[0] == 201
    clock.set(shanghai("2027-12-31 23:59:59"))
    assert api.redeem("mug", key="dec31")[0] == 201  # spends exactly the lot of 2027-12-31 (expires first)
    earn_on(clock, "2026-06-01 12:00:00", "m2", "o4", 50000)
    sweep(sweeper, clock, "2028-01-01 00:05:00")
    m1, m2 = books(svc, "m1"), books(svc, "m2")
    assert (m1.lots, m1.entries_of("expire")) == ({"2028-12-31": 100}, [])  # nothing left to expire
    assert (m2.lots, [e["points"] for e in m2.entries_of("expire")]) == ({}, [-1000])  # 500 + first-order 500
    m1.assert_consistent()
    m2.assert_consistent()


def test_given_the_never_policy_when_sweeps_run_years_later_then_nothing_expires_and_nothing_is_due(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    use_program(expiry={"policy": "never"})
    earn_on(clock, "2026-03-01 10:00:00", "m1", "o1", 10000)
    assert books(svc).lots == {"9999-12-31": 600}
    items, _ = svc.store.due_items("EXPIRE", "demo", keys.shard_of("m1"), dt.date(9998, 1, 1))
    assert items == []  # a lot that never expires is not in the due index at all
    before = snapshot(table)
    sweep(sweeper, clock, "2040-01-01 00:05:00")
    assert snapshot(table) == before
    assert api.get_me()[1]["expiring"] == []


def test_given_diamond_never_expires_when_a_member_reaches_it_then_new_points_never_expire_and_earlier_lots_keep_their_dates(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    document = api.document_json()
    for tier in document["tiers"]:
        if tier["code"] == "diamond":
            tier["expiry"] = "never"
    assert api.put_program(document)[0] == 200
    earn_on(clock, "2026-01-15 10:00:00", "m1", "o1", 10000)  # 100 + 500, member tier: 2027-01-31
    body = earn_on(clock, "2026-01-20 10:00:00", "m1", "o2", 1500000)  # 15000 points: reaches diamond
    assert body["tier"] == "diamond"
    earn_on(clock, "2026-02-01 10:00:00", "m1", "o3", 10000)  # as diamond: 200 points, never expire
    assert books(svc).lots == {"2027-01-31": 15600, "9999-12-31": 200}

    sweep(sweeper, clock, "2027-02-01 00:05:00")
    final = books(svc)
    final.assert_consistent()
    assert final.lots == {"9999-12-31": 200}
    assert [e["points"] for e in final.entries_of("expire")] == [-15600]


# ----- idempotent, catching up, proportional -----------------------------------------------------


def test_given_a_day_already_swept_when_the_same_day_is_swept_again_then_nothing_changes(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    for n in range(5):
        earn_on(clock, "2026-01-15 10:00:00", f"m{n}", f"o{n}", 10000 * (n + 1))
    sweep(sweeper, clock, "2027-02-01 00:05:00")
    after_first = snapshot(table)
    processed = len(sweeper.messages)
    sweep(sweeper, clock, "2027-02-01 06:00:00")
    assert snapshot(table) == after_first
    # The second run found nothing due: only its 16 page messages, no member was visited.
    assert [m["type"] for m in sweeper.messages[processed:]] == ["page"] * keys.DUE_SHARDS
    for n in range(5):
        member = books(svc, f"m{n}")
        member.assert_consistent()
        assert len(member.entries_of("expire")) == 1


def test_given_three_days_without_a_sweep_when_the_next_one_runs_then_every_lot_that_expired_meanwhile_expires_once(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    use_program(expiry={"to_month_end": False})  # a lot per day: 12 months to the day
    for day in range(1, 6):
        earn_on(clock, f"2026-03-0{day} 10:00:00", "m1", f"o{day}", 1000 * day)
    assert books(svc).lots == {"2027-03-01": 510, "2027-03-02": 20, "2027-03-03": 30, "2027-03-04": 40,
                               "2027-03-05": 50}
    sweep(sweeper, clock, "2027-03-02 00:05:00")  # then the sweeps of 03-03, 03-04 and 03-05 did not run
    assert books(svc).lots == {"2027-03-02": 20, "2027-03-03": 30, "2027-03-04": 40, "2027-03-05": 50}

    sweep(sweeper, clock, "2027-03-06 00:05:00")
    final = books(svc)
    final.assert_consistent()
    assert final.lots == {}
    assert [(e["lots"][0]["expires_on"], e["points"]) for e in final.entries_of("expire")] == [
        ("2027-03-01", -510), ("2027-03-02", -20), ("2027-03-03", -30), ("2027-03-04", -40), ("2027-03-05", -50)]


def test_given_1_percent_of_lots_due_when_the_sweep_runs_then_it_reads_only_the_due_lots_from_the_index(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper, monkeypatch: pytest.MonkeyPatch
) -> None:
    earn_on(clock, "2026-01-10 10:00:00", "due", "d1", 10000)  # the one lot of 2027-01-31
    # 99 lots of other members that expire later, stored as the store stores lots (earning them
    # one by one would only make the in-process engine slow).
    for n in range(99):
        pk = keys.member_pk("demo", f"later{n:02d}")
        table.put_item(TableName=svc.store.table_name, Item={
            "PK": {"S": pk}, "SK": {"S": keys.lot_sk(dt.date(2027, 6, 30))}, "remaining": {"N": "100"},
            "expires_on": {"S": "2027-06-30"}, "due_pk": {"S": keys.due_pk("EXPIRE", "demo", keys.shard_of(f"later{n:02d}"))},
            "due_sk": {"S": f"2027-06-30#{pk}"}})
    read: list[int] = []
    original = svc.store.due_items

    def counting(*args: Any, **kwargs: Any) -> Any:
        items, cursor = original(*args, **kwargs)
        read.append(len(items))
        return items, cursor

    monkeypatch.setattr(svc.store, "due_items", counting)
    sweep(sweeper, clock, "2027-02-01 00:05:00")
    assert (len(read), sum(read)) == (keys.DUE_SHARDS, 1)
    assert [m["member"] for m in sweeper.messages if m["type"] == "member"] == ["due"]
    assert books(svc, "due").lots == {}


def test_given_a_worker_that_fails_halfway_when_sqs_retries_the_failed_members_then_each_lot_expires_exactly_once(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: six members with two lots due each, and a worker that dies on three of them
    members = [f"m{n}" for n in range(6)]
    for n, member in enumerate(members):
        earn_on(clock, "2026-01-15 10:00:00", member, f"o{n}", 1000 * (n + 1))
        earn_on(clock, "2026-02-15 10:00:00", member, f"p{n}", 5000)  # a second lot, due too
    commit = svc.store.commit
    crashes = {"m1": "after", "m3": "before", "m5": "after"}  # a crash after the write, or before it
    crashed: list[str] = []

    def flaky(change: MemberChange) -> None:
        member = change.after.member
        when = crashes.pop(member, None) if change.request_key == "expire:2027-02-28" else None
        if when == "before":
            crashed.append(member)
            raise RuntimeError("worker died before its write")
        commit(change)
        if when == "after":
            crashed.append(member)
            raise RuntimeError("worker died after its write")

    # when: the sweep runs and SQS hands back the failed members' messages
    monkeypatch.setattr(svc.store, "commit", flaky)
    sweep(sweeper, clock, "2027-03-01 00:05:00")
    # then: only those were retried, and every lot expired exactly once
    assert sorted(crashed) == ["m1", "m3", "m5"]
    failures = [f for batch in sweeper.batches for f in batch.get("batchItemFailures", [])]
    assert len(failures) == 3  # each failed member message alone was returned to the queue
    for n, member in enumerate(members):
        final = books(svc, member)
        final.assert_consistent()
        assert final.lots == {}
        assert sorted(e["request_key"] for e in final.entries_of("expire")) == ["expire:2027-01-31", "expire:2027-02-28"]
        assert int(final.account["expired"]) == 10 * (n + 1) + 500 + 50


def test_given_a_redeem_that_lands_between_the_sweeps_read_and_its_write_when_the_sweep_retries_then_it_expires_only_what_is_left(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper, monkeypatch: pytest.MonkeyPatch
) -> None:
    earn_on(clock, "2026-01-15 12:00:00", "m1", "o1", 12345)  # 623, last day 2027-01-31
    assert api.create_reward("latte", 100)[0] == 201
    commit = svc.store.commit
    interleaved: list[int] = []

    def redeem_first(change: MemberChange) -> None:
        if change.request_key == "expire:2027-01-31" and not interleaved:
            # A redemption made at 23:59:59 on the last day, whose write reaches the table only now.
            receipt = rewards.redeem(svc, program_id="demo", member="m1", reward_id="latte", quantity=2,
                                         idempotency_key="late", now=shanghai("2027-01-31 23:59:59"))
            interleaved.append(receipt.body["balance"])
        commit(change)

    monkeypatch.setattr(svc.store, "commit", redeem_first)
    sweep(sweeper, clock, "2027-02-01 00:05:00")
    assert interleaved == [423]
    final = books(svc)
    final.assert_consistent()
    assert [e["points"] for e in final.entries_of("expire")] == [-423]  # not the 200 already spent
    assert (int(final.account["redeemed"]), int(final.account["expired"]), final.balance) == (200, 423, 0)


def test_given_a_sweep_started_for_a_future_day_when_it_runs_then_lots_still_spendable_today_stay(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    earn_on(clock, "2026-01-15 12:00:00", "m1", "o1", 12345)
    before = snapshot(table)
    sweep(sweeper, clock, "2027-01-31 08:00:00", date="2027-02-05")
    assert snapshot(table) == before


def test_given_an_expired_lot_when_swept_then_its_request_key_is_kept_at_least_4_days_for_retries(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    earn_on(clock, "2026-01-15 12:00:00", "m1", "o1", 12345)
    sweep(sweeper, clock, "2027-02-01 00:05:00")
    account = svc.store.load_member("demo", "m1", account_only=True).account
    pointer = requests.find(account.request_log, "expire:2027-01-31")
    assert pointer is not None
    assert (pointer.expires_day + 1) * 86400 - int(shanghai("2027-02-01 00:05:00").timestamp()) >= 4 * 86400
    stored = svc.store.get_request("demo", "m1", "expire:2027-01-31", account=account)
    assert stored is not None and stored.body["points"] == 623
    lots = [i for i in snapshot(table) if i["SK"]["S"].startswith(keys.LOT_PREFIX)]
    assert lots == []  # expired by the sweep with its ledger entry, never left to TTL


# ----- the real-shaped events --------------------------------------------------------------------


def test_given_a_sweep_run_by_hand_without_a_date_then_the_programs_local_day_is_swept(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    earn_on(clock, "2026-01-15 12:00:00", "m1", "o1", 12345)
    # 2027-01-31 16:05 UTC is already 2027-02-01 00:05 in Shanghai: the local day is swept.
    clock.set(dt.datetime(2027, 1, 31, 16, 5, tzinfo=dt.UTC))
    result = load_function("expiry").handler(event_file("expiry/run-expiry.json"), LambdaContext())
    assert result["date"] == "2027-02-01"
    sweeper.drain()
    assert books(svc).lots == {}


def test_given_the_sqs_batch_of_a_page_and_a_member_when_the_worker_runs_it_then_both_succeed(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    earn_on(clock, "2026-01-15 12:00:00", "m1", "o1", 12345)
    clock.set(shanghai("2027-02-01 00:05:00"))
    response = load_function("expiry").handler(event_file("expiry/sqs-expiry-batch.json"), LambdaContext())
    assert response == {"batchItemFailures": []}
    assert books(svc).lots == {}


@pytest.mark.parametrize("event", [{"sweep": "expiry", "program": "demo", "date": "2027-02-30"},
                                   {"sweep": "fade", "program": "demo"}, {"program": "demo"},
                                   {"sweep": "tier_review", "program": "demo"}, {"sweeps": []},
                                   {"sweeps": ["expiry", "tier_review"]}],
                         ids=["bad-date", "unknown-sweep", "no-sweep", "another-functions-sweep", "no-sweeps",
                              "a-schedule-naming-another-functions-sweep"])
def test_given_a_malformed_scheduler_event_when_dispatched_then_it_is_refused_and_nothing_is_sent_or_written(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper, event: dict[str, Any]
) -> None:
    before = snapshot(table)
    with pytest.raises((ValidationFailed, ValueError)):
        load_function("expiry").handler(event, LambdaContext())
    assert sweeper.sqs.receive_message(QueueUrl=sweeper.url).get("Messages") is None
    assert snapshot(table) == before


def test_given_the_expiry_sweep_of_a_day_when_asked_what_it_covers_then_every_day_before_it_leap_day_included() -> None:
    kind = sweeps.kind_of(expiry.SWEEP)
    assert (kind.due_kind, kind.until(dt.date(2028, 3, 1)), kind.until(dt.date(2028, 1, 1))) == (
        "EXPIRE", dt.date(2028, 2, 29), dt.date(2027, 12, 31))


# ----- the account's summary of its earliest lots ------------------------------------------------


def test_given_a_member_with_a_due_lot_when_swept_then_the_worker_reads_the_account_item_alone(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper, monkeypatch: pytest.MonkeyPatch
) -> None:
    earn_on(clock, "2026-01-15 12:00:00", "m1", "o1", 12345)
    earn_on(clock, "2026-06-15 12:00:00", "m1", "o2", 1000)
    client, read = svc.store.client, []
    query = client.query

    def table_query(**kwargs: Any) -> dict[str, Any]:  # the due index's entries are not table items
        answer: dict[str, Any] = query(**kwargs)
        if "IndexName" not in kwargs:
            read.extend(item["SK"] for item in answer["Items"])
        return answer

    monkeypatch.setattr(client, "query", table_query)
    sweep(sweeper, clock, "2027-02-01 00:05:00")
    assert read == ["ACCOUNT"]
    assert books(svc).lots == {"2027-06-30": 10}


def test_given_a_summary_that_disagrees_with_its_lot_when_swept_then_the_lot_decides_and_the_summary_is_mended(
    svc: Wiring, table: Any, clock: Clock, sweeper: Sweeper
) -> None:
    earn_on(clock, "2026-01-15 12:00:00", "m1", "o1", 12345)
    table.update_item(TableName=svc.store.table_name,
                      Key={"PK": {"S": keys.member_pk("demo", "m1")}, "SK": {"S": keys.ACCOUNT}},
                      UpdateExpression="SET early_lots = :wrong", ExpressionAttributeValues={":wrong": {"S": "2027-01-31=999"}})
    sweep(sweeper, clock, "2027-02-01 00:05:00")
    final = books(svc)  # the summary matches the lots again
    assert final.balance == 0 and [int(e["points"]) for e in final.entries_of("expire")] == [-623]
