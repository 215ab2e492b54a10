"""Program documents for unit tests: the smallest valid document, with what a test changes; and
the day the request-log tests call today."""

from __future__ import annotations

import copy
from typing import Any

from loyalty.domain.program import Program, parse_program

BASE: dict[str, Any] = {
    "id": "shop",
    "name": "Shop",
    "timezone": "Asia/Shanghai",
    "earn": {"points_per_yuan": 1, "first_order_bonus": 500},
    "tiers": [
        {"code": "member", "name": "Member", "threshold": 0},
        {"code": "silver", "name": "Silver", "threshold": 1000, "multiplier": 1.2},
        {"code": "gold", "name": "Gold", "threshold": 5000, "multiplier": 1.5},
        {"code": "diamond", "name": "Diamond", "threshold": 15000, "multiplier": 2, "expiry": "never"},
    ],
}

DOUBLE_1111 = {
    "id": "double-1111",
    "name": "11.11",
    "multiplier": 2,
    "starts_at": "2026-11-11T00:00:00",
    "ends_at": "2026-11-12T00:00:00",
}


def document(**sections: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(doc.get(key), dict):
            doc[key] = {**doc[key], **value}
        else:
            doc[key] = value
    return doc


def program(**sections: Any) -> Program:
    return parse_program(document(**sections))


# BASE as it is, every default kept (expiry: rolling 12 months to the end of the month), and
# its lowest tier.
PLAIN = program()
MEMBER = PLAIN.tier("member")

EPOCH_DAY = 20_000  # an epoch day (days since 1970-01-01, as the request log counts them)
