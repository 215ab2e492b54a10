"""The member page logs in as a mini-program does (issue 19): opened with no token and a login
code (the link `make run` prints, `#code=dev-<name>`), it trades the code for the engine's token
through POST /v1/auth/wechat and shows that member's account; a refused code says why."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from loyalty_local.webpages import member_login_url

from ..e2e.conftest import Local, unique
from .conftest import PHONE, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_the_member_page_logs_in_with_a_code_and_shows_that_members_account(
        local: Local, new_page: Callable[..., Page]) -> None:
    code = f"dev-{unique('h5')}"
    status, login = local.call("POST", "/v1/auth/wechat", body={"program": "demo", "code": code})
    assert status == 200, login
    local.admin().adjust(login["member_id"], 321)
    page = new_page(PHONE)
    page.goto(member_login_url(local.endpoints.issuer_url, code))
    expect(page.locator("#balance")).to_have_text("321")
    assert page.url.endswith("/member/")  # the code left the address bar
    token = page.evaluate("sessionStorage.getItem('loyalty.token')")
    status, me = local.call("GET", "/v1/me", token)
    assert (status, me["member_id"]) == (200, login["member_id"])
    screenshot(page, "member-page-logged-in-by-code")


def test_a_refused_code_shows_wechats_reason(local: Local, new_page: Callable[..., Page]) -> None:
    page = new_page(PHONE)
    page.goto(member_login_url(local.endpoints.issuer_url, "bad-code"))
    expect(page.locator("#message")).to_contain_text("UNAUTHORIZED")
    assert page.evaluate("sessionStorage.getItem('loyalty.token')") is None
