"""DynamoDB access for the single table. Every change to a member is one TransactWriteItems
whose conditions fail if anything it was computed from has changed."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from ..domain.account import Account, LedgerEntry, MemberState, PendingLot
from ..domain.lots import Lot
from ..domain.pending import SaleRecord
from ..domain.tiers import sweep_due_on
from . import keys, requests, summary

_NEVER = "9999-12-31"


class WriteConflict(Exception):
    """Something the change was computed from has changed: re-read and try again."""


class RequestAlreadyApplied(Exception):
    """The request key of the change is already stored: the request was applied before.
    ``key`` names an extra request key of the change; None means its own request key."""

    def __init__(self, key: str | None = None) -> None:
        super().__init__(key)
        self.key = key


class ProgramItemConflict(Exception):
    """A program-level item (reward stock, price) did not match what the change expected."""

    def __init__(self, index: int, item: dict[str, Any] | None) -> None:
        super().__init__(index)
        self.index = index
        self.item = item


@dataclass(frozen=True)
class StoredRequest:
    key: str
    fingerprint: str
    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class LotWrite:
    expires_on: dt.date
    before: int  # 0 when the lot item does not exist
    after: int


@dataclass(frozen=True)
class PendingWrite:
    lot: PendingLot
    exists_before: bool
    delete: bool


@dataclass(frozen=True)
class SaleWrite:
    """The sale record of an order: created by its earn, updated by its release and refunds."""

    sale: SaleRecord
    exists_before: bool


@dataclass
class MemberChange:
    """One atomic change of a member's partition (plus optional program-level items)."""

    before: Account
    after: Account
    lots: list[LotWrite] = field(default_factory=list)
    pending: list[PendingWrite] = field(default_factory=list)
    entries: list[LedgerEntry] = field(default_factory=list)
    request_key: str | None = None
    fingerprint: str = ""
    response_status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    request_ttl: int = 0  # epoch seconds
    program_items: list[dict[str, Any]] = field(default_factory=list)  # raw Update ops
    # (key, fingerprint): more request keys stored with the same answer (a webhook id
    # recorded with the effect of the service it called, whose own key is the order's).
    extra_requests: list[tuple[str, str]] = field(default_factory=list)
    sales: list[SaleWrite] = field(default_factory=list)
    written_at: int = 0  # epoch seconds of the change: request pointers older than it are dropped
    # What the change was decided from (MemberState.lots, .lots_through): it renews the summary.
    lots_read: list[Lot] = field(default_factory=list)
    lots_read_through: dt.date | None = None

    @property
    def record_carrier(self) -> str | None:
        """The item that holds the request record (see store/requests.py): the new SALE item of
        the order this earn is for, else the first ledger entry, else a REQ# item of its own."""
        if self.request_key is None:
            return None
        if any(not w.exists_before and self.request_key == keys.order_paid_key(w.sale.order_id) for w in self.sales):
            return "sale"
        return "entry" if self.entries else "request"

    @property
    def item_count(self) -> int:
        """Items of the TransactWriteItems this change becomes (DynamoDB allows 100)."""
        return (
            (self.record_carrier == "request") + 1 + len(self.lots) + len(self.pending) + len(self.sales)
            + len(self.entries) + len(self.program_items) + len(self.extra_requests)
        )


MAX_TRANSACTION_ITEMS = 100


