"""A member's status (风控): an operator may freeze an account. A frozen member keeps earning
(orders, check-ins, the sweeps go on) but cannot spend: every way points leave the balance at
the member's request (redeem, hold, draw, donate, transfer, exchange) asks ``check_can_spend``
first, inside the same decision as the spend, so a freeze and a spend racing each other are
ordered by the account's version: the spend happened before the freeze, or it is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .account import Account, Section
from .errors import AccountFrozen

Status = Literal["active", "frozen"]


@dataclass(frozen=True)
class MemberStatus:
    status: Status = "active"
    reason: str = ""
    since: str = ""  # the instant of the change (ISO 8601), empty for a member never changed
    by: str = ""  # the operator

    @classmethod
    def load(cls, raw: Mapping[str, Any] | None) -> MemberStatus:
        if not raw:
            return cls()
        status: Status = "frozen" if raw.get("status") == "frozen" else "active"
        return cls(status=status, reason=str(raw.get("reason", "")), since=str(raw.get("since", "")),
                   by=str(raw.get("by", "")))

    def dump(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason, "since": self.since, "by": self.by}

    def view(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason or None, "since": self.since or None}


STATUS: Section[MemberStatus] = Section("status", MemberStatus.load, MemberStatus.dump)


def status_of(account: Account) -> MemberStatus:
    return STATUS.read(account)


def check_can_spend(account: Account) -> None:
    """403 ACCOUNT_FROZEN for a frozen member's spend."""
    status = status_of(account)
    if status.status == "frozen":
        raise AccountFrozen("this account is frozen: its points cannot be spent",
                            {"member_id": account.member, "reason": status.reason, "since": status.since})


def changed(account: Account, status: Status, reason: str, at: dt.datetime, by: str) -> Account:
    return STATUS.write(account, MemberStatus(status=status, reason=reason, since=at.isoformat(), by=by))
