"""Request bodies of the HTTP API (validated by the resolver, documented in OpenAPI), and the
field types every request model and partner event shares.

Bodies are strict: JSON's types are not coerced (``true`` is no quantity, ``"100"`` no amount,
``1.0`` no fen). Powertools validates the parsed body in Python mode, where strict pydantic
reads no date from text, so instants and days are the one exception: lax, but only from ISO
8601 text (lax alone reads the number 5 as 1970-01-01T00:00:05Z).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from ...domain.errors import ValidationFailed
from ...domain.program_limits import one_line_of_text
from ..http import MEMBER_ID

# ----- text -----------------------------------------------------------------------------------

# Free text (reasons, names, labels): trimmed, never blank, one line of visible text. The
# length is part of each alias so pydantic-core checks it before any character is looked at.
_TEXT = AfterValidator(one_line_of_text)  # the one rule of text, shared with the program document
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), _TEXT]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), _TEXT]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), _TEXT]
# May be empty: a reward's description defaults to "", and what is read is sent back by a PUT.
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), _TEXT]

# ----- time -----------------------------------------------------------------------------------

# Instants a request may name. Outside this window an instant is a mistake, and near year 1 or
# 9999 converting it to the program's time zone overflows (an OverflowError: a 500).
FIRST_YEAR, LAST_YEAR = 2000, 2100
# A sender's clock may run ahead of ours, not by days.
FUTURE_TOLERANCE = dt.timedelta(days=1)
_ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_instant(value: Any) -> Any:
    if isinstance(value, dt.datetime) or (isinstance(value, str) and _ISO_INSTANT.match(value)):
        return value
    raise PydanticCustomError("datetime_type", "Input should be an ISO 8601 date-time with its offset")


def _iso_day(value: Any) -> Any:
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        return value
    raise PydanticCustomError("date_type", "Input should be an ISO 8601 date, YYYY-MM-DD")


def _in_window(value: dt.datetime) -> dt.datetime:
    # Its own year, before any conversion: converting is what overflows.
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PydanticCustomError("datetime_range", "must be in the years {first} to {last}",
                                  {"first": FIRST_YEAR, "last": LAST_YEAR})
    return value


# An instant: without its offset the program's local day (campaigns) is unknowable.
Instant = Annotated[AwareDatetime, Field(strict=False), BeforeValidator(_iso_instant), AfterValidator(_in_window)]
Day = Annotated[dt.date, Field(strict=False), BeforeValidator(_iso_day)]


def refuse_future(model: BaseModel, now: dt.datetime) -> None:
    """422 naming the first instant of ``model`` more than FUTURE_TOLERANCE after ``now`` (the
    model alone cannot know now: the entry point passes its one reading of the clock)."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, dt.datetime) and value > now + FUTURE_TOLERANCE:
            message = "must not be more than a day after now"
            raise ValidationFailed("the request is not valid", {"errors": [{"field": name, "message": message}]})


# ----- ids and amounts --------------------------------------------------------------------------

MemberId = Annotated[str, Field(pattern=MEMBER_ID)]
OrderId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]
Fen = Annotated[int, Field(ge=0, le=100_000_000_00)]
# A point hold's id: a ULID (what services/holds.py gives), in Crockford's base 32.
HOLD_ID = r"^[0-9A-HJKMNP-TV-Z]{26}$"
HoldId = Annotated[str, Field(pattern=HOLD_ID)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class OrderItem(Body):
    sku: Label | None = None
    category: Label | None = None
    amount_fen: Fen


class EarnBody(Body):
    order_id: OrderId
    amount_fen: Fen
    items: list[OrderItem] | None = Field(default=None, max_length=200)
    paid_at: Instant | None = None
    point_hold_id: HoldId | None = Field(default=None, description="the member's point hold this order captures")


class PointHoldBody(Body):
    order_id: OrderId
    amount_fen: Fen = Field(description="the whole order's amount")
    points: int = Field(ge=1, le=1_000_000_000)


class ExchangeBody(Body):
    partner_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="an exchange partner of the program")
    points: int = Field(ge=1, le=1_000_000_000, description="whole partner units: a multiple of its points_per_unit_out")
    partner_account: str = Field(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$",
                                 description="the member's account at the partner (e.g. a frequent-flyer number)")


class AdjustmentBody(Body):
    points: int = Field(ge=-10_000_000, le=10_000_000)
    reason: Reason


class RedemptionBody(Body):
    reward_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    quantity: int = Field(default=1, ge=1, le=99)


def query_day(name: str, text: str) -> dt.date:
    """A query parameter that must be a calendar day (YYYY-MM-DD), else 422 naming it."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("the request is not valid", {"errors": [
            {"field": f"query.{name}", "message": "not a day of the calendar (YYYY-MM-DD)"}]}) from None
