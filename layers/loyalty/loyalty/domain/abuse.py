"""Abuse controls (风控): how many member accounts one device or one IP may use in a local day.

Scripts farm check-ins and rewards across many accounts from a few phones (薅羊毛). A member
write that checks in, reports an action or redeems carries the caller's signals: the
mini-program's ``X-Device-Id`` and the source IP API Gateway saw (never a client header). Each
(device or IP, local day) has one counter item holding the set of member ids seen with it that
day; the write's transaction adds the member to it on condition that the set is below the cap
or holds the member already. Over the cap the write is refused (429 RATE_LIMITED) and nothing is
written. A member already counted under a device or IP today (remembered on the account, which
the write reads anyway) adds no item at all: the cost falls on each member's first write of the
day from each signal. Unrelated members share no item unless they share a device or an IP.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .abuse_rules import AbuseRules
from .account import Account, Section
from .referrals import remember_device

SignalKind = Literal["device", "ip"]
# What one account remembers of today's signals: a member on more devices than this a day is
# counted again each time (always correct, only dearer).
SEEN_PER_DAY = 8


@dataclass(frozen=True)
class Signals:
    """Who is calling, as far as the engine can tell: the device id and the source IP."""

    device: str | None = None
    ip: str | None = None


@dataclass(frozen=True)
class SignalClaim:
    """One counter item the write adds its member to: (kind, value, day), at most ``cap`` members."""

    kind: SignalKind
    value: str
    day: dt.date
    cap: int

    @property
    def digest(self) -> str:
        return digest_of(self.value)


def digest_of(value: str) -> str:
    """A device id or IP as keys and accounts hold it: they are not key material (any text)."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class SeenToday:
    day: str = ""
    device: tuple[str, ...] = field(default_factory=tuple)
    ip: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def load(cls, raw: Mapping[str, Any] | None) -> SeenToday:
        if not raw:
            return cls()
        return cls(day=str(raw.get("day", "")), device=tuple(raw.get("device") or ()), ip=tuple(raw.get("ip") or ()))

    def dump(self) -> dict[str, Any]:
        return {"day": self.day, "device": list(self.device), "ip": list(self.ip)}


SEEN: Section[SeenToday] = Section("signals", SeenToday.load, SeenToday.dump)


def _load_devices(raw: Any) -> tuple[str, ...]:
    return tuple(str(d) for d in raw or ())


# The devices the member used lately, across days (a referral between two accounts of one
# phone is refused on them: domain/referrals.py).
DEVICES: Section[tuple[str, ...]] = Section("devices", _load_devices, list)


def claims(rules: AbuseRules, account: Account, signals: Signals | None,
           today: dt.date) -> tuple[list[SignalClaim], Account]:
    """The counter items this write must join, and the account remembering them: none for a
    signal the member was counted under today already, none for a kind the program does not cap."""
    if signals is None:
        return [], account
    if signals.device is not None and digest_of(signals.device) not in DEVICES.read(account):
        account = DEVICES.write(account, remember_device(DEVICES.read(account), digest_of(signals.device)))
    seen = SEEN.read(account)
    if seen.day != today.isoformat():
        seen = SeenToday(day=today.isoformat())
    found: list[SignalClaim] = []
    for kind, value, cap in (("device", signals.device, rules.accounts_per_device),
                             ("ip", signals.ip, rules.accounts_per_ip)):
        if value is None or cap is None:
            continue
        known: tuple[str, ...] = getattr(seen, kind)
        digest = SignalClaim(kind, value, today, cap).digest  # type: ignore[arg-type]
        if digest in known:
            continue
        found.append(SignalClaim(kind, value, today, cap))  # type: ignore[arg-type]
        if len(known) < SEEN_PER_DAY:
            seen = replace(seen, device=(*known, digest)) if kind == "device" else replace(seen, ip=(*known, digest))
    if not found:
        return [], account
    return found, SEEN.write(account, seen)
