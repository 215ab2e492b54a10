"""WeChat logins racing on real threads on the locked engine (issue 19): a new user's first login
sent 8 times at once (a mini-program retrying on a flaky network) is one member with one link
item; 10 logins at once from one address with a limit of 5 a minute let exactly 5 through."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from loyalty.domain.errors import LoyaltyError
from loyalty.domain.wechat import Credentials
from loyalty.services import wechat_auth
from loyalty.services.wiring import Wiring
from loyalty.store.code2session import Code2SessionClient
from loyalty.store.signers import LocalSigner
from loyalty_local.wechat_standin import WeChatStandIn, dev_appid, dev_secret

from .threads import race

pytestmark = pytest.mark.concurrency

NOW = dt.datetime(2026, 6, 1, 12, 0, 5, tzinfo=dt.UTC)


class _Credentials:
    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials

    def read(self, program: str, *, fresh: bool = False) -> Credentials | None:
        return self.credentials


@pytest.fixture
def svc(locked_svc: Wiring) -> Iterator[Wiring]:
    standin = WeChatStandIn().start()
    appid, secret = dev_appid(), dev_secret()
    standin.accept(appid, secret)
    locked_svc.wechat_credentials = _Credentials(Credentials(appid, secret))  # type: ignore[assignment]
    locked_svc.code2session = Code2SessionClient(standin.url)
    locked_svc.signer = LocalSigner(LocalSigner.generate_pem())
    locked_svc.settings.engine_issuer = "https://engine-issuer.test"
    try:
        yield locked_svc
    finally:
        standin.stop()


def _login(svc: Wiring, code: str, ip: str) -> dict[str, Any] | str:
    try:
        return wechat_auth.wechat_login(svc, "demo", code, ip=ip, now=NOW)
    except LoyaltyError as exc:
        return exc.code


def test_eight_first_logins_of_one_user_at_once_are_one_member_with_one_link(svc: Wiring) -> None:
    answers = race(8, lambda i: _login(svc, "dev-newcomer", f"198.51.100.{i}"))
    assert all(isinstance(a, dict) for a in answers), answers
    members = {a["member_id"] for a in answers if isinstance(a, dict)}
    assert len(members) == 1
    (member,) = members
    link = svc.wechat_logins.get_link("demo", member)
    assert link is not None and link["logins"] == 8 and link["first_login_at"] == NOW.isoformat()


def test_ten_logins_at_once_from_one_address_with_a_limit_of_five_let_exactly_five_through(svc: Wiring) -> None:
    svc.settings.logins_per_ip_minute = 5
    answers = race(10, lambda i: _login(svc, f"dev-user{i}", "203.0.113.50"))
    assert sum(isinstance(a, dict) for a in answers) == 5, answers
    assert {a for a in answers if not isinstance(a, dict)} == {"RATE_LIMITED"}
