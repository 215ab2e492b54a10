"""The table's DynamoDB stream, driven in-process the way Lambda would: stream records read from
moto's stream become the publisher's event (what the publisher puts on the bus is read with
tests/support/bus.py's BusTap, the integration fixture `bus`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3

from .events import LambdaContext, load_function


class TableStream:
    """Reads every record of the table's stream once, in order, across calls."""

    def __init__(self, table_name: str) -> None:
        self.client = boto3.client("dynamodbstreams")
        self.arn = boto3.client("dynamodb").describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
        self._iterators: dict[str, str] = {}

    def records(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for shard in self.client.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            iterator = self._iterators.get(shard_id) or self.client.get_shard_iterator(
                StreamArn=self.arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            page = self.client.get_records(ShardIterator=iterator)
            out.extend(page["Records"])
            self._iterators[shard_id] = page["NextShardIterator"]
        return out

    def lambda_event(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """The event Lambda's DynamoDB poller hands the function for these records."""
        def shaped(record: dict[str, Any]) -> dict[str, Any]:
            dynamodb = dict(record["dynamodb"])
            created = dynamodb.get("ApproximateCreationDateTime")
            if isinstance(created, dt.datetime):
                dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
            return {**record, "dynamodb": dynamodb, "eventSourceARN": self.arn}

        return {"Records": [shaped(r) for r in records]}


def publish(stream: TableStream) -> dict[str, Any]:
    """Run the publisher (function `ledger_events`) on every new stream record."""
    records = stream.records()
    response: dict[str, Any] = load_function("ledger_events").handler(stream.lambda_event(records), LambdaContext())
    return {"records": len(records), **response}
