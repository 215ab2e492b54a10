"""The member page (H5) in a phone-sized Chromium, against the local stack's real API: a check-in
moves the tier progress bar and completes the newbie task (首次签到), a redemption takes its points
off the balance and the 差一点就能兑换 shelf shows what the rest is short of."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Dialog, Page, expect

from ..e2e.conftest import Local, unique
from .conftest import PHONE, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def progress(page: Page) -> float:
    return float(page.locator("#progress").get_attribute("aria-valuenow") or "nan")


def test_a_member_checks_in_and_the_bar_moves_and_a_task_is_done_then_redeems_and_the_balance_drops(
        local: Local, new_page: Callable[..., Page]) -> None:
    member = local.member(unique("h5"))
    admin = local.admin()
    admin.earn(member.id, unique("order"), 80_000)  # 800 points + 500 bonus: 1,300 成长值, Silver
    admin.adjust(member.id, 1_000)  # spendable, but not 成长值
    me = member.me()
    page = new_page(PHONE)
    page.goto(f"{local.endpoints.issuer_url}/member/#token={member.token}")

    expect(page.locator("#balance")).to_have_text(f"{me['balance']:,}")
    expect(page.locator("#progress-text")).to_have_text(f"再得 {me['next_tier']['points_needed']:,} 成长值升金卡")
    assert page.url.endswith("/member/")  # the token left the address bar
    before = progress(page)
    first_checkin = page.locator("li[data-task=first-checkin]")
    expect(first_checkin).to_have_attribute("data-done", "false")
    expect(first_checkin).to_contain_text("新手任务 · 0/1 · 奖励 20 积分")

    page.locator("#check-in").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#checkin-status")).to_have_text(re.compile(r"^签到成功 \+\d+.*，完成任务「首次签到」\+20$"))
    expect(first_checkin).to_have_attribute("data-done", "true")
    expect(first_checkin).to_contain_text("已完成")
    expect(page.locator("#check-in")).to_be_disabled()
    after_checkin = member.me()
    expect(page.locator("#progress-text")).to_have_text(
        f"再得 {after_checkin['next_tier']['points_needed']:,} 成长值升金卡")
    assert after_checkin["qualifying_points"] > me["qualifying_points"]
    assert progress(page) > before
    expect(page.locator("#calendar li.on")).to_have_count(1)

    def accept(dialog: Dialog) -> None:
        assert "美式咖啡券" in dialog.message
        dialog.accept()

    page.once("dialog", accept)
    page.locator("li[data-reward=americano] button").click()
    expect(page.locator("#balance")).to_have_text(f"{after_checkin['balance'] - 1_500:,}")
    expect(page.locator("#redeem-status")).to_contain_text("兑换成功")
    expect(page.locator("#ledger li").first).to_have_attribute("data-type", "redeem")
    assert member.me()["balance"] == after_checkin["balance"] - 1_500
    # The reward the rest comes closest to leads the shelf, with what it lacks: another americano.
    left = after_checkin["balance"] - 1_500
    expect(page.locator("#nearest li").first).to_have_attribute("data-reward", "americano")
    expect(page.locator("#nearest li").first).to_contain_text(f"还差 {1_500 - left:,} 积分")
    screenshot(page, "member-page-checked-in-and-redeemed")
