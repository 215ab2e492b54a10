"""Faults injected with botocore event hooks on the Store's own client (moto in-process, one
thread): a timeout after the transaction committed, and a cancelled transaction. Whatever the
client or botocore retries, each request takes effect once and is answered as it was the first
time; a lost race is decided again from what is stored now."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

from loyalty.domain.errors import InsufficientPoints
from loyalty.domain.rewards import RewardSpec
from loyalty.services import accounts, earn, rewards
from loyalty.services.wiring import Wiring
from loyalty.services.writes import Receipt
from loyalty.store import keys
from loyalty.store.table import StoredRequest

from ..support.clock import ORDINARY_NOON
from .ledger import read_books

TRANSACT = "TransactWriteItems"


def _operation(request: AWSPreparedRequest) -> str:
    target = request.headers.get("X-Amz-Target", "")  # "DynamoDB_20120810.TransactWriteItems"
    if isinstance(target, bytes):
        target = target.decode()
    return str(target).rsplit(".", 1)[-1]


class Sends:
    """Counts what the client really sent, per DynamoDB operation (after moto answered)."""

    def __init__(self) -> None:
        self.count: dict[str, int] = {}

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> None:
        op = _operation(request)
        self.count[op] = self.count.get(op, 0) + 1


class TimeoutAfterCommit:
    """Raise a read timeout after the engine applied the call, as when the answer is lost on
    the way back. Registered last on the generic event, it runs after moto's own handler."""

    def __init__(self, times: int, probe: Callable[[], bool]) -> None:
        self.left = times
        self.fired = 0
        self.probe = probe  # was the effect stored when the answer was lost?
        self.stored_before_timeout: list[bool] = []

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> None:
        if _operation(request) != TRANSACT or self.left == 0:
            return
        self.left -= 1
        self.fired += 1
        self.stored_before_timeout.append(self.probe())
        raise ReadTimeoutError(endpoint_url=request.url)


class ConnectTimeoutBeforeSend:
    """The connection fails before the request leaves: nothing reaches the engine."""

    def __init__(self) -> None:
        self.fired = 0

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> None:
        if _operation(request) == TRANSACT and self.fired == 0:
            self.fired += 1
            raise ConnectTimeoutError(endpoint_url=request.url)


