"""Reads of a member's partition: the account with its lots, request records, sales."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain.account import Account, MemberState, PendingLot
from ..domain.lots import Lot
from ..domain.referrals import Invite
from ..domain.refunds import SaleRecord
from . import keys, requests
from .changes import StoredRequest
from .items import _account_from_item, _int, _pending_from_item, _plain, _sale_from_item, _stored


class MemberReads:
    table_name: str
    client: Any

    def load_member(self, program: str, member: str, *, with_pending: bool = True, account_only: bool = False,
                    lots_until: dt.date | None = None, use_summary: bool = True) -> MemberState:
        """Account, lots and pending lots in one strongly consistent Query (SK ACCOUNT..PENDING#~);
        ``account_only``: the account item alone (one item read); ``lots_until``: the account and
        the lots whose last day is on or before that day. Those are the earliest lots, which the
        account's summary lists (store/summary.py): the account alone is read when its summary
        reaches that day, else the lots are read too (and the next write extends the summary).
        ``use_summary=False``: read the lot items even so (a retry after a lot's condition failed)."""
        pk = keys.member_pk(program, member)
        if lots_until is not None and use_summary and not account_only:
            account, _, _, _ = self._query(pk, keys.ACCOUNT, keys.ACCOUNT)
            through = account.lot_summary_through
            if through is not None and through >= lots_until:
                lots = [Lot(day, points) for day, points in account.lot_summary if day <= lots_until]
            else:
                _, lots, _, _ = self._query(pk, keys.LOT_PREFIX, keys.lot_sk(lots_until), account.program, member)
            return MemberState(account=account, lots=lots, lots_through=lots_until)
        upper = keys.PENDING_PREFIX + "\uffff" if with_pending else keys.LOT_PREFIX + "\uffff"
        lots_through: dt.date | None = dt.date.max
        if lots_until is not None:
            upper, lots_through = keys.lot_sk(lots_until), lots_until
        if account_only:
            upper, lots_through = keys.ACCOUNT, None
        account, lots, pending, invite = self._query(pk, keys.ACCOUNT, upper, program, member)
        return MemberState(account=account, lots=lots, pending_lots=pending, lots_through=lots_through, invite=invite)

    def _query(self, pk: str, lower: str, upper: str, program: str = "", member: str = "",
               ) -> tuple[Account, list[Lot], list[PendingLot], Invite | None]:
        program = program or keys.program_of_member_pk(pk)
        member = member or keys.member_of_pk(pk)
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": {":pk": pk, ":lo": lower, ":hi": upper},
            "ConsistentRead": True,
        }
        while True:
            page = self.client.query(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        account = Account(program=program, member=member)
        lots: list[Lot] = []
        pending: list[PendingLot] = []
        invite: Invite | None = None
        for item in items:
            sk = item["SK"]
            if sk == keys.ACCOUNT:
                account = _account_from_item(program, member, item)
            elif sk.startswith(keys.LOT_PREFIX):
                lots.append(Lot(dt.date.fromisoformat(item["expires_on"]), _int(item["remaining"])))
            elif sk.startswith(keys.PENDING_PREFIX):
                pending.append(_pending_from_item(item))
            elif sk == keys.INVITED:
                invite = Invite.from_stored(member, _plain(item))
        return account, lots, pending, invite

    def find_request(self, account: Account, key: str) -> StoredRequest | None:
        """The record of ``key`` when the account's log says it was applied; no read otherwise."""
        pointer = requests.find(account.request_log, key)
        if pointer is None:
            return None
        pk = keys.member_pk(account.program, account.member)
        sk = keys.req_sk(key) if pointer.version == requests.IN_REQUEST_ITEM else keys.entry_sk(pointer.version)
        item = self.client.get_item(TableName=self.table_name, Key={"PK": pk, "SK": sk}, ConsistentRead=True).get("Item")
        if item is None or "fingerprint" not in item:
            return None  # a REQ# item past its TTL
        if pointer.version != requests.IN_REQUEST_ITEM and item.get("request_key") != key:
            return None  # another key with the same 6-byte digest
        return _stored(key, item)

    def find_applied(self, account: Account, key: str) -> StoredRequest | None:
        """The record of ``key`` when the account's log, or what spilled from it, says so."""
        return self.find_request(account, key) or requests.find_spilled(self, account, key)  # type: ignore[arg-type]

    def find_second(self, account: Account, key: str) -> StoredRequest | None:
        """The record of the change that logged ``key`` as its second key (see requests.py)."""
        return requests.find_second(self, account, key)  # type: ignore[arg-type]

    def get_request(self, program: str, member: str, key: str, *, account: Account | None = None) -> StoredRequest | None:
        """The record of ``key``: in ``account``'s log or its spill when given (see find_applied),
        else on the order's SALE item or a REQ# item (a webhook id, or a change that wrote no
        ledger entry)."""
        if account is not None:
            found = self.find_applied(account, key)
            if found is not None:
                return found
        item = None
        order = keys.order_of_paid_key(key)
        if order is not None:
            item = self._member_item(program, member, keys.sale_sk(order))
            if item is not None and "fingerprint" not in item:
                item = None
        if item is None:
            item = self._member_item(program, member, keys.req_sk(key))
        return None if item is None else _stored(key, item)

    def get_hold(self, program: str, member: str, hold_id: str) -> dict[str, Any] | None:
        """A point hold's record, however it ended."""
        item = self._member_item(program, member, keys.hold_sk(hold_id))
        return None if item is None else _plain(item)

    def get_sale(self, program: str, member: str, order_id: str) -> SaleRecord | None:
        """The sale an order earned on (a refund proportions against it)."""
        item = self._member_item(program, member, keys.sale_sk(order_id))
        return None if item is None else _sale_from_item(item)

    def _member_item(self, program: str, member: str, sk: str) -> dict[str, Any] | None:
        """One item of the member's partition, read consistently (what a write decides from)."""
        item: dict[str, Any] | None = self.client.get_item(
            TableName=self.table_name, Key={"PK": keys.member_pk(program, member), "SK": sk}, ConsistentRead=True,
        ).get("Item")
        return item
