"""A member change becomes one TransactWriteItems: the account (conditioned on its version),
its lots (on their points), pending lots, sales, one ledger item, the request record; a failed
condition is told apart (an applied request, a program item, a plain conflict)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from botocore.exceptions import ClientError

from ..domain.abuse import SignalClaim
from ..domain.account import Account
from ..domain.referrals import Invite
from . import keys, requests, summary
from .changes import HoldWrite, LotWrite, MemberChange, PendingWrite, SaleWrite, StockTake
from .donations import donation_ops
from .errors import InviteTaken, ProgramItemConflict, RequestAlreadyApplied, SignalCapReached, WriteConflict
from .items import NEVER, _account_item, _entry_item
from .lotteries import draw_ops
from .reviews import review_op

SIGNAL_TTL_SECONDS = 3 * 86400  # a device's or an IP's counter of a day, kept past that day's end


class MemberWrites:
    table_name: str
    client: Any

    def commit(self, change: MemberChange) -> None:
        ops, request_index, first_program_item, extra_index = self._ops(change)
        # Last, so that a failed condition among them is told by its position.
        refusals: dict[int, Exception] = {}
        for claim in change.signals:
            refusals[len(ops)] = SignalCapReached(claim)
            ops.append({"Update": {"TableName": self.table_name, **signal_op(change.after, claim, change.written_at)}})
        for invite in change.invites:
            refusals[len(ops)] = InviteTaken(invite.friend)
            ops.append({"Put": {"TableName": self.table_name, **invite_op(change.after.program, invite)}})
        transact(self.client, ops, request_index=request_index, first_program_item=first_program_item,
                 extra_requests=extra_index, refusals=refusals)

    def commit_together(self, changes: list[MemberChange]) -> None:
        """Several members' changes as one TransactWriteItems, all or nothing (a transfer: the
        sender's and the receiver's). Each keeps its own conditions (account version, lots), so
        a change of either member since it was read cancels both. One of them at most carries a
        request key; none writes a conditioned program item (stock...) or records extra keys: a
        failure of those is told apart by its position, which a joint transaction does not keep."""
        ops: list[dict[str, Any]] = []
        request_index = -1
        for change in changes:
            own, own_request, first_program_item, extra = self._ops(change)
            program_items = [next(iter(op.values())) for op in own[first_program_item:]]
            if extra or any("ConditionExpression" in op for op in program_items):
                raise ValueError("a joint commit writes no conditioned program item and records no extra keys")
            if own_request >= 0:
                if request_index >= 0:
                    raise ValueError("a joint commit records one request key")
                request_index = len(ops) + own_request
            ops.extend(own)
        transact(self.client, ops, request_index=request_index)

    def _ops(self, change: MemberChange) -> tuple[list[dict[str, Any]], int, int, dict[int, str]]:
        """The ops of one member's change, the index of its request record (-1: none), of its first
        program item, and of each extra request record."""
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
        for hold in change.holds:
            ops.append(self._hold_op(pk, after, hold, change.written_at))
        ops.extend(review_op(self.table_name, after.program, review, change.written_at) for review in change.reviews)
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
        for take in change.stock_takes:
            ops.append({"Update": {"TableName": self.table_name, **stock_take_op(take)}})
        for donation in change.donations:
            ops.extend(donation_ops(self.table_name, after.program, after.member, donation))
        for draw in change.draws:
            ops.extend(draw_ops(self.table_name, draw))
        spilled = change.request_log[1]
        if spilled:
            # Unconditional, and after the stock takes: their indexes stay the conflict's.
            ops.append({"Update": {"TableName": self.table_name, **requests.spill_op(pk, after.version, spilled)}})
        return ops, request_index, first_program_item, extra_index

    def _account_op(self, pk: str, change: MemberChange, pointer: requests.Pointer | None = None) -> dict[str, Any]:
        item = {"PK": pk, "SK": keys.ACCOUNT, **_account_item(change.after)}
        # The account's condition is on its version alone: a concurrent writer still loses.
        log = requests.append(change.request_log[0], pointer, today=change.written_at // 86400)
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
        if change.tier_due is not None:
            item["due_pk"] = keys.due_pk("REVIEW", after.program, keys.shard_of(after.member))
            item["due_sk"] = f"{change.tier_due.isoformat()}#{after.member}"
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
        if lot.expires_on.isoformat() != NEVER:
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

    def _hold_op(self, pk: str, account: Account, write: HoldWrite, written_at: int) -> dict[str, Any]:
        hold = write.hold
        key = {"PK": pk, "SK": keys.hold_sk(hold.hold_id)}
        if write.status == "held":
            # due_sk starts with the UTC instant: the lapse sweep lists what is due before now
            # (services/sweeps.due_instant writes the same text).
            due = hold.expires_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            item = {**key, **hold.to_stored(), "member_id": account.member, "created_at": written_at,
                    "due_pk": keys.due_pk("HOLD", account.program, keys.shard_of(account.member)),
                    "due_sk": f"{due}#{pk}#{hold.hold_id}"}
            return {"Put": {"TableName": self.table_name, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}}
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": key,
                "UpdateExpression": "SET #st = :st, ended_at = :at REMOVE due_pk, due_sk",
                "ConditionExpression": "#st = :held",
                "ExpressionAttributeNames": {"#st": "status"},
                "ExpressionAttributeValues": {":st": write.status, ":at": written_at, ":held": "held"},
            }
        }

    def _sale_op(self, pk: str, write: SaleWrite, request: dict[str, Any] | None = None) -> dict[str, Any]:
        sale = write.sale
        fields = {
            "order_id": sale.order_id,
            "amount_fen": sale.amount_fen,
            "points": sale.points,
            "bonus": sale.bonus,
            "qualifying": sale.qualifying,
            "bonus_qualifying": sale.bonus_qualifying,
            "paid_on": sale.paid_on.isoformat(),
            "expires_on": sale.expires_on.isoformat(),
            "refunded_fen": sale.refunded_fen,
            "reversed": sale.reversed,
            "reversed_qualifying": sale.reversed_qualifying,
            "shortfall": sale.shortfall,
        }
        if sale.points_paid:  # paid partly with points (积分抵现): what refunds give back
            fields.update(points_paid=sale.points_paid, points_returned=sale.points_returned,
                          paid_lots=[[day.isoformat(), points] for day, points in sale.paid_lots])
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




def stock_take_op(take: StockTake) -> dict[str, Any]:
    """The Update of a reward inside a redemption (an op of a TransactWriteItems, without
    TableName): the price revision it was quoted at is still current and, for finite stock,
    enough is left. A sharded reward's take updates one stock item only (it carries the rev):
    takes of other shards run at the same time, and no take holds the reward item."""
    values: dict[str, Any] = {":q": take.quantity, ":rev": take.rev}
    condition = "rev = :rev"
    update = "ADD redeemed :q"
    if take.finite_stock:
        condition += " AND stock >= :q"
        update += " SET stock = stock - :q"
    sk = (take.sk if take.sk is not None else keys.reward_sk(take.reward_id) if take.shard is None
          else keys.reward_stock_sk(take.reward_id, take.shard))
    return {
        "Key": {"PK": keys.program_pk(take.program), "SK": sk},
        "UpdateExpression": update,
        "ConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }



def signal_op(account: Account, claim: SignalClaim, written_at: int) -> dict[str, Any]:
    """The member joins the (device or IP, day) counter, unless it holds ``cap`` others already.
    The item expires a few days after its day (TTL): only today's counts."""
    return {
        "Key": {"PK": keys.signal_pk(account.program, claim.kind, claim.digest), "SK": claim.day.isoformat()},
        "UpdateExpression": "ADD members :m SET #v = :v, #ttl = :ttl",
        "ConditionExpression": "attribute_not_exists(members) OR size(members) < :cap OR contains(members, :me)",
        "ExpressionAttributeNames": {"#v": "value", "#ttl": "ttl"},
        "ExpressionAttributeValues": {":m": {account.member}, ":me": account.member, ":cap": claim.cap,
                                      ":v": claim.value, ":ttl": written_at + SIGNAL_TTL_SECONDS},
    }


