"""The operator console in Chromium, against the local stack's real API: sign in, look a member
up, adjust, and see the account and the ledger change as the API says they did."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from ..e2e.conftest import Local, unique
from .conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_an_operator_signs_in_looks_a_member_up_adjusts_and_sees_the_ledger_change(
        local: Local, new_page: Callable[..., Page]) -> None:
    member = unique("console")
    admin = local.admin()
    admin.earn(member, unique("order"), 128_000)  # 1,280 points + the 500 first-order bonus
    balance = admin.call("GET", f"/v1/admin/members/{member}")[1]["balance"]
    page = new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{local.endpoints.issuer_url}/console/")

    # A member's token is refused by the API's authorizer's verdict, not by the page's guess.
    expect(page.locator("#sign-in")).to_be_visible()
    page.get_by_label("访问令牌").fill(local.token(member))
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#sign-in-error")).to_have_text("令牌无效或不是运营人员的令牌")
    page.get_by_label("访问令牌").fill(local.token("op-browser", admin=True))
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#who")).to_have_text("op-browser · demo")

    # Keyboard only: arrow to the members tab, type the id, Enter submits.
    page.get_by_role("tab", name="数据看板").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="会员查询")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type(member)
    page.keyboard.press("Enter")
    expect(page.locator("#account")).to_contain_text(f"{balance:,}")
    expect(page.locator("#ledger tbody tr")).to_have_count(2)  # the earn and its bonus

    page.get_by_label("调整积分").fill("300")
    page.get_by_label("原因").first.fill("客服补偿")
    page.get_by_role("button", name="提交调整").click()
    expect(page.locator("#adjust-status")).to_have_text(f"已调整 +300，余额 {balance + 300:,}")
    newest = page.locator("#ledger tbody tr").first
    expect(newest).to_have_attribute("data-type", "adjust")
    expect(newest).to_contain_text("人工调整")
    expect(newest).to_contain_text("+300")
    expect(newest).to_contain_text("客服补偿")
    expect(page.locator("#account")).to_contain_text(f"{balance + 300:,}")
    status, account = admin.call("GET", f"/v1/admin/members/{member}")
    assert (status, account["balance"]) == (200, balance + 300)

    # The program editor shows a refusal of PUT /v1/admin/program at the field it names, and
    # nothing is stored.
    version = admin.call("GET", "/v1/admin/program")[1]["version"]
    page.get_by_role("tab", name="积分商城").click()
    expect(page.locator("#catalog-table tr[data-reward=americano]")).to_contain_text("1,500")
    page.get_by_role("tab", name="规则配置").click()
    threshold = page.locator("input[data-path='tiers.1.threshold']")
    threshold.fill("-5")
    page.get_by_role("button", name="保存新版本").click()
    expect(threshold).to_have_attribute("aria-invalid", "true")
    expect(threshold).to_be_focused()
    expect(page.locator(f"#{threshold.get_attribute('id')}-error")).to_contain_text("greater than or equal to 0")
    expect(page.locator("#program-status")).to_contain_text("有 1 处不符合规则")
    assert admin.call("GET", "/v1/admin/program")[1]["version"] == version
    screenshot(page, "console-program-refused")
    page.get_by_role("tab", name="会员查询").click()

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("tab", name="Members")).to_be_visible()
    expect(page.locator("#ledger tbody tr").first).to_contain_text("Adjustment")
    screenshot(page, "console-member-adjusted")
    # No CDN, no third party: every request went to the dev server (pages, ECharts, /api).
    assert requests and all(url.startswith(local.endpoints.issuer_url + "/") for url in requests), requests
