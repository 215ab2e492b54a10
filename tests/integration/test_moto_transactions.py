"""The suite's moto transactions (tests/support/fast_transactions.py) undo a cancelled
transaction exactly as moto's own whole-table copy did: every item it named is as before, items
it would have created are absent, and the table's stream has no record of it."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ..support.template import TABLE


def _key(sk: str) -> dict[str, Any]:
    return {"PK": {"S": "MEMBER#demo#m1"}, "SK": {"S": sk}}


def _items(client: Any) -> list[dict[str, Any]]:
    return sorted(client.scan(TableName=TABLE)["Items"], key=lambda i: i["SK"]["S"])


def _stream_records(client: Any) -> int:
    arn = client.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    streams = boto3.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return len(streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"])


@pytest.fixture
def seeded(table: Any) -> Any:
    table.put_item(TableName=TABLE, Item={**_key("ACCOUNT"), "balance": {"N": "100"}, "version": {"N": "1"}})
    table.put_item(TableName=TABLE, Item={**_key("LOT#2027-01-31"), "remaining": {"N": "100"}})
    return table


def test_given_a_transaction_cancelled_by_its_last_condition_then_the_items_it_put_and_updated_are_as_before(
    seeded: Any
) -> None:
    before, records = _items(seeded), _stream_records(seeded)
    with pytest.raises(ClientError) as refused:
        seeded.transact_write_items(TransactItems=[
            {"Update": {"TableName": TABLE, "Key": _key("ACCOUNT"), "UpdateExpression": "SET balance = :b",
                        "ExpressionAttributeValues": {":b": {"N": "40"}}}},
            {"Put": {"TableName": TABLE, "Item": {**_key("TX#0000000002"), "points": {"N": "-60"}}}},
            {"Update": {"TableName": TABLE, "Key": _key("LOT#2027-01-31"), "UpdateExpression": "SET remaining = :r",
                        "ConditionExpression": "remaining = :was",
                        "ExpressionAttributeValues": {":r": {"N": "40"}, ":was": {"N": "99"}}}},
        ])
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [r["Code"] for r in refused.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "ConditionalCheckFailed"]
    assert _items(seeded) == before
    assert _stream_records(seeded) == records


def test_given_a_transaction_naming_one_item_twice_then_it_is_refused_and_the_first_write_is_undone(
    seeded: Any
) -> None:
    before, records = _items(seeded), _stream_records(seeded)
    with pytest.raises(ClientError) as refused:
        seeded.transact_write_items(TransactItems=[
            {"Delete": {"TableName": TABLE, "Key": _key("LOT#2027-01-31")}},
            {"Put": {"TableName": TABLE, "Item": {**_key("LOT#2027-01-31"), "remaining": {"N": "1"}}}},
        ])
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert _items(seeded) == before
    assert _stream_records(seeded) == records


def test_given_a_transaction_that_succeeds_then_every_write_is_applied_and_streamed(seeded: Any) -> None:
    records = _stream_records(seeded)
    seeded.transact_write_items(TransactItems=[
        {"Update": {"TableName": TABLE, "Key": _key("ACCOUNT"), "UpdateExpression": "SET balance = :b",
                    "ConditionExpression": "version = :v",
                    "ExpressionAttributeValues": {":b": {"N": "40"}, ":v": {"N": "1"}}}},
        {"Put": {"TableName": TABLE, "Item": {**_key("TX#0000000002"), "points": {"N": "-60"}}}},
        {"Delete": {"TableName": TABLE, "Key": _key("LOT#2027-01-31")}},
    ])
    assert [(i["SK"]["S"], i.get("balance", i.get("points"))) for i in _items(seeded)] == [
        ("ACCOUNT", {"N": "40"}), ("TX#0000000002", {"N": "-60"})]
    assert _stream_records(seeded) == records + 3