class CancelOnce:
    """Answer the first TransactWriteItems with TransactionCanceledException naming the account's
    condition, before anything is sent: a before-call handler that returns a response stops the
    call there (botocore's own stubbing hook), and botocore raises the modeled error from it."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.fired = 0

    def __call__(self, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if self.fired:
            return None
        self.fired += 1
        reasons = []
        for op in json.loads(params["body"])["TransactItems"]:
            (action,) = op.values()
            sk = (action.get("Item") or action.get("Key"))["SK"]["S"]
            reasons.append({"Code": self.code, "Message": "injected"} if sk == keys.ACCOUNT else {"Code": "None"})
        message = ("Transaction cancelled, please refer cancellation reasons for specific reasons "
                   f"[{', '.join(r['Code'] for r in reasons)}]")
        parsed = {
            "Error": {"Code": "TransactionCanceledException", "Message": message},
            "Message": message,
            "CancellationReasons": reasons,
            "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "injected", "HTTPHeaders": {}},
        }
        return AWSResponse(params["url"], 400, {"x-amzn-RequestId": "injected"}, None), parsed


def fund(svc: Wiring, member: str, points: int, key: str = "fund") -> None:
    accounts.adjust(svc, program_id="demo", member=member, points=points, reason="test funds",
                    idempotency_key=key, actor="test", now=ORDINARY_NOON)


def redeem(svc: Wiring, key: str = "r1") -> Receipt:
    return rewards.redeem(svc, program_id="demo", member="m1", reward_id="coffee", quantity=1,
                          idempotency_key=key, now=ORDINARY_NOON)


def earn_order(svc: Wiring) -> Receipt:
    return earn.earn_order(svc, program_id="demo", member="m1", order_id="o1", amount_fen=12_345, items=None, now=ORDINARY_NOON)


def adjust(svc: Wiring) -> Receipt:
    return accounts.adjust(svc, program_id="demo", member="m1", points=-250, reason="correction",
                           idempotency_key="fix-1", actor="op1", now=ORDINARY_NOON)


# Each operation after 1000 points and a 100-point coffee: the call, its request key, the balance after.
OPERATIONS: dict[str, tuple[Callable[[Wiring], Receipt], str, int]] = {
    "redeem": (redeem, "redeem:r1", 900),
    "earn": (earn_order, "order:o1:paid", 1000 + 123 + 500),  # with the first-order bonus
    "adjust": (adjust, "adjust:fix-1", 750),
}


@pytest.fixture
def funded(svc: Wiring) -> Wiring:
    fund(svc, "m1", 1000)
    rewards.create_reward(svc, "demo", "coffee", RewardSpec(name="Coffee", points=100))
    return svc


def _lookup(svc: Wiring, request_key: str) -> StoredRequest | None:
    account = svc.store.load_member("demo", "m1", account_only=True).account
    return svc.store.get_request("demo", "m1", request_key, account=account)


def _stored(svc: Wiring, request_key: str) -> Callable[[], bool]:
    return lambda: _lookup(svc, request_key) is not None


def _assert_applied_once(svc: Wiring, request_key: str, balance: int, answer: dict[str, Any]) -> None:
    books = read_books(svc, "m1")
    books.assert_consistent()
    assert books.balance == balance
    assert books.request_counts()[request_key] >= 1
    assert len({e["SK"].split("#")[1] for e in books.entries if e.get("request_key") == request_key}) == 1
    assert books.requests[request_key]["body"] == answer


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_given_the_answer_to_a_committed_write_is_lost_when_botocore_resends_it_then_it_takes_effect_once_and_answers_as_first(
    funded: Wiring, operation: str
) -> None:
    call, request_key, balance = OPERATIONS[operation]
    client = funded.store.client
    sends = Sends()
    timeout = TimeoutAfterCommit(times=1, probe=_stored(funded, request_key))
    client.meta.events.register_last("before-send", sends)
    client.meta.events.register_last("before-send", timeout)
    try:
        receipt = call(funded)
    finally:
        client.meta.events.unregister("before-send", timeout)
        client.meta.events.unregister("before-send", sends)

    assert timeout.stored_before_timeout == [True], "the timeout must come after the commit"
    assert sends.count[TRANSACT] == 2, "botocore resent the transaction"
    assert receipt.replayed  # the resend found its own request key and gave back the stored answer
    _assert_applied_once(funded, request_key, balance, receipt.body)
    assert call(funded) == receipt  # and so does the client's own retry, later


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_given_every_answer_is_lost_when_the_service_fails_and_the_client_retries_then_the_first_effect_stands_alone(
    funded: Wiring, operation: str
) -> None:
    call, request_key, balance = OPERATIONS[operation]
    client = funded.store.client
    timeout = TimeoutAfterCommit(times=99, probe=_stored(funded, request_key))
    client.meta.events.register_last("before-send", timeout)
    try:
        with pytest.raises(ReadTimeoutError):
            call(funded)
    finally:
        client.meta.events.unregister("before-send", timeout)

    assert timeout.fired >= 2 and all(timeout.stored_before_timeout)  # botocore retried, then gave up
    stored = _lookup(funded, request_key)
    assert stored is not None
    retried = call(funded)
    assert retried.replayed and (retried.status, retried.body) == (stored.status, stored.body)
    _assert_applied_once(funded, request_key, balance, retried.body)


def test_given_a_connect_timeout_before_the_request_left_when_botocore_retries_then_the_write_happens_once(
    funded: Wiring,
) -> None:
    client = funded.store.client
    sends, refuse = Sends(), ConnectTimeoutBeforeSend()
    client.meta.events.register_first(f"before-send.dynamodb.{TRANSACT}", refuse)
    client.meta.events.register_last("before-send", sends)
    try:
        receipt = redeem(funded)
    finally:
        client.meta.events.unregister(f"before-send.dynamodb.{TRANSACT}", refuse)
        client.meta.events.unregister("before-send", sends)

    assert refuse.fired == 1 and sends.count[TRANSACT] == 1
    assert not receipt.replayed and receipt.status == 201
    _assert_applied_once(funded, "redeem:r1", 900, receipt.body)


@pytest.mark.parametrize("code", ["ConditionalCheckFailed", "TransactionConflict"])
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_given_a_transaction_cancelled_on_the_account_once_when_the_service_reads_again_then_it_succeeds_with_one_effect(
    funded: Wiring, operation: str, code: str
) -> None:
    call, request_key, balance = OPERATIONS[operation]
    client = funded.store.client
    cancel, sends = CancelOnce(code), Sends()
    client.meta.events.register_first(f"before-call.dynamodb.{TRANSACT}", cancel)
    client.meta.events.register_last("before-send", sends)
    try:
        receipt = call(funded)
    finally:
        client.meta.events.unregister(f"before-call.dynamodb.{TRANSACT}", cancel)
        client.meta.events.unregister("before-send", sends)

    assert cancel.fired == 1
    assert sends.count[TRANSACT] == 1, "only the second attempt reached the engine"
    # A redemption also reads the reward with its stock shards, once (one Query, then cached).
    reward_reads = 1 if operation == "redeem" else 0
    assert sends.count["Query"] == 2 + reward_reads, "the service read the member again before its second attempt"
    assert not receipt.replayed
    _assert_applied_once(funded, request_key, balance, receipt.body)


def test_given_a_correction_lands_between_the_read_and_the_write_of_a_redemption_then_it_is_decided_again_from_the_new_balance(
    svc: Wiring,
) -> None:
    fund(svc, "m1", 150)
    rewards.create_reward(svc, "demo", "coffee", RewardSpec(name="Coffee", points=100))
    client = svc.store.client
    interleaved: list[Receipt] = []

    def correction_first(request: AWSPreparedRequest, **_: Any) -> None:
        if interleaved or b"redeem:r1" not in request.body:
            return
        # A real competing write on the same account, between the redemption's read and write.
        interleaved.append(accounts.adjust(svc, program_id="demo", member="m1", points=-100, reason="fraud",
                                           idempotency_key="fix-1", actor="op1", now=ORDINARY_NOON))

    client.meta.events.register_first(f"before-send.dynamodb.{TRANSACT}", correction_first)
    try:
        with pytest.raises(InsufficientPoints):
            redeem(svc)
    finally:
        client.meta.events.unregister(f"before-send.dynamodb.{TRANSACT}", correction_first)

    assert len(interleaved) == 1 and interleaved[0].body["balance"] == 50
    books = read_books(svc, "m1")
    books.assert_consistent()
    assert books.balance == 50
    assert set(books.requests) == {"adjust:fund", "adjust:fix-1"}  # the refused redemption left nothing
