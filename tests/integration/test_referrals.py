"""Referrals (邀请有礼) through the real entry points: a `MemberAction` invite (EventBridge) or an
operator's report records the invite with 0 points; the friend's first paid order (the earn
route) names the inviter on its ledger entry; the publisher (the table's stream) turns that into
`ReferralQualified`, which the member-action consumer pays once, within the monthly cap.
Refusals (oneself, a friend invited or ordered already, one device for both) write nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from loyalty.domain.errors import ValidationFailed
from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support import partners
from ..support.bus import BusTap
from ..support.clock import Clock
from ..support.events import call, http_event, member_claims
from ..support.streams import TableStream, publish
from ..support.template import TABLE
from . import api
from .test_actions import action_event, by_admin, on_bus, use_program, with_action

pytestmark = pytest.mark.usefixtures("clock")

FIRST_ORDER_FEN = 12_800  # 128 CNY: 128 points + the 500 first-order bonus


def invite(inviter: str, friend: str) -> dict[str, Any]:
    return on_bus(action_event("invite", friend, member=inviter, event_id=f"evt-invite-{inviter}-{friend}"))


def delivered(bus: BusTap, stream: TableStream) -> list[dict[str, Any]]:
    """Run the publisher on what was committed since; the ReferralQualified events it put on the bus."""
    publish(stream)
    # moto's delivery to the tap's queue leaves out the envelope's account, which EventBridge sets.
    return [{"account": "123456789012", **e} for e in bus.drain() if e["detail-type"] == "ReferralQualified"]


def balance(member: str) -> int:
    status, body = api.get_member(member)
    assert status == 200, body
    return int(body["balance"])


def check_in_on(member: str, device: str) -> None:
    event = http_event("POST", "/v1/me/check-ins", claims=member_claims(member), headers={"X-Device-Id": device})
    status, body = call("checkin", event)
    assert status == 200, body


@pytest.fixture
def stream(table: Any) -> TableStream:
    return TableStream(TABLE)


def test_an_invite_records_0_points_and_the_friends_first_paid_order_pays_the_inviter_once(
        svc: Wiring, bus: BusTap, stream: TableStream) -> None:
    recorded = invite("alice", "bob")
    assert (recorded["status"], recorded["points"], recorded["ref"]) == ("recorded", 0, "bob")
    assert balance("alice") == 0
    assert delivered(bus, stream) == []  # registering or being invited pays nobody

    status, earned = api.earn("bob", "o-1", FIRST_ORDER_FEN)
    assert status == 200 and earned["bonus"] == 500, earned
    events = delivered(bus, stream)
    assert [(e["detail"]["member_id"], e["detail"]["friend_id"], e["detail"]["order_id"]) for e in events] == [
        ("alice", "bob", "o-1")]
    assert events[0]["source"] == "loyalty"

    paid = on_bus(events[0])
    assert (paid["status"], paid["points"], paid["replayed"]) == ("credited", 200, False)
    assert balance("alice") == 200
    again = on_bus(copy.deepcopy(events[0]))  # EventBridge delivers at least once
    assert (again["replayed"], again["points"]) == (True, 200)
    assert balance("alice") == 200

    status, _ = api.earn("bob", "o-2", FIRST_ORDER_FEN)
    assert status == 200 and delivered(bus, stream) == []  # only the first paid order qualifies
    status, ledger = api.get_member_ledger("alice")
    assert status == 200
    assert [(e["type"], e["points"], e["ref"]) for e in ledger["entries"]] == [("bonus", 200, "bob"), ("bonus", 0, "bob")]


def test_the_friends_first_order_by_partner_webhook_qualifies_the_referral_while_its_points_are_pending(
        svc: Wiring, bus: BusTap, stream: TableStream, clock: Clock) -> None:
    invite("alice", "bob")
    status, registered = partners.register("shop", events=["order.paid"])
    assert status == 201, registered
    body = partners.payload("order.paid", member_id="bob", order_id="o-1", amount_fen=FIRST_ORDER_FEN,
                            paid_at=clock.now.isoformat())
    status, answer = partners.send("shop", registered["secret"], body, webhook_id="wh-1", at=clock.now)
    assert status == 200 and answer["results"][0]["status"] == "pending", answer
    assert [e["detail"]["member_id"] for e in delivered(bus, stream)] == ["alice"]


def test_a_friend_invited_already_cannot_be_invited_again_by_anyone_and_nothing_is_written(
        svc: Wiring, table: Any) -> None:
    invite("alice", "bob")
    before = snapshot(table)
    with pytest.raises(Exception) as refused:
        invite("carol", "bob")
    assert getattr(refused.value, "code", None) == "LIMIT_REACHED"
    assert refused.value.details["reason"] == "already_invited"  # type: ignore[attr-defined]
    assert snapshot(table) == before
    status, body = by_admin("carol", "invite", "bob")
    assert (status, body["error"]["code"]) == (409, "LIMIT_REACHED")
    assert snapshot(table) == before
    assert invite("alice", "bob")["status"] == "recorded"  # the same invite again: its first answer


def test_a_friend_who_has_ordered_already_cannot_be_invited(svc: Wiring, table: Any) -> None:
    assert api.earn("bob", "o-1", FIRST_ORDER_FEN)[0] == 200
    before = snapshot(table)
    status, body = by_admin("alice", "invite", "bob")
    assert (status, body["error"]["code"], body["error"]["details"]["reason"]) == (409, "ENDED", "friend_has_ordered")
    assert snapshot(table) == before


@pytest.mark.parametrize("friend", ["alice", "bob#1", "has space"])
def test_inviting_oneself_or_a_ref_that_is_no_member_id_is_422_and_writes_nothing(
        svc: Wiring, table: Any, friend: str) -> None:
    before = snapshot(table)
    status, body = by_admin("alice", "invite", friend)
    assert (status, body["error"]["code"]) == (422, "VALIDATION_FAILED"), body
    assert snapshot(table) == before
    with pytest.raises(ValidationFailed):
        invite("alice", friend)


def test_one_device_cannot_invite_itself_as_the_friend(svc: Wiring, table: Any) -> None:
    check_in_on("alice", "phone-1")
    check_in_on("bob", "phone-1")
    before = snapshot(table)
    status, body = by_admin("alice", "invite", "bob")
    assert (status, body["error"]["code"], body["error"]["details"]["reason"]) == (403, "FORBIDDEN", "same_device")
    assert snapshot(table) == before


def test_a_friend_who_uses_the_inviters_device_after_the_invite_does_not_qualify_it(
        svc: Wiring, bus: BusTap, stream: TableStream) -> None:
    check_in_on("alice", "phone-1")
    assert invite("alice", "bob")["status"] == "recorded"
    check_in_on("bob", "phone-1")  # the same phone plays the friend
    assert api.earn("bob", "o-1", FIRST_ORDER_FEN)[0] == 200
    assert delivered(bus, stream) == []
    status, ledger = api.get_member_ledger("bob")
    earn_entry = next(e for e in ledger["entries"] if e["type"] == "earn")
    assert status == 200 and earn_entry["details"]["referral_refused"] == "same_device"


def test_payouts_count_toward_the_invites_monthly_cap(svc: Wiring, bus: BusTap, stream: TableStream) -> None:
    use_program(behaviours={"actions": with_action("invite", {"points": 200, "monthly_cap": 1,
                                                              "pays_on": "friend_first_order"})})
    invite("alice", "bob")
    invite("alice", "dan")  # recording is not capped: only what is paid is
    api.earn("bob", "o-1", FIRST_ORDER_FEN)
    api.earn("dan", "o-2", FIRST_ORDER_FEN)
    answers = [on_bus(e) for e in delivered(bus, stream)]
    assert sorted((a["ref"], a["points"], a["status"]) for a in answers) == [
        ("bob", 200, "credited"), ("dan", 0, "capped")]
    assert balance("alice") == 200


def test_a_referral_event_from_any_source_but_the_engine_is_refused(svc: Wiring, bus: BusTap, stream: TableStream) -> None:
    invite("alice", "bob")
    api.earn("bob", "o-1", FIRST_ORDER_FEN)
    forged = copy.deepcopy(delivered(bus, stream)[0])
    forged["source"] = "brand.crm"
    with pytest.raises(ValidationFailed):
        on_bus(forged)
    assert balance("alice") == 0