def invite_op(program: str, invite: Invite) -> dict[str, Any]:
    """The friend's INVITED item, written only if the friend has no inviter yet."""
    return {"Item": {"PK": keys.member_pk(program, invite.friend), "SK": keys.INVITED, **invite.to_stored()},
            "ConditionExpression": "attribute_not_exists(PK)"}


def transact(client: Any, ops: list[dict[str, Any]], *, request_index: int = -1, first_program_item: int | None = None,
             extra_requests: dict[int, str] | None = None, refusals: dict[int, Exception] | None = None) -> None:
    """``refusals``: the error to raise when the op at that index failed its condition (a full
    device counter, a friend invited already): the request is refused, not retried."""
    token = hashlib.sha256(json.dumps(ops, sort_keys=True, default=str).encode()).hexdigest()[:36]
    try:
        client.transact_write_items(TransactItems=ops, ClientRequestToken=token)
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
        for index, refusal in (refusals or {}).items():
            if index < len(codes) and codes[index] == "ConditionalCheckFailed":
                raise refusal from exc
        if first_program_item is not None:
            for index in range(first_program_item, len(codes)):
                if codes[index] == "ConditionalCheckFailed":
                    raise ProgramItemConflict(index - first_program_item, reasons[index].get("Item")) from exc
            busy = [index for index, code in enumerate(codes) if code == "TransactionConflict"]
            if busy and busy[0] >= first_program_item and set(codes) <= {"None", None, "TransactionConflict"}:
                # Only a stock item was held by another transaction: the member's items were not.
                raise WriteConflict(",".join(str(c) for c in codes),
                                    busy_program_item=busy[0] - first_program_item) from exc
        raise WriteConflict(",".join(str(c) for c in codes)) from exc