def _int(value: Any, default: int = 0) -> int:
    return default if value is None else int(value)


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; the domain speaks ints."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def fingerprint(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Store:
    def __init__(self, table_name: str, *, client: Any = None) -> None:
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> Any:
        # The resource's client serializes plain Python values (FACTS.md); created once, lazily.
        if self._client is None:
            self._client = boto3.resource(
                "dynamodb", config=Config(retries={"max_attempts": 3, "mode": "standard"})
            ).meta.client
        return self._client

    # ----- member reads ------------------------------------------------------------------

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
            account, _, _ = self._query(pk, keys.ACCOUNT, keys.ACCOUNT)
            through = account.lot_summary_through
            if through is not None and through >= lots_until:
                lots = [Lot(day, points) for day, points in account.lot_summary if day <= lots_until]
            else:
                _, lots, _ = self._query(pk, keys.LOT_PREFIX, keys.lot_sk(lots_until), account.program, member)
            return MemberState(account=account, lots=lots, lots_through=lots_until)
        upper = keys.PENDING_PREFIX + "\uffff" if with_pending else keys.LOT_PREFIX + "\uffff"
        lots_through: dt.date | None = dt.date.max
        if lots_until is not None:
            upper, lots_through = keys.lot_sk(lots_until), lots_until
        if account_only:
            upper, lots_through = keys.ACCOUNT, None
        account, lots, pending = self._query(pk, keys.ACCOUNT, upper, program, member)
        return MemberState(account=account, lots=lots, pending_lots=pending, lots_through=lots_through)

    def _query(self, pk: str, lower: str, upper: str, program: str = "", member: str = "",
               ) -> tuple[Account, list[Lot], list[PendingLot]]:
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
        for item in items:
            sk = item["SK"]
            if sk == keys.ACCOUNT:
                account = _account_from_item(program, member, item)
            elif sk.startswith(keys.LOT_PREFIX):
                lots.append(Lot(dt.date.fromisoformat(item["expires_on"]), _int(item["remaining"])))
            elif sk.startswith(keys.PENDING_PREFIX):
                pending.append(_pending_from_item(item))
        return account, lots, pending

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

    def get_request(self, program: str, member: str, key: str, *, account: Account | None = None) -> StoredRequest | None:
        """The record of ``key``: in ``account``'s log when given (see find_request), else on the
        order's SALE item or a REQ# item (a webhook id, or a change that wrote no ledger entry)."""
        if account is not None:
            found = self.find_request(account, key)
            if found is not None:
                return found
        pk = keys.member_pk(program, member)
        item = None
        order = keys.order_of_paid_key(key)
        if order is not None:
            item = self.client.get_item(TableName=self.table_name, Key={"PK": pk, "SK": keys.sale_sk(order)},
                                        ConsistentRead=True).get("Item")
            if item is not None and "fingerprint" not in item:
                item = None
        if item is None:
            item = self.client.get_item(
                TableName=self.table_name, Key={"PK": pk, "SK": keys.req_sk(key)}, ConsistentRead=True
            ).get("Item")
        return None if item is None else _stored(key, item)

    def ledger_page(
        self, program: str, member: str, *, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Entries newest first. A ledger item holds the entries of one change, so a page may end
        inside an item: the cursor names the item and how many of its entries were given."""
        pk = keys.member_pk(program, member)
        start, skip = _decode_cursor(cursor) if cursor else (keys.TX_PREFIX + "\uffff", 0)
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": {":pk": pk, ":lo": keys.TX_PREFIX, ":hi": start},
            "ScanIndexForward": False,
            # One item more than entries wanted (an item holds one or more): the page then shows
            # whether anything is left after it, and no cursor leads to an empty page.
            "Limit": limit + 1,
        }
        entries: list[dict[str, Any]] = []
        while True:
            page = self.client.query(**kwargs)
            items = page["Items"]
            for position, item in enumerate(items):
                views = [_entry_view(e) for e in reversed(_entry_maps(_plain(item)))]
                given = skip if item["SK"] == start else 0
                for index in range(given, len(views)):
                    if len(entries) == limit:
                        return entries, _encode_cursor(item["SK"], index)
                    entries.append(views[index])
                if len(entries) == limit and (position + 1 < len(items) or "LastEvaluatedKey" in page):
                    return entries, _encode_cursor(item["SK"], len(views))
            if "LastEvaluatedKey" not in page:
                return entries, None
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # ----- member writes -----------------------------------------------------------------

    def commit(self, change: MemberChange) -> None:
        after = change.after
        pk = keys.member_pk(after.program, after.member)
        ops: list[dict[str, Any]] = []
        request_index = -1
        record = {
            "fingerprint": change.fingerprint,
            "status": change.response_status,
            "response": json.dumps(change.response, ensure_ascii=False, sort_keys=True),
        }
        carrier = change.record_carrier
        pointer = None
        if change.request_key is not None and carrier != "sale":
            pointer = requests.Pointer(
                requests.digest(change.request_key),
                after.version if carrier == "entry" else requests.IN_REQUEST_ITEM,
                change.request_ttl // 86400,
            )
        if carrier == "request":
            assert change.request_key is not None
            request_index = len(ops)
            ops.append(
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": {"PK": pk, "SK": keys.req_sk(change.request_key), **record, "ttl": change.request_ttl},
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            )
        ops.append(self._account_op(pk, change, pointer))
        for lot in change.lots:
            ops.append(self._lot_op(pk, after, lot))
        for pending in change.pending:
            ops.append(self._pending_op(pk, after, pending))
        for sale in change.sales:
            is_carrier = carrier == "sale" and change.request_key == keys.order_paid_key(sale.sale.order_id)
            if is_carrier:
                request_index = len(ops)
            ops.append(self._sale_op(pk, sale, record if is_carrier else None))
        if change.entries:
            # All entries of one change in one item: a change is one account version, and one
            # item costs less than one per entry (a first order's earn and bonus: 2 WRU, not 4).
            item: dict[str, Any] = {"PK": pk, "SK": keys.entry_sk(after.version),
                                    "entries": [_entry_item(e) for e in change.entries]}
            if carrier == "entry":
                item.update(record, request_key=change.request_key)
            ops.append({"Put": {"TableName": self.table_name, "Item": item,
                                "ConditionExpression": "attribute_not_exists(PK)"}})
        extra_index: dict[int, str] = {}
        for key, extra_fingerprint in change.extra_requests:
            extra_index[len(ops)] = key
            ops.append(
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": {"PK": pk, "SK": keys.req_sk(key), **record, "fingerprint": extra_fingerprint,
                                 "ttl": change.request_ttl},
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            )
        first_program_item = len(ops)
        for op in change.program_items:
            ops.append({"Update": {"TableName": self.table_name, **op}})
        self._transact(ops, request_index=request_index, first_program_item=first_program_item,
                       extra_requests=extra_index)

    def _transact(self, ops: list[dict[str, Any]], *, request_index: int = -1, first_program_item: int | None = None,
                  extra_requests: dict[int, str] | None = None) -> None:
        token = hashlib.sha256(json.dumps(ops, sort_keys=True, default=str).encode()).hexdigest()[:36]
        try:
            self.client.transact_write_items(TransactItems=ops, ClientRequestToken=token)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") != "TransactionCanceledException":
                raise
            reasons = exc.response.get("CancellationReasons") or []
            codes = [r.get("Code") for r in reasons]
            if 0 <= request_index < len(codes) and codes[request_index] == "ConditionalCheckFailed":
                raise RequestAlreadyApplied() from exc
            for index, key in (extra_requests or {}).items():
                if index < len(codes) and codes[index] == "ConditionalCheckFailed":
                    raise RequestAlreadyApplied(key) from exc
            if first_program_item is not None:
                for index in range(first_program_item, len(codes)):
                    if codes[index] == "ConditionalCheckFailed":
                        raise ProgramItemConflict(index - first_program_item, reasons[index].get("Item")) from exc
            raise WriteConflict(",".join(str(c) for c in codes)) from exc

    def _account_op(self, pk: str, change: MemberChange, pointer: requests.Pointer | None = None) -> dict[str, Any]:
        item = {"PK": pk, "SK": keys.ACCOUNT, **_account_item(change.after)}
        log = requests.append(change.before.request_log, pointer, today=change.written_at // 86400)
        if log:
            item["requests"] = log
        lots, through = summary.after_change(
            change.before.lot_summary, change.before.lot_summary_through,
            read=[(lot.expires_on, lot.remaining) for lot in change.lots_read], read_through=change.lots_read_through,
            written=[(w.expires_on, w.after) for w in change.lots],
        )
        if through is not None:
            item["early_lots"], item["early_lots_through"] = summary.encode(lots), through.isoformat()
        after = change.after
        tier_due = sweep_due_on(after)  # the tier review, or the reminder before it
        if tier_due is not None:
            item["due_pk"] = keys.due_pk("REVIEW", after.program, keys.shard_of(after.member))
            item["due_sk"] = f"{tier_due.isoformat()}#{after.member}"
        if change.before.exists:
            return {
                "Put": {
                    "TableName": self.table_name,
                    "Item": item,
                    "ConditionExpression": "#v = :v",
                    "ExpressionAttributeNames": {"#v": "version"},
                    "ExpressionAttributeValues": {":v": change.before.version},
                }
            }
        return {"Put": {"TableName": self.table_name, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}}

    def _lot_op(self, pk: str, account: Account, lot: LotWrite) -> dict[str, Any]:
        key = {"PK": pk, "SK": keys.lot_sk(lot.expires_on)}
        guard: dict[str, Any] = (
            {"ConditionExpression": "remaining = :before", "ExpressionAttributeValues": {":before": lot.before}}
            if lot.before
            else {"ConditionExpression": "attribute_not_exists(PK)"}
        )
        if lot.after == 0:
            # Empty lots are deleted: they leave the due index and the member's Query.
            return {"Delete": {"TableName": self.table_name, "Key": key, **guard}}
        item: dict[str, Any] = {**key, "remaining": lot.after, "expires_on": lot.expires_on.isoformat()}
        if lot.expires_on.isoformat() != _NEVER:
            item["due_pk"] = keys.due_pk("EXPIRE", account.program, keys.shard_of(account.member))
            item["due_sk"] = f"{lot.expires_on.isoformat()}#{pk}"
        return {"Put": {"TableName": self.table_name, "Item": item, **guard}}

    def _pending_op(self, pk: str, account: Account, write: PendingWrite) -> dict[str, Any]:
        lot = write.lot
        key = {"PK": pk, "SK": keys.pending_sk(lot.order_id)}
        guard = {"ConditionExpression": "attribute_exists(PK)" if write.exists_before else "attribute_not_exists(PK)"}
        if write.delete:
            return {"Delete": {"TableName": self.table_name, "Key": key, **guard}}
        item = {
            **key,
            "order_id": lot.order_id,
            "points": lot.points,
            "bonus": lot.bonus,
            "available_on": lot.available_on.isoformat(),
            "expires_on": lot.expires_on.isoformat(),
            "qualifying": lot.qualifying,
            "amount_fen": lot.amount_fen,
            "refunded_fen": lot.refunded_fen,
            "due_pk": keys.due_pk("ACTIVATE", account.program, keys.shard_of(account.member)),
            "due_sk": f"{lot.available_on.isoformat()}#{pk}#{lot.order_id}",
        }
        return {"Put": {"TableName": self.table_name, "Item": item, **guard}}

    def _sale_op(self, pk: str, write: SaleWrite, request: dict[str, Any] | None = None) -> dict[str, Any]:
        sale = write.sale
        fields = {
            "order_id": sale.order_id,
            "amount_fen": sale.amount_fen,
            "points": sale.points,
            "bonus": sale.bonus,
            "qualifying": sale.qualifying,
            "paid_on": sale.paid_on.isoformat(),
            "expires_on": sale.expires_on.isoformat(),
            "refunded_fen": sale.refunded_fen,
            "reversed": sale.reversed,
            "reversed_qualifying": sale.reversed_qualifying,
            "shortfall": sale.shortfall,
        }
        key = {"PK": pk, "SK": keys.sale_sk(sale.order_id)}
        if not write.exists_before:
            return {"Put": {"TableName": self.table_name, "Item": {**key, **fields, **(request or {})},
                            "ConditionExpression": "attribute_not_exists(PK)"}}
        # An update, not a Put: the earn's stored answer on this item must survive refunds.
        names = {f"#s{n}": name for n, name in enumerate(fields)}
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": key,
                "UpdateExpression": "SET " + ", ".join(f"#s{n} = :s{n}" for n in range(len(fields))),
                "ConditionExpression": "attribute_exists(PK)",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": {f":s{n}": v for n, v in enumerate(fields.values())},
            }
        }

    def get_sale(self, program: str, member: str, order_id: str) -> SaleRecord | None:
        """The sale an order earned on (consistent: a refund proportions against it)."""
        item = self.client.get_item(
            TableName=self.table_name,
            Key={"PK": keys.member_pk(program, member), "SK": keys.sale_sk(order_id)},
            ConsistentRead=True,
        ).get("Item")
        return None if item is None else _sale_from_item(item)

    # ----- sweeps ------------------------------------------------------------------------

    def due_items(self, kind: str, program: str, shard: int, until: dt.date, *, limit: int = 500,
                  cursor: dict[str, Any] | None = None,
                  since: dt.date | None = None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Items of the sparse due index whose date is on or before ``until`` (inclusive), and on
        or after ``since`` when given (look-ahead sweeps read a window, not everything due)."""
        values: dict[str, Any] = {":p": keys.due_pk(kind, program, shard), ":u": (until + dt.timedelta(days=1)).isoformat()}
        condition = "due_pk = :p AND due_sk < :u"
        if since is not None:
            # due_sk is "{date}#...", never the bare date: BETWEEN's inclusive ends act as [since, until].
            condition = "due_pk = :p AND due_sk BETWEEN :s AND :u"
            values[":s"] = since.isoformat()
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": "DueIndex",
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = cursor
        page = self.client.query(**kwargs)
        return [_plain(i) for i in page["Items"]], page.get("LastEvaluatedKey")

    def get_sweep_mark(self, program: str, sweep: str) -> dt.date | None:
        item = self.client.get_item(
            TableName=self.table_name,
            Key={"PK": keys.program_pk(program), "SK": keys.sweep_sk(sweep)},
            ConsistentRead=True,
        ).get("Item")
        return dt.date.fromisoformat(item["through"]) if item else None

    def set_sweep_mark(self, program: str, sweep: str, through: dt.date) -> bool:
        """Remember that a sweep was dispatched through ``through``; never moves it back.
        False when a run for a later day got there first."""
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item={"PK": keys.program_pk(program), "SK": keys.sweep_sk(sweep), "through": through.isoformat()},
                ConditionExpression="attribute_not_exists(PK) OR through < :t",
                ExpressionAttributeValues={":t": through.isoformat()},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # ----- program documents -------------------------------------------------------------

    def get_program_document(self, program: str) -> tuple[int, dict[str, Any]] | None:
        item = self.client.get_item(
            TableName=self.table_name,
            Key={"PK": keys.program_pk(program), "SK": keys.CONFIG_CURRENT},
            ConsistentRead=True,
        ).get("Item")
        if item is None:
            return None
        return _int(item["version"]), json.loads(item["document"])

    def put_program_document(self, program: str, document: dict[str, Any], *, expected_version: int,
                             updated_at: dt.datetime, updated_by: str) -> int:
        """Store a new (validated) version; fails with WriteConflict if someone else stored one
        first. The program's registry entry (its time zone, what the sweeps' schedules read) is
        written with it."""
        from .registry import registration

        version = expected_version + 1
        body = json.dumps(document, ensure_ascii=False, sort_keys=True)
        pk = keys.program_pk(program)
        meta = {"version": version, "document": body, "updated_at": updated_at.isoformat(), "updated_by": updated_by}
        current: dict[str, Any] = {"Put": {"TableName": self.table_name, "Item": {"PK": pk, "SK": keys.CONFIG_CURRENT, **meta}}}
        if expected_version:
            current["Put"]["ConditionExpression"] = "#v = :v"
            current["Put"]["ExpressionAttributeNames"] = {"#v": "version"}
            current["Put"]["ExpressionAttributeValues"] = {":v": expected_version}
        else:
            current["Put"]["ConditionExpression"] = "attribute_not_exists(PK)"
        history = {
            "Put": {
                "TableName": self.table_name,
                "Item": {"PK": pk, "SK": keys.config_sk(version), **meta},
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }
        self._transact([current, history, registration(self.table_name, program, str(document["timezone"]))])
        return version

    # ----- rewards -----------------------------------------------------------------------

    def list_rewards(self, program: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :r)",
            "ExpressionAttributeValues": {":pk": keys.program_pk(program), ":r": keys.REWARD_PREFIX},
        }
        while True:
            page = self.client.query(**kwargs)
            items.extend(_plain(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def get_reward(self, program: str, reward_id: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.table_name,
            Key={"PK": keys.program_pk(program), "SK": keys.reward_sk(reward_id)},
            ConsistentRead=True,
        ).get("Item")
        return _plain(item) if item else None

    def put_reward(self, program: str, reward: dict[str, Any], *, expected_rev: int | None) -> None:
        """Create (expected_rev None: must not exist) or change the operator's fields at a known
        revision. The `redeemed` counter is never written here: redemptions ADD to it without
        changing the revision, and a replace must not lose one that landed meanwhile."""
        key = {"PK": keys.program_pk(program), "SK": keys.reward_sk(reward["id"])}
        try:
            if expected_rev is None:
                self.client.put_item(TableName=self.table_name, Item={**key, **reward},
                                     ConditionExpression="attribute_not_exists(PK)")
                return
            fields = {k: v for k, v in reward.items() if k not in {"id", "redeemed"}}
            removed = [k for k in ("stock", "min_tier", "per_member_limit") if k not in fields]
            names = {f"#f{n}": k for n, k in enumerate(fields)}
            update = "SET " + ", ".join(f"#f{n} = :f{n}" for n in range(len(fields)))
            if removed:
                update += " REMOVE " + ", ".join(f"#r{n}" for n in range(len(removed)))
                names.update({f"#r{n}": k for n, k in enumerate(removed)})
            values = {f":f{n}": v for n, v in enumerate(fields.values())}
            self.client.update_item(
                TableName=self.table_name, Key=key, UpdateExpression=update,
                ConditionExpression="#fr = :expected",
                ExpressionAttributeNames={**names, "#fr": "rev"},
                ExpressionAttributeValues={**values, ":expected": expected_rev},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise WriteConflict("reward changed") from exc
            raise

    def reward_take_op(self, program: str, reward_id: str, *, quantity: int, rev: int, finite_stock: bool) -> dict[str, Any]:
        """Update of a reward inside a redemption: the price revision it was quoted at is still
        current and, for finite stock, enough is left."""
        values: dict[str, Any] = {":q": quantity, ":rev": rev}
        condition = "rev = :rev"
        update = "ADD redeemed :q"
        if finite_stock:
            condition += " AND stock >= :q"
            update += " SET stock = stock - :q"
        return {
            "Key": {"PK": keys.program_pk(program), "SK": keys.reward_sk(reward_id)},
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }


# ----- item <-> domain ---------------------------------------------------------------------


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _stored(key: str, item: dict[str, Any]) -> StoredRequest:
    return StoredRequest(key=key, fingerprint=item["fingerprint"], status=_int(item["status"]),
                         body=json.loads(item["response"]))


def _account_from_item(program: str, member: str, item: dict[str, Any]) -> Account:
    created = item.get("created_at")
    return Account(
        program=program,
        member=member,
        version=_int(item["version"]),
        balance=_int(item.get("balance")),
        pending=_int(item.get("pending")),
        debt=_int(item.get("debt")),
        earned=_int(item.get("earned")),
        redeemed=_int(item.get("redeemed")),
        expired=_int(item.get("expired")),
        adjusted=_int(item.get("adjusted")),
        tier=item.get("tier", ""),
        tier_since=_date(item.get("tier_since")),
        review_on=_date(item.get("review_on")),
        qualifying=_int(item.get("qualifying")),
        qualifying_fen=_int(item.get("qualifying_fen")),
        orders=_int(item.get("orders")),
        reward_counts={k: int(v) for k, v in (item.get("reward_counts") or {}).items()},
        features=json.loads(item["features"]) if item.get("features") else {},
        created_at=dt.datetime.fromisoformat(created) if created else None,
        request_log=bytes(getattr(item.get("requests"), "value", item.get("requests")) or b""),
        lot_summary=summary.decode(item.get("early_lots", "")),
        lot_summary_through=_date(item.get("early_lots_through")),
    )


def _account_item(account: Account) -> dict[str, Any]:
    item: dict[str, Any] = {
        "member_id": account.member,
        "version": account.version,
        "balance": account.balance,
        "pending": account.pending,
        "debt": account.debt,
        "earned": account.earned,
        "redeemed": account.redeemed,
        "expired": account.expired,
        "adjusted": account.adjusted,
        "tier": account.tier,
        "qualifying": account.qualifying,
        "qualifying_fen": account.qualifying_fen,
        "orders": account.orders,
        "reward_counts": dict(account.reward_counts),
        # JSON text: feature state may hold nested values and must never carry floats.
        "features": json.dumps(account.features, sort_keys=True, separators=(",", ":")),
    }
    if account.tier_since:
        item["tier_since"] = account.tier_since.isoformat()
    if account.review_on:
        item["review_on"] = account.review_on.isoformat()
    if account.created_at:
        item["created_at"] = account.created_at.isoformat()
    return item


def _pending_from_item(item: dict[str, Any]) -> PendingLot:
    return PendingLot(
        order_id=item["order_id"],
        points=_int(item["points"]),
        bonus=_int(item.get("bonus")),
        available_on=dt.date.fromisoformat(item["available_on"]),
        expires_on=dt.date.fromisoformat(item["expires_on"]),
        qualifying=_int(item.get("qualifying")),
        amount_fen=_int(item.get("amount_fen")),
        refunded_fen=_int(item.get("refunded_fen")),
    )


def _sale_from_item(item: dict[str, Any]) -> SaleRecord:
    return SaleRecord(
        order_id=item["order_id"],
        amount_fen=_int(item["amount_fen"]),
        points=_int(item["points"]),
        bonus=_int(item.get("bonus")),
        qualifying=_int(item.get("qualifying")),
        paid_on=dt.date.fromisoformat(item["paid_on"]),
        expires_on=dt.date.fromisoformat(item["expires_on"]),
        refunded_fen=_int(item.get("refunded_fen")),
        reversed=_int(item.get("reversed")),
        reversed_qualifying=_int(item.get("reversed_qualifying")),
        shortfall=_int(item.get("shortfall")),
    )


def _entry_item(entry: LedgerEntry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.id,
        "type": entry.type,
        "points": entry.points,
        "balance_after": entry.balance_after,
        "reason": entry.reason,
        "created_at": entry.created_at.isoformat(),
        "lots": [{"expires_on": d.isoformat(), "points": p} for d, p in entry.lots],
    }
    if entry.ref is not None:
        item["ref"] = entry.ref
    if entry.request_key is not None:
        item["request_key"] = entry.request_key
    if entry.details:
        item["details"] = json.dumps(entry.details, sort_keys=True, ensure_ascii=False)
    return item


def _entry_maps(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The entries of a ledger item, oldest first."""
    return list(item["entries"])


def entries_from_item(item: dict[str, Any]) -> list[LedgerEntry]:
    """The entries of a stored ledger item (a TX# item, e.g. a stream image) as the domain sees them."""
    return [
        LedgerEntry(
            id=plain["id"],
            type=plain["type"],
            points=plain["points"],
            balance_after=plain["balance_after"],
            reason=plain.get("reason", ""),
            ref=plain.get("ref"),
            created_at=dt.datetime.fromisoformat(plain["created_at"]),
            lots=tuple((dt.date.fromisoformat(lot["expires_on"]), lot["points"]) for lot in plain.get("lots", [])),
            request_key=plain.get("request_key"),
            details=json.loads(plain["details"]) if plain.get("details") else {},
        )
        for plain in _entry_maps(_plain(item))
    ]


def _entry_view(item: dict[str, Any]) -> dict[str, Any]:
    view = {
        "id": item["id"],
        "type": item["type"],
        "points": item["points"],
        "balance_after": item["balance_after"],
        "reason": item.get("reason", ""),
        "ref": item.get("ref"),
        "created_at": item["created_at"],
        "lots": item.get("lots", []),
    }
    if item.get("details"):
        view["details"] = json.loads(item["details"])
    return view


def _encode_cursor(sk: str, given: int) -> str:
    return base64.urlsafe_b64encode(f"{sk}|{given}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, int]:
    try:
        sk, _, given = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("|")
        skip = int(given)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("invalid cursor") from exc
    if not sk.startswith(keys.TX_PREFIX) or skip < 0:
        raise ValueError("invalid cursor")
    return sk, skip
