"""What the store raises when a write cannot be applied as asked."""

from __future__ import annotations

from typing import Any


class WriteConflict(Exception):
    """Something the change was computed from has changed: re-read and try again.

    ``busy_program_item``: the index of the stock take that another transaction was writing at
    that moment (DynamoDB's TransactionConflict, e.g. a flash sale's shard), when that alone
    cancelled the change: what was read of the member still stands, and the change may be
    decided again from it (on another shard) without reading the member again."""

    def __init__(self, *args: object, busy_program_item: int | None = None) -> None:
        super().__init__(*args)
        self.busy_program_item = busy_program_item


class RequestAlreadyApplied(Exception):
    """The request key of the change is already stored: the request was applied before.
    ``key`` names an extra request key of the change; None means its own request key."""

    def __init__(self, key: str | None = None) -> None:
        super().__init__(key)
        self.key = key


class SignalCapReached(Exception):
    """A device or IP counter (风控) of the change was full: its cap of accounts for the day."""

    def __init__(self, claim: Any) -> None:
        super().__init__(claim)
        self.claim = claim


class InviteTaken(Exception):
    """The friend of an invite of the change has an inviter already (domain/referrals.py)."""

    def __init__(self, friend: str) -> None:
        super().__init__(friend)
        self.friend = friend


class ProgramItemConflict(Exception):
    """A program-level item (reward stock, price) did not match what the change expected."""

    def __init__(self, index: int, item: dict[str, Any] | None) -> None:
        super().__init__(index)
        self.index = index
        self.item = item
