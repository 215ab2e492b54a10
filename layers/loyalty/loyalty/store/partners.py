"""Partners: their record in the table, their webhook secrets in SSM Parameter Store.

The record (program, allowed event types, subscriptions, the current secret version) is read
consistently on every webhook so a change by an operator applies at once. The secrets are
SecureString parameters read through Powertools Parameters, cached per container: the record's
``secret_version`` tells when the cached copy is older than a rotation and must be re-read.

A webhook-id the partner sent is bound to its event by an item of its own (``WEBHOOK#{partner}#
{id}``), and an answer given without any other write is recorded as the member's REQ# item;
both are written only if absent, so of two racing deliveries one writes and the other reads.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from aws_lambda_powertools.utilities.parameters import SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError

from . import keys
from .listing import page_of_records
from .table import Store, WriteConflict, _plain

SECRETS_MAX_AGE = 300
# The account's AWS managed key for SSM: decrypting through SSM needs no key policy of ours.
SECRETS_KEY = "alias/aws/ssm"
WEBHOOK_PREFIX = "WEBHOOK#"


class PartnerStore:
    def __init__(self, store: Store, secrets_path: str, *, ssm_client: Any = None) -> None:
        self.store = store
        self.secrets_path = secrets_path.rstrip("/")
        self._ssm_client = ssm_client
        self._provider: SSMProvider | None = None

    # ----- the record ----------------------------------------------------------------------

    def get(self, partner_id: str) -> dict[str, Any] | None:
        item = self.store.client.get_item(
            TableName=self.store.table_name,
            Key={"PK": keys.partner_pk(partner_id), "SK": keys.PARTNER},
            ConsistentRead=True,
        ).get("Item")
        return _record(item) if item else None

    def put(self, record: dict[str, Any], *, expected_rev: int | None) -> None:
        """Create (expected_rev None: the id must be free) or replace at a known revision; the
        program's copy is written in the same transaction."""
        partner_id, program = record["partner_id"], record["program"]
        main: dict[str, Any] = {"TableName": self.store.table_name,
                                "Item": {"PK": keys.partner_pk(partner_id), "SK": keys.PARTNER, **record}}
        if expected_rev is None:
            main["ConditionExpression"] = "attribute_not_exists(PK)"
        else:
            main["ConditionExpression"] = "rev = :rev"
            main["ExpressionAttributeValues"] = {":rev": expected_rev}
        copy = {"TableName": self.store.table_name,
                "Item": {"PK": keys.program_pk(program), "SK": keys.partner_sk(partner_id), **record}}
        self.store._transact([{"Put": main}, {"Put": copy}])

    def list_for_program(self, program: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.store.table_name,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :p)",
            "ExpressionAttributeValues": {":pk": keys.program_pk(program), ":p": keys.PARTNER_PREFIX},
        }
        while True:
            page = self.store.client.query(**kwargs)
            items.extend(_record(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def list_page(self, program: str, *, limit: int,
                  after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """A page of the program's partners by id (their records: the secrets are in Parameter
        Store, never in the table), and the last id when more follow; one Query."""
        records, last = page_of_records(self.store.client, self.store.table_name, keys.program_pk(program),
                                        keys.PARTNER_PREFIX, limit=limit, after=after)
        return [_record(items[0]) for items in records], last

    # ----- webhook ids ---------------------------------------------------------------------

    def get_webhook(self, partner_id: str, webhook_id: str) -> dict[str, Any] | None:
        """The binding of a partner's webhook-id to the first event sent under it."""
        item = self.store.client.get_item(
            TableName=self.store.table_name, Key=_webhook_key(partner_id, webhook_id), ConsistentRead=True,
        ).get("Item")
        return _record(item) if item else None

    def bind_webhook(self, partner_id: str, webhook_id: str, binding: dict[str, Any], *, ttl: int) -> bool:
        """Bind the id unless it is bound already (False then: read who won)."""
        return self._put_new({**_webhook_key(partner_id, webhook_id), **binding, "ttl": ttl})

    def put_answer(self, program: str, member: str, key: str, *, fingerprint: str, status: int,
                   body: dict[str, Any], ttl: int) -> bool:
        """A request record of its own (a REQ# item, the shape every member write gives one) for
        an outcome that wrote nothing else; False when the key is recorded already."""
        return self._put_new({"PK": keys.member_pk(program, member), "SK": keys.req_sk(key),
                              "fingerprint": fingerprint, "status": status,
                              "response": json.dumps(body, ensure_ascii=False, sort_keys=True), "ttl": ttl})

    def _put_new(self, item: dict[str, Any]) -> bool:
        try:
            self.store.client.put_item(TableName=self.store.table_name, Item=item,
                                       ConditionExpression="attribute_not_exists(PK)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # ----- the secrets ---------------------------------------------------------------------

    @property
    def provider(self) -> SSMProvider:
        if self._provider is None:
            client = self._ssm_client or boto3.client("ssm")
            self._provider = SSMProvider(boto3_client=client)
        return self._provider

    def secret_name(self, partner_id: str) -> str:
        return f"{self.secrets_path}/{partner_id}"

    def get_secrets(self, partner_id: str, *, fresh: bool = False) -> dict[str, Any] | None:
        """The secrets document ``{version, secrets: [{secret, created_at, expires_at}]}``."""
        value = read_secure_json(self.provider, self.secret_name(partner_id), fresh=fresh)
        return value if isinstance(value, dict) else None

    def put_secrets(self, partner_id: str, document: dict[str, Any]) -> None:
        text = json.dumps(document, sort_keys=True, separators=(",", ":"))
        self.provider.set(self.secret_name(partner_id), text, overwrite=True, parameter_type="SecureString",
                          kms_key_id=SECRETS_KEY, description=f"Standard Webhooks secrets of partner {partner_id}")
        # The next read in this container must see what was just written, not the cache.
        self.provider.clear_cache()


def _webhook_key(partner_id: str, webhook_id: str) -> dict[str, str]:
    # A partition per id, not the partner's: a busy partner's deliveries spread over the table
    # instead of all landing on its record's partition. (Partner ids have no "#".)
    return {"PK": f"{WEBHOOK_PREFIX}{partner_id}#{webhook_id}", "SK": WEBHOOK_PREFIX.rstrip("#")}


def read_secure_json(provider: SSMProvider, name: str, *, fresh: bool) -> Any | None:
    """A JSON SecureString through Powertools' cache (``fresh``: past it); None when there is
    none. Powertools' errors name the parameter and the boto error, never its value."""
    try:
        return provider.get(name, max_age=SECRETS_MAX_AGE, transform="json", decrypt=True, force_fetch=fresh)
    except GetParameterError as exc:
        # Powertools re-raises without `from`: the boto error is the implicit context.
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ClientError) and cause.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None
        raise


def _record(item: dict[str, Any]) -> dict[str, Any]:
    plain = _plain(item)
    return {k: v for k, v in plain.items() if k not in {"PK", "SK"}}


__all__ = ["PartnerStore", "WriteConflict"]
