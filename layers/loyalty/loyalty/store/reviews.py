"""Review records (风控): one REVIEW# item per held credit in the member's partition, in the
sparse DueIndex (kind HELD, 16 shards) while it is open, so the operators' list is 16 Queries
of open reviews and never a scan; a decision removes it from the index in the same transaction
as the member's credit, conditioned on it being open (two decisions cannot both apply)."""

from __future__ import annotations

import json
from typing import Any

from ..domain.reviews import Review
from . import keys
from .changes import ReviewWrite
from .items import _plain

REVIEW_PREFIX = "REVIEW#"  # after PENDING#~: a member's read (ACCOUNT..PENDING#~) never loads them
DUE_KIND = "HELD"


def review_op(table: str, program: str, write: ReviewWrite, written_at: int) -> dict[str, Any]:
    review = write.review
    pk = keys.member_pk(program, review.member_id)
    key = {"PK": pk, "SK": f"{REVIEW_PREFIX}{review.review_id}"}
    if write.status == "open":
        item = {**key, "status": "open", "review": json.dumps(review.dump(), ensure_ascii=False, sort_keys=True),
                "created_at": written_at,
                "due_pk": keys.due_pk(DUE_KIND, program, keys.shard_of(review.member_id)),
                "due_sk": f"{review.created_at}#{review.review_id}"}
        return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}}
    return {"Update": {
        "TableName": table, "Key": key,
        "UpdateExpression": "SET #st = :st, decided_at = :at, decision_reason = :r REMOVE due_pk, due_sk",
        "ConditionExpression": "#st = :open",
        "ExpressionAttributeNames": {"#st": "status"},
        "ExpressionAttributeValues": {":st": write.status, ":at": written_at, ":r": write.decision_reason,
                                      ":open": "open"},
    }}


class ReviewReads:
    table_name: str
    client: Any

    def open_reviews(self, program: str, *, limit: int = 100) -> list[Review]:
        """The program's open reviews, oldest first, at most ``limit``: one Query per shard of the
        index (keys only), then one BatchGetItem of the records."""
        found: list[tuple[str, dict[str, Any]]] = []
        for shard in range(keys.DUE_SHARDS):
            page = self.client.query(
                TableName=self.table_name, IndexName="DueIndex", Limit=limit,
                KeyConditionExpression="due_pk = :p",
                ExpressionAttributeValues={":p": keys.due_pk(DUE_KIND, program, shard)})
            found.extend((i["due_sk"], {"PK": i["PK"], "SK": i["SK"]}) for i in map(_plain, page["Items"]))
        wanted = [key for _, key in sorted(found, key=lambda f: f[0])[:limit]]
        reviews: list[Review] = []
        while wanted:
            batch, wanted = wanted[:100], wanted[100:]
            request = {self.table_name: {"Keys": batch, "ConsistentRead": True}}
            while request:
                answer = self.client.batch_get_item(RequestItems=request)
                reviews.extend(Review.load(json.loads(_plain(i)["review"])) for i in
                               answer["Responses"].get(self.table_name, []) if _plain(i).get("status") == "open")
                request = answer.get("UnprocessedKeys") or {}
        return sorted(reviews, key=lambda r: (r.created_at, r.review_id))
