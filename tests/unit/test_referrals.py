"""The referral rules (domain/referrals.py): who may invite whom, and what a friend's order says."""

from __future__ import annotations

import datetime as dt

import pytest

from loyalty.domain.errors import Ended, Forbidden, ValidationFailed
from loyalty.domain.referrals import (
    RECENT_DEVICES,
    Invite,
    check_friend,
    check_invite,
    on_first_order,
    remember_device,
)

AT = dt.datetime(2026, 11, 23, 4, tzinfo=dt.UTC)
INVITE = Invite(friend="bob", inviter="alice", invited_at=AT, inviter_devices=("d-alice",))


def test_an_invite_of_a_new_friend_from_another_device_is_accepted() -> None:
    check_friend("alice", "bob")
    accepted = check_invite("alice", "bob", friend_orders=0, inviter_devices=("d-alice",), friend_devices=("d-bob",))
    assert accepted is None  # no refusal raised


@pytest.mark.parametrize("friend", ["alice", "", "bob#x", "b" * 65, "名字"])
def test_oneself_and_a_ref_that_is_no_member_id_are_refused(friend: str) -> None:
    with pytest.raises(ValidationFailed):
        check_friend("alice", friend)


def test_a_friend_who_has_ordered_is_no_new_customer() -> None:
    with pytest.raises(Ended) as refused:
        check_invite("alice", "bob", friend_orders=1, inviter_devices=(), friend_devices=())
    assert refused.value.details["reason"] == "friend_has_ordered"


def test_one_device_in_both_accounts_is_refused() -> None:
    with pytest.raises(Forbidden) as refused:
        check_invite("alice", "bob", friend_orders=0, inviter_devices=("d1", "d2"), friend_devices=("d2",))
    assert refused.value.details["reason"] == "same_device"


def test_only_the_first_paid_order_of_an_invited_friend_names_the_inviter() -> None:
    assert on_first_order(INVITE, orders_before=0, amount_fen=100, friend_devices=("d-bob",)) == {
        "referred_by": "alice", "referral_action": "invite"}
    assert on_first_order(INVITE, orders_before=1, amount_fen=100, friend_devices=()) == {}
    assert on_first_order(INVITE, orders_before=0, amount_fen=0, friend_devices=()) == {}  # paid by a voucher
    assert on_first_order(None, orders_before=0, amount_fen=100, friend_devices=()) == {}


def test_a_friend_on_the_inviters_device_at_the_first_order_is_refused_the_referral() -> None:
    assert on_first_order(INVITE, orders_before=0, amount_fen=100, friend_devices=("d-bob", "d-alice")) == {
        "referral_refused": "same_device"}


def test_recent_devices_keep_the_newest_and_forget_the_oldest() -> None:
    devices: tuple[str, ...] = ()
    for n in range(RECENT_DEVICES + 2):
        devices = remember_device(devices, f"d{n}")
    assert devices == tuple(f"d{n}" for n in range(2, RECENT_DEVICES + 2))
    assert remember_device(devices, "d2")[-1] == "d2" and len(remember_device(devices, "d2")) == RECENT_DEVICES


def test_an_invite_survives_its_stored_form() -> None:
    assert Invite.from_stored("bob", INVITE.to_stored()) == INVITE
