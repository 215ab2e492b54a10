"""The console's review queue and member status controls in Chromium, against the local stack's
real API: a big order is held, listed, approved with a reason, leaves the list and pays the
member; a second, other decision is shown as REVIEW_DECIDED; an operator freezes a member and
the API refuses the member's spends."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from ..e2e.conftest import Local, unique
from .conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

BIG_ORDER_FEN = 6_000_000  # over the demo program's abuse.review_order_fen (50,000 CNY)


def signed_in(local: Local, new_page: Callable[..., Page]) -> Page:
    page = new_page()
    page.goto(f"{local.endpoints.issuer_url}/console/#token={local.token('op-reviews', admin=True)}")
    expect(page.locator("#who")).to_have_text("op-reviews · demo")
    return page


def test_a_held_big_order_is_approved_from_the_queue_and_the_members_balance_rises(
        local: Local, new_page: Callable[..., Page]) -> None:
    admin = local.admin()
    member, other = unique("review"), unique("review")
    held = admin.earn(member, unique("order"), BIG_ORDER_FEN)
    late = admin.earn(other, unique("order"), BIG_ORDER_FEN)
    assert (held["status"], late["status"]) == ("held", "held"), (held, late)
    before = admin.call("GET", f"/v1/admin/members/{member}")[1]["balance"]

    page = signed_in(local, new_page)
    page.get_by_role("tab", name="风控审核").click()
    row = page.locator(f"#reviews-table tr[data-review='{held['review_id']}']")
    expect(row).to_contain_text(member)
    expect(row).to_contain_text("大额订单")

    # No reason, no decision: the field says so and nothing is sent.
    row.get_by_role("button", name=f"通过 {member} 的审核").click()
    expect(page.locator("#reviews-status")).to_have_text("请填写处理原因")
    reason = row.get_by_label(f"处理 {member} 的原因")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_be_focused()

    reason.fill("核实为企业团购")
    row.get_by_role("button", name=f"通过 {member} 的审核").click()
    expect(page.locator("#reviews-status")).to_contain_text(f"已通过：{member} 获得")
    expect(row).to_have_count(0)  # a decided review leaves the list
    status, account = admin.call("GET", f"/v1/admin/members/{member}")
    assert status == 200 and account["balance"] > before, account

    # Decided behind the page's back (another operator): the page says so, and the row goes.
    other_row = page.locator(f"#reviews-table tr[data-review='{late['review_id']}']")
    expect(other_row).to_be_visible()
    status, _ = admin.call("POST", f"/v1/admin/reviews/{late['review_id']}",
                           {"decision": "approve", "reason": "elsewhere"}, {"Idempotency-Key": unique("rv")})
    assert status == 200
    other_row.get_by_label(f"处理 {other} 的原因").fill("刷单")
    other_row.get_by_role("button", name=f"驳回 {other} 的审核").click()
    expect(page.locator("#reviews-status")).to_have_text("该审核已被处理（另一决定已生效），列表已刷新。")
    expect(other_row).to_have_count(0)
    screenshot(page, "console-reviews")


def test_an_operator_freezes_a_member_sees_the_status_and_unfreezes(
        local: Local, new_page: Callable[..., Page]) -> None:
    admin = local.admin()
    member = unique("frozen")
    admin.adjust(member, 1_000)
    page = signed_in(local, new_page)
    page.get_by_role("tab", name="会员查询").click()
    page.get_by_label("会员 ID").fill(member)
    page.keyboard.press("Enter")
    expect(page.locator("#member-status")).to_have_text("正常")

    page.locator("#status-reason").fill("疑似盗号")
    page.get_by_role("button", name="冻结账户").click()
    expect(page.locator("#status-status")).to_have_text("账户状态已变更为已冻结")
    expect(page.locator("#member-status")).to_have_text("已冻结")
    assert admin.call("GET", f"/v1/admin/members/{member}")[1]["status"] == "frozen"
    expect(page.locator("#ledger tbody tr").first).to_contain_text("疑似盗号")
    screenshot(page, "console-member-frozen")

    page.locator("#status-reason").fill("核实本人")
    page.get_by_role("button", name="解除冻结").click()
    expect(page.locator("#member-status")).to_have_text("正常")
    assert admin.call("GET", f"/v1/admin/members/{member}")[1]["status"] == "active"
