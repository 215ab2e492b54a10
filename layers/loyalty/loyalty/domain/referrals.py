"""Referrals (邀请有礼): the inviter is paid when the friend's first paid order is paid, not when
the friend registers, once per friend, within the invite behaviour's monthly cap.

A fake invite costs a script nothing but a new account; a paid order costs it money. So the
invite (``member.action`` ``invite`` with the friend as ``ref``) only records who invited whom:
an item in the friend's partition, written only if absent, so each friend has one inviter. It
keeps the inviter's recent devices. The friend's first paid order reads it with the rest of the
friend's partition (no extra read) and names the inviter on its ledger entry, unless one of the
friend's recent devices is one of the inviter's: one phone playing both parts is the commonest
farm. The publisher turns that entry into ``ReferralQualified``, whose consumer pays the inviter
under the request key ``referral:{friend}``: delivered twice, paid once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .account import MEMBER_ID
from .errors import Ended, Forbidden, LimitReached, ValidationFailed

# How many distinct devices an account (or an invite) remembers: enough for a member's phone,
# tablet and a replacement; a farm rotating more devices than this through one account is
# caught by the per-device caps instead.
RECENT_DEVICES = 8


@dataclass(frozen=True)
class Invite:
    """Who invited the friend, from which devices, when; stored in the friend's partition."""

    friend: str
    inviter: str
    invited_at: dt.datetime
    inviter_devices: tuple[str, ...] = field(default_factory=tuple)
    action: str = "invite"  # the behaviour that pays the inviter (its points and caps)

    def to_stored(self) -> dict[str, Any]:
        return {"inviter": self.inviter, "invited_at": self.invited_at.isoformat(),
                "inviter_devices": list(self.inviter_devices), "action": self.action}

    @classmethod
    def from_stored(cls, friend: str, raw: Mapping[str, Any]) -> Invite:
        return cls(friend=friend, inviter=str(raw["inviter"]),
                   invited_at=dt.datetime.fromisoformat(str(raw["invited_at"])),
                   inviter_devices=tuple(str(d) for d in raw.get("inviter_devices") or ()),
                   action=str(raw.get("action") or "invite"))


def remember_device(recent: tuple[str, ...], digest: str) -> tuple[str, ...]:
    """The recent devices with ``digest`` as the newest, the oldest forgotten past RECENT_DEVICES."""
    kept = tuple(d for d in recent if d != digest)
    return (*kept, digest)[-RECENT_DEVICES:]


def check_friend(inviter: str, friend: str) -> None:
    """The invite's ref names another member (checked before the friend's account is read)."""
    if re.fullmatch(MEMBER_ID, friend) is None:
        raise ValidationFailed("an invite's ref is the friend's member id", {"field": "ref", "pattern": MEMBER_ID})
    if friend == inviter:
        raise ValidationFailed("a member cannot invite themselves", {"field": "ref"})


def check_invite(inviter: str, friend: str, *, friend_orders: int, inviter_devices: tuple[str, ...],
                 friend_devices: tuple[str, ...]) -> None:
    """Refuse an invite that could never be paid honestly (after check_friend); an accepted one
    is recorded (0 points)."""
    if friend_orders > 0:
        raise Ended("the friend has ordered already: only a new customer can be invited",
                    {"reason": "friend_has_ordered", "friend_id": friend})
    if shared_device(inviter_devices, friend_devices):
        raise Forbidden("the inviter and the friend use the same device", {"reason": "same_device"})


def invite_taken(friend: str) -> LimitReached:
    """The refusal of a second invite of one friend (whoever sends it): one inviter per friend."""
    return LimitReached("this friend was invited already", {"reason": "already_invited", "friend_id": friend})


def shared_device(inviter_devices: tuple[str, ...], friend_devices: tuple[str, ...]) -> bool:
    return bool(set(inviter_devices) & set(friend_devices))


def on_first_order(invite: Invite | None, *, orders_before: int, amount_fen: int,
                   friend_devices: tuple[str, ...]) -> dict[str, str]:
    """What the friend's order entry says of the referral: ``referred_by`` the inviter when this
    is the friend's first paid order (the publisher pays the inviter on it), ``referral_refused``
    when the two share a device; nothing for any other order."""
    if invite is None or orders_before > 0 or amount_fen <= 0:
        return {}
    if shared_device(invite.inviter_devices, friend_devices):
        return {"referral_refused": "same_device"}
    return {"referred_by": invite.inviter, "referral_action": invite.action}


def referral_key(friend: str) -> str:
    """The inviter's request key for the payout: one per friend, whoever delivers it how often."""
    return f"referral:{friend}"
