"""Credits held for review (风控): a credit that crosses a rule of the program's ``abuse`` section
(behaviour points over ``review_behaviour_points_per_day`` in a member's local day; an order over
``review_order_fen``) is not paid. It waits in the member's account (the ``reviews`` section, so
deciding it needs no read beyond the account) and in a REVIEW# record the operators list, until
an operator approves it (paid then, through the one credit step) or rejects it (dropped, with a
0-point ledger entry that says why). A refund of a held order, in part or in full, rejects its
review: the order's points were never paid, so nothing is clawed back, and an order partly
refunded is not re-judged on what is left of it (the operator may adjust by hand).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .abuse_rules import AbuseRules
from .account import Account, Section
from .errors import NotFound, ReviewDecided

Kind = Literal["behaviour", "order"]
Decision = Literal["approve", "reject"]
SEPARATOR = "~"  # never in a member id (api/http.MEMBER_ID): a review id names its member


@dataclass(frozen=True)
class Review:
    """One held credit: what approving it pays (the lines' points, the 成长值 and fen they add),
    and what it came from (``ref``: the action's ref or the order id)."""

    review_id: str
    member_id: str
    kind: Kind
    points: int
    reason: str
    created_at: str  # ISO 8601 instant
    ref: str
    lines: tuple[tuple[str, int, str], ...]  # (ledger type, points, reason) of the credit when approved
    qualifying: int = 0
    fen: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, raw: Mapping[str, Any]) -> Review:
        return cls(review_id=str(raw["review_id"]), member_id=str(raw["member_id"]), kind=raw["kind"],
                   points=int(raw["points"]), reason=str(raw["reason"]), created_at=str(raw["created_at"]),
                   ref=str(raw["ref"]), lines=tuple((str(t), int(p), str(r)) for t, p, r in raw["lines"]),
                   qualifying=int(raw.get("qualifying", 0)), fen=int(raw.get("fen", 0)),
                   details=dict(raw.get("details") or {}))

    def dump(self) -> dict[str, Any]:
        return {"review_id": self.review_id, "member_id": self.member_id, "kind": self.kind, "points": self.points,
                "reason": self.reason, "created_at": self.created_at, "ref": self.ref,
                "lines": [list(line) for line in self.lines], "qualifying": self.qualifying, "fen": self.fen,
                "details": self.details}

    def view(self) -> dict[str, Any]:
        return {"review_id": self.review_id, "member_id": self.member_id, "kind": self.kind, "points": self.points,
                "reason": self.reason, "created_at": self.created_at}


@dataclass(frozen=True)
class Reviews:
    """The account's section: its open reviews, and the behaviour points paid on ``day``."""

    open: tuple[Review, ...] = ()
    day: str = ""
    behaviour: int = 0

    @classmethod
    def load(cls, raw: Mapping[str, Any] | None) -> Reviews:
        if not raw:
            return cls()
        return cls(open=tuple(Review.load(r) for r in raw.get("open", ())), day=str(raw.get("day", "")),
                   behaviour=int(raw.get("behaviour", 0)))

    def dump(self) -> dict[str, Any]:
        return {"open": [r.dump() for r in self.open], "day": self.day, "behaviour": self.behaviour}

    def paid_today(self, today: dt.date) -> int:
        return self.behaviour if self.day == today.isoformat() else 0


REVIEWS: Section[Reviews] = Section("reviews", Reviews.load, Reviews.dump)


def review_id(member: str, version: int) -> str:
    """The id names the member, so the operator's decision goes straight to its partition."""
    return f"{member}{SEPARATOR}{version}"


def member_of(review: str) -> str:
    member, sep, rest = review.partition(SEPARATOR)
    if not sep or not member or not rest:
        raise NotFound("no such review", {"review_id": review})
    return member


def behaviour_over(rules: AbuseRules, account: Account, today: dt.date, points: int) -> str | None:
    """The reason to hold behaviour points that would take the member's paid total of the day past
    the rule; None to pay them."""
    limit = rules.review_behaviour_points_per_day
    if limit is None or points <= 0:
        return None
    paid = REVIEWS.read(account).paid_today(today)
    if paid + points <= limit:
        return None
    return f"behaviour points over {limit} in a day ({paid} paid, {points} more)"


def count_behaviour(account: Account, today: dt.date, points: int) -> Account:
    """The account with ``points`` more behaviour points paid today (what behaviour_over compares)."""
    section = REVIEWS.read(account)
    return REVIEWS.write(account, replace(section, day=today.isoformat(), behaviour=section.paid_today(today) + points))


def order_over(rules: AbuseRules, amount_fen: int) -> str | None:
    limit = rules.review_order_fen
    if limit is None or amount_fen <= limit:
        return None
    return f"order over {limit} fen ({amount_fen} fen)"


def held(account: Account, review: Review) -> Account:
    section = REVIEWS.read(account)
    return REVIEWS.write(account, replace(section, open=(*section.open, review)))


def open_review(account: Account, review: str) -> Review:
    """The account's open review ``review``: 409 REVIEW_DECIDED when it was decided already."""
    for candidate in REVIEWS.read(account).open:
        if candidate.review_id == review:
            return candidate
    raise ReviewDecided("this review is not open: it was decided, or never existed", {"review_id": review})


def of_order(account: Account, order_id: str) -> Review | None:
    return next((r for r in REVIEWS.read(account).open if r.kind == "order" and r.ref == order_id), None)


def closed(account: Account, review: str) -> Account:
    section = REVIEWS.read(account)
    return REVIEWS.write(account, replace(section, open=tuple(r for r in section.open if r.review_id != review)))
