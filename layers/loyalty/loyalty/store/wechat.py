"""WeChat login's storage (issue 19): each program's mini-program credentials in SSM Parameter
Store, the member's WeChat link item, and the per-IP login counters.

The credentials are one SecureString per program (``{path}/{program}``, JSON ``{appid, secret,
updated_at}``) read through Powertools Parameters with a cache (``max_age``): a login reads SSM
once per container and ``partners.SECRETS_MAX_AGE``, and ``fresh=True`` reads past the cache for the
stale-secret retry of services/wechat_login.py. The secret is never logged: no log line or
exception of this module carries the parameter's value."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import boto3
from aws_lambda_powertools.utilities.parameters import SSMProvider
from botocore.exceptions import ClientError

from ..domain.wechat import Credentials
from . import keys
from .partners import SECRETS_KEY, read_secure_json
from .table import Store

# A login counter is needed for its minute only; TTL removes it (up to days later, which costs nothing).
RATE_TTL_SECONDS = 3600


class WeChatCredentialStore:
    """The CredentialStore of services/wechat_login.py over SSM."""

    def __init__(self, secrets_path: str, *, ssm_client: Any = None) -> None:
        self.secrets_path = secrets_path.rstrip("/")
        self._ssm_client = ssm_client
        self._provider: SSMProvider | None = None

    @property
    def provider(self) -> SSMProvider:
        if self._provider is None:
            self._provider = SSMProvider(boto3_client=self._ssm_client or boto3.client("ssm"))
        return self._provider

    def name(self, program: str) -> str:
        return f"{self.secrets_path}/{program}"

    def read(self, program: str, *, fresh: bool = False) -> Credentials | None:
        value = read_secure_json(self.provider, self.name(program), fresh=fresh)
        if not isinstance(value, dict) or not isinstance(value.get("appid"), str) \
                or not isinstance(value.get("secret"), str):
            return None
        return Credentials(appid=value["appid"], secret=value["secret"])

    def put(self, program: str, credentials: Credentials, *, updated_at: dt.datetime, actor: str) -> None:
        text = json.dumps({"appid": credentials.appid, "secret": credentials.secret,
                           "updated_at": updated_at.isoformat(), "updated_by": actor},
                          sort_keys=True, separators=(",", ":"))
        self.provider.set(self.name(program), text, overwrite=True, parameter_type="SecureString",
                          kms_key_id=SECRETS_KEY, description=f"WeChat mini-program credentials of {program}")
        # This container's next login must use what was just written, not its cached copy.
        self.provider.clear_cache()


class WeChatLoginStore:
    """The member's WeChat link and the login counters, in the table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def link(self, program: str, member: str, *, unionid: str | None, now: dt.datetime) -> None:
        """Record the login on the member's link item: created by the first login, and one item
        however many first logins race (an UpdateItem is atomic). The unionid is kept once WeChat
        gives one (it links the member across the brand's apps); an answer without one keeps
        the stored one."""
        names = {"#first": "first_login_at", "#last": "last_login_at", "#n": "logins"}
        values: dict[str, Any] = {":now": now.isoformat(), ":one": 1}
        update = "SET #first = if_not_exists(#first, :now), #last = :now"
        if unionid is not None:
            names["#u"] = "unionid"
            values[":u"] = unionid
            update += ", #u = :u"
        self.store.client.update_item(
            TableName=self.store.table_name, Key={"PK": keys.member_pk(program, member), "SK": keys.WECHAT_LINK},
            UpdateExpression=update + " ADD #n :one", ExpressionAttributeNames=names,
            ExpressionAttributeValues=values)

    def get_link(self, program: str, member: str) -> dict[str, Any] | None:
        item = self.store.client.get_item(TableName=self.store.table_name,
                                          Key={"PK": keys.member_pk(program, member), "SK": keys.WECHAT_LINK},
                                          ConsistentRead=True).get("Item")
        return {k: v for k, v in item.items() if k not in {"PK", "SK"}} if item else None

    def count_login(self, ip: str, minute: int, *, limit: int) -> bool:
        """Count one login from ``ip`` in ``minute``; False (nothing counted) once ``limit`` logins
        were counted. One conditional ADD: concurrent logins never count past the limit."""
        try:
            self.store.client.update_item(
                TableName=self.store.table_name, Key={"PK": f"{keys.LOGIN_RATE_PREFIX}{ip}", "SK": str(minute)},
                UpdateExpression="ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)",
                ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
                ExpressionAttributeNames={"#n": "logins", "#ttl": "ttl"},
                ExpressionAttributeValues={":one": 1, ":limit": limit, ":ttl": minute * 60 + RATE_TTL_SECONDS})
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
