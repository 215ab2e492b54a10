"""Hostile request bodies for tests/integration/test_hostile_input.py: every route that reads a
body (request models and signed partner events), a valid body of each, and a JSON writer that
can also write what json.dumps refuses to (raw literals such as 1e400 or NaN, repeated keys,
nesting past the recursion limit)."""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .events import M1, admin_claims, http_event, member_claims
from .partners import signed_headers

Path = tuple[str | int, ...]


class Raw(str):
    """A JSON text written as is (1e400, NaN, 2,000 levels of [)."""


class Pairs(list[tuple[str, Any]]):
    """An object written with these keys, repeated ones included."""


def dumps(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, Pairs | dict):
        pairs = value if isinstance(value, Pairs) else value.items()
        return "{" + ", ".join(f"{json.dumps(k)}: {dumps(v)}" for k, v in pairs) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dumps(v) for v in value) + "]"
    # ASCII: lone surrogates and control characters travel as \u escapes, as JSON allows.
    return json.dumps(value)


def paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every place of a value (the root included) where another value can be put."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def replaced(value: Any, path: Path, new: Any) -> Any:
    if not path:
        return new
    result = copy.deepcopy(value)
    parent = result
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return result


def objects(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """The paths of the non-empty objects of a value."""
    return (p for p in paths(value, prefix) if isinstance(value_at(value, p), dict) and value_at(value, p))


def value_at(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


def with_duplicate(value: Any, path: Path, key: str, again: Any) -> Any:
    """``value`` with the object at ``path`` written with ``key`` a second time (last)."""
    target = value_at(value, path)
    return replaced(value, path, Pairs([*target.items(), (key, again)]))


# ----- routes ---------------------------------------------------------------------------------

PAID = "2026-11-23T13:00:00+08:00"  # an hour before the tests' clock, outside every campaign


@dataclass(frozen=True)
class Route:
    function: str
    method: str
    path: str  # as in template.yaml
    scope: str | None  # None: a partner's signed webhook
    body: Any
    params: dict[str, str] = field(default_factory=dict)
    keyed: bool = False  # takes an Idempotency-Key

    def __str__(self) -> str:
        kind = f" {self.body['type']}" if self.scope is None else ""
        return f"{self.method} {self.path}{kind}"


ROUTES = [
    Route("redeem", "POST", "/v1/me/redemptions", "member", {"reward_id": "coffee", "quantity": 1}, keyed=True),
    Route("account", "POST", "/v1/admin/members/{member_id}/adjustments", "admin",
          {"points": 5, "reason": "goodwill"}, M1, keyed=True),
    Route("earn", "POST", "/v1/admin/members/{member_id}/earn", "admin",
          {"order_id": "o9", "amount_fen": 1000, "paid_at": PAID,
           "items": [{"sku": "latte", "category": "drinks", "amount_fen": 1000}]}, M1, keyed=True),
    Route("admin", "POST", "/v1/admin/rewards", "admin",
          {"id": "tea", "name": "Tea", "points": 5, "stock": 3, "per_member_limit": 2, "min_tier": "silver",
           "active": True, "description": "a cup"}),
    Route("admin", "PUT", "/v1/admin/rewards/{reward_id}", "admin",
          {"name": "Coffee", "points": 300, "stock": 10, "description": ""}, {"reward_id": "coffee"}),
    Route("tiers", "PUT", "/v1/admin/members/{member_id}/tier", "admin", {"tier": "silver", "reason": "vip"}, M1,
          keyed=True),
    Route("tiers", "PUT", "/v1/me/profile", "member", {"birthday": "1990-05-01"}),
    Route("tiers", "PUT", "/v1/admin/members/{member_id}/profile", "admin",
          {"birthday": "1991-06-02", "reason": "typo"}, M1, keyed=True),
    Route("checkin", "POST", "/v1/me/check-ins/makeup", "member", {"date": "2026-11-20"}),
    Route("member_actions", "POST", "/v1/me/actions", "member", {"action": "share", "ref": "post-1"}),
    Route("member_actions", "POST", "/v1/admin/members/{member_id}/actions", "admin",
          {"action": "review", "ref": "rv-1"}, M1),
    Route("partner_admin", "PUT", "/v1/admin/partners/{partner_id}", "admin",
          {"name": "Shop two", "events": ["order.paid"], "deliver_to": "https://example.com/hook",
           "subscribe": ["PointsEarned"]}, {"partner_id": "shop2"}),
    *[Route("partner_webhooks", "POST", "/v1/partners/{partner_id}/webhooks", None, {"type": kind, "data": data},
            {"partner_id": "shop"})
      for kind, data in [
          ("order.paid", {"member_id": "m1", "order_id": "w1", "amount_fen": 1000, "paid_at": PAID,
                          "items": [{"sku": "latte", "category": "drinks", "amount_fen": 1000}]}),
          ("order.completed", {"member_id": "m1", "order_id": "o1", "completed_at": PAID}),
          ("order.refunded", {"member_id": "m1", "order_id": "o1", "refund_id": "rf1", "amount_fen": 100,
                              "refunded_at": PAID}),
          ("member.registered", {"member_id": "m2", "registered_at": PAID}),
          ("member.action", {"member_id": "m1", "action": "review", "ref": "w-rv"}),
      ]],
]
# Fields of the request models that are free text (never blank, one line), instants and ints.
TEXT = {"reason", "name", "sku", "category"}
INSTANTS = {"paid_at", "completed_at", "refunded_at", "registered_at"}
INTS = {"quantity", "points", "amount_fen", "stock", "per_member_limit"}
# Of those, the ones where null has a meaning (a reward's stock or limit: none, unlimited).
NULLABLE_INTS = {"stock", "per_member_limit"}


@dataclass
class Caller:
    """Builds a route's event: the right token (or the partner's signature over the exact bytes
    sent), a fresh Idempotency-Key and webhook-id per request."""

    secret: str
    clock: Any
    sent: int = 0

    @property
    def webhook_id(self) -> str:
        """The webhook-id of the latest request."""
        return f"msg_hostile_{self.sent}"

    def event(self, route: Route, text: str | None, *, content_type: str = "application/json",
              claims: dict[str, Any] | None = None, params: dict[str, str] | None = None,
              key: str | None = None) -> dict[str, Any]:
        self.sent += 1
        params = {**route.params, **(params or {})}
        headers = {"content-type": content_type}
        if route.keyed:
            headers["idempotency-key"] = key if key is not None else f"hostile-{self.sent}"
        if route.scope is None:
            raw = (text or "").encode("utf-8")
            headers |= signed_headers(self.secret, self.webhook_id, self.clock(), raw)
        elif claims is None:
            claims = member_claims() if route.scope == "member" else admin_claims()
        return http_event(route.method, route.path.format(**params), claims=claims, headers=headers,
                          route_key=f"{route.method} {route.path}", path_parameters=params or None,
                          raw_body=text)


# ----- oracles, written apart from the code they judge ----------------------------------------

NOT_TEXT = {"Cc", "Cf", "Cs", "Zl", "Zp"}
# Unicode's White_Space, what the text fields trim ("a\r" is "a"; Python's strip also takes
# U+001C..U+001F, which are no white space but control characters).
WHITE_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
              "\u2028\u2029\u202f\u205f\u3000"


def bad_text(value: Any) -> bool:
    """Blank once trimmed, or holding a control, format or separator character inside."""
    if not isinstance(value, str):
        return False
    kept = value.strip(WHITE_SPACE)
    return not kept or any(unicodedata.category(c) in NOT_TEXT for c in kept)


def json_media_type(value: str) -> bool:
    essence = value.split(";")[0].strip().lower()
    return essence == "application/json" or re.fullmatch(r"application/[a-z0-9.!#$&^_-]+\+json", essence) is not None


def instant_year(value: Any) -> int | None:
    match = re.match(r"(\d{4})-", value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None
