"""An in-memory Repository (services/ports.py) for unit tests of use cases: the rules of a
service run against dicts, no table and no moto. It keeps the promises the DynamoDB store keeps
(all or nothing, the account's version and each lot's points as conditions, the request key
stored with its effect, stock never below zero), so a test here fails when a service relies on
something the port does not promise. And the bus of those tests, RecordingBus."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from loyalty.domain.account import Account, LedgerEntry, MemberState, PendingLot
from loyalty.domain.events import DomainEvent
from loyalty.domain.lots import Lot
from loyalty.domain.referrals import Invite
from loyalty.domain.refunds import SaleRecord
from loyalty.services.ports import (
    DuePage,
    InviteTaken,
    MemberChange,
    ProgramItemConflict,
    RequestAlreadyApplied,
    StoredRequest,
    WriteConflict,
)


@dataclass
class _Partition:
    account: Account
    lots: dict[dt.date, int] = field(default_factory=dict)
    pending: dict[str, PendingLot] = field(default_factory=dict)
    sales: dict[str, SaleRecord] = field(default_factory=dict)
    requests: dict[str, StoredRequest] = field(default_factory=dict)
    second_keys: dict[str, str] = field(default_factory=dict)  # second key -> the change's own key
    ledger: list[LedgerEntry] = field(default_factory=list)  # oldest first


class InMemoryRepository:
    due_shards = 1

    def __init__(self) -> None:
        self._members: dict[tuple[str, str], _Partition] = {}
        self._programs: dict[str, tuple[int, dict[str, Any]]] = {}
        self._rewards: dict[tuple[str, str], dict[str, Any]] = {}
        self._marks: dict[tuple[str, str], dt.date] = {}
        self._invites: dict[tuple[str, str], Invite] = {}  # (program, friend): the INVITED item
        self.commits = 0

    # ----- members ------------------------------------------------------------------------

    def _partition(self, program: str, member: str) -> _Partition:
        return self._members.get((program, member)) or _Partition(Account(program=program, member=member))

    def load_member(self, program: str, member: str, *, with_pending: bool = True, account_only: bool = False,
                    lots_until: dt.date | None = None, use_summary: bool = True) -> MemberState:
        part = self._partition(program, member)
        if account_only:
            return MemberState(account=part.account, lots=[], lots_through=None)
        lots = [Lot(day, points) for day, points in sorted(part.lots.items())
                if points > 0 and (lots_until is None or day <= lots_until)]
        pending = list(part.pending.values()) if with_pending and lots_until is None else []
        return MemberState(account=part.account, lots=lots, pending_lots=pending,
                           lots_through=lots_until if lots_until is not None else dt.date.max,
                           invite=self._invites.get((program, member)) if lots_until is None else None)

    def commit(self, change: MemberChange) -> None:
        program, member = change.after.program, change.after.member
        part = self._partition(program, member)
        for key in [change.request_key, *(k for k, _ in change.extra_requests)]:
            if key is not None and key in part.requests:
                raise RequestAlreadyApplied(None if key == change.request_key else key)
        if part.account.version != change.before.version:
            raise WriteConflict("account changed")
        if any(part.lots.get(w.expires_on, 0) != w.before for w in change.lots):
            raise WriteConflict("lot changed")
        if any((w.lot.order_id in part.pending) != w.exists_before for w in change.pending):
            raise WriteConflict("pending lot changed")
        if any((w.sale.order_id in part.sales) != w.exists_before for w in change.sales):
            raise WriteConflict("sale changed")
        for index, take in enumerate(change.stock_takes):
            reward = self._rewards.get((take.program, take.reward_id))
            # A sharded reward's take is of its one stock shard (the store's REWARD#{id}#STOCK#{k}).
            shards = (reward or {}).get("shards") or []
            left = (None if reward is None else reward.get("stock") if take.shard is None
                    else shards[take.shard] if take.shard < len(shards) else 0)
            if reward is None or reward.get("rev") != take.rev or (take.finite_stock and int(left or 0) < take.quantity):
                raise ProgramItemConflict(index, copy.deepcopy(reward))
        for invite in change.invites:
            if (program, invite.friend) in self._invites:
                raise InviteTaken(invite.friend)
        # Every condition held: apply all of it.
        for invite in change.invites:
            self._invites[(program, invite.friend)] = invite
        for take in change.stock_takes:
            reward = self._rewards[(take.program, take.reward_id)]
            reward["redeemed"] = int(reward.get("redeemed", 0)) + take.quantity
            if take.finite_stock:
                reward["stock"] = int(reward["stock"]) - take.quantity
                if take.shard is not None:
                    reward["shards"][take.shard] -= take.quantity
        part.account = change.after
        for lot in change.lots:
            part.lots[lot.expires_on] = lot.after
        for pending in change.pending:
            if pending.delete:
                part.pending.pop(pending.lot.order_id, None)
            else:
                part.pending[pending.lot.order_id] = pending.lot
        for sale in change.sales:
            part.sales[sale.sale.order_id] = sale.sale
        part.ledger.extend(change.entries)
        answer = (change.response_status, copy.deepcopy(change.response))
        if change.request_key is not None:
            part.requests[change.request_key] = StoredRequest(change.request_key, change.fingerprint, *answer)
            if change.second_key is not None and change.entries:
                part.second_keys[change.second_key] = change.request_key
        for key, print_ in change.extra_requests:
            part.requests[key] = StoredRequest(key, print_, *answer)
        self._members[(program, member)] = part
        self.commits += 1

    def commit_together(self, changes: list[MemberChange]) -> None:
        # All or nothing: every change's conditions are checked by commit itself; the state
        # before the first is put back when a later one fails.
        saved = copy.deepcopy((self._members, self._rewards)), self.commits
        try:
            for change in changes:
                self.commit(change)
        except Exception:
            (self._members, self._rewards), self.commits = saved
            raise
        self.commits = saved[1] + 1

    def find_applied(self, account: Account, key: str) -> StoredRequest | None:
        return self._partition(account.program, account.member).requests.get(key)

    def find_second(self, account: Account, key: str) -> StoredRequest | None:
        part = self._partition(account.program, account.member)
        own = part.second_keys.get(key)
        return None if own is None else part.requests[own]

    def get_request(self, program: str, member: str, key: str, *,
                    account: Account | None = None) -> StoredRequest | None:
        return self._partition(program, member).requests.get(key)

    def get_sale(self, program: str, member: str, order_id: str) -> SaleRecord | None:
        return self._partition(program, member).sales.get(order_id)

    def ledger_page(self, program: str, member: str, *, limit: int,
                    cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        newest_first = list(reversed(self._partition(program, member).ledger))
        start = int(cursor) if cursor else 0
        page = newest_first[start:start + limit]
        views = [{"id": e.id, "type": e.type, "points": e.points, "balance_after": e.balance_after,
                  "reason": e.reason, "ref": e.ref, "created_at": e.created_at.isoformat()} for e in page]
        return views, str(start + limit) if start + limit < len(newest_first) else None

    # ----- catalog ------------------------------------------------------------------------

    def get_program_document(self, program: str) -> tuple[int, dict[str, Any]] | None:
        found = self._programs.get(program)
        return None if found is None else (found[0], copy.deepcopy(found[1]))

    def put_program_document(self, program: str, document: dict[str, Any], *, expected_version: int,
                             updated_at: dt.datetime, updated_by: str) -> int:
        if self._programs.get(program, (0, {}))[0] != expected_version:
            raise WriteConflict("program changed")
        self._programs[program] = (expected_version + 1, copy.deepcopy(document))
        return expected_version + 1

    def list_rewards(self, program: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(r) for (p, _), r in sorted(self._rewards.items()) if p == program]

    def get_reward(self, program: str, reward_id: str) -> dict[str, Any] | None:
        found = self._rewards.get((program, reward_id))
        return None if found is None else copy.deepcopy(found)

    def put_reward(self, program: str, reward: dict[str, Any], *, expected_rev: int | None) -> None:
        current = self._rewards.get((program, reward["id"]))
        if (current is None) != (expected_rev is None) or (current is not None and current.get("rev") != expected_rev):
            raise WriteConflict("reward changed")
        kept = {"redeemed": current.get("redeemed", 0)} if current else {}
        self._rewards[(program, reward["id"])] = {**copy.deepcopy(reward), **kept}

    # ----- due index (the sweeps are tested against the table; nothing is due here) ------

    def due_members(self, kind: str, program: str, shard: int, until: dt.date, *, limit: int = 500,
                    cursor: dict[str, Any] | None = None, since: dt.date | None = None) -> DuePage:
        return DuePage(members=[], items=0, cursor=None)

    def get_sweep_mark(self, program: str, sweep: str) -> dt.date | None:
        return self._marks.get((program, sweep))

    def set_sweep_mark(self, program: str, sweep: str, through: dt.date) -> bool:
        if self._marks.get((program, sweep), dt.date.min) >= through:
            return False
        self._marks[(program, sweep)] = through
        return True


class RecordingBus:
    """The event bus of use cases run on the in-memory repository: it keeps what they publish,
    in order. A fake of the bus itself, one layer below tests/support/bus.py's BusTap, which
    reads what reached the (moto) EventBridge bus through a subscriber's rule."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def publish(self, events: list[DomainEvent]) -> int:
        self.events.extend(events)
        return len(events)
