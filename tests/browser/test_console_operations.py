"""The console's lotteries, charity projects and partners views, a member's open holds and the
program editor's lists, in Chromium against the local stack's real API: each view drawn from
what the API holds, one write each through the page, checked back through the API."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from ..e2e.conftest import Admin, Local, unique
from .conftest import SCREENSHOTS, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def signed_in(local: Local, new_page: Callable[..., Page], tab: str) -> Page:
    page = new_page()
    page.goto(f"{local.endpoints.issuer_url}/console/#token={local.token('op-ops', admin=True)}")
    expect(page.locator("#who")).to_have_text("op-ops · demo")
    page.get_by_role("tab", name=tab).click()
    return page


def local_time(days: float) -> str:
    """A program-local time (Asia/Shanghai) ``days`` from now, to the second, without offset."""
    return (dt.datetime.now(SHANGHAI) + dt.timedelta(days=days)).replace(tzinfo=None, microsecond=0).isoformat()


def lottery_document(name: str) -> dict[str, object]:
    return {"name": name, "cost_points": 10, "daily_limit": 3, "starts_at": local_time(-1), "ends_at": local_time(7),
            "fallback_prize_id": "thanks", "prizes": [
                {"prize_id": "big", "name": "1,000 积分", "weight": 1, "stock": 5, "points": 1_000},
                {"prize_id": "thanks", "name": "谢谢参与", "weight": 99, "stock": None}]}


def test_the_lotteries_view_lists_status_and_odds_and_creates_a_lottery_from_its_form(
        local: Local, new_page: Callable[..., Page]) -> None:
    admin = local.admin()
    listed = unique("lot")
    assert admin.call("PUT", f"/v1/admin/lotteries/{listed}", lottery_document("双十二抽奖"))[0] == 201

    page = signed_in(local, new_page, "积分抽奖")
    row = page.locator(f"#lotteries-table tr[data-lottery='{listed}']")
    expect(row).to_contain_text("双十二抽奖")
    expect(row).to_contain_text("进行中")
    expect(row).to_contain_text("1,000 积分：1%（剩 5/5）")
    expect(row).to_contain_text("谢谢参与：99%（不限）")

    created = unique("lot")
    form = page.locator("#lottery-form")
    form.get_by_label("抽奖 ID").fill(created)
    form.get_by_label("名称", exact=True).fill("新年签到抽奖")
    form.get_by_label("每次积分").fill("20")
    form.get_by_label("每日次数").fill("2")
    form.get_by_label("开始时间（活动时区）").fill(local_time(1))
    form.get_by_label("结束时间（活动时区）").fill(local_time(10))
    form.get_by_label("兜底奖品 ID（不限库存）").fill("thanks")
    first = form.locator(".prize").nth(0)
    first.get_by_label("奖品 ID").fill("mug")
    first.get_by_label("奖品名称").fill("马克杯")
    first.get_by_label("权重").fill("10")
    first.get_by_label("库存（空为不限）").fill("3")
    form.get_by_role("button", name="添加奖品").click()
    second = form.locator(".prize").nth(1)
    expect(second.get_by_label("奖品 ID")).to_be_focused()
    second.get_by_label("奖品 ID").fill("thanks")
    second.get_by_label("奖品名称").fill("谢谢参与")
    second.get_by_label("权重").fill("90")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#lottery-form-status")).to_have_text(f"已保存抽奖 {created}（第 1 版）")
    new_row = page.locator(f"#lotteries-table tr[data-lottery='{created}']")
    expect(new_row).to_contain_text("未开始")
    expect(new_row).to_contain_text("马克杯：10%（剩 3/3）")

    lotteries = admin.call("GET", "/v1/admin/lotteries?limit=100")[1]["lotteries"]
    stored = next(lot for lot in lotteries if lot["lottery_id"] == created)
    assert (stored["status"], stored["cost_points"], [p["prize_id"] for p in stored["prizes"]]) == (
        "scheduled", 20, ["mug", "thanks"])
    assert all("seed" not in lot for lot in lotteries)
    screenshot(page, "console-lotteries")


def test_the_charity_view_shows_what_each_project_raised_and_closes_one(
        local: Local, new_page: Callable[..., Page]) -> None:
    admin = local.admin()
    project = unique("trees")[:24]
    assert admin.call("PUT", f"/v1/admin/charity-projects/{project}",
                      {"name": "公益种树", "organization": "绿色地球基金会"})[0] == 201
    donor = unique("donor")
    admin.adjust(donor, 5_000)
    status, donation = local.member(donor).call("POST", "/v1/me/donations", {"project_id": project, "points": 1_234},
                                                 {"Idempotency-Key": unique("d")})
    assert status == 201, donation

    page = signed_in(local, new_page, "公益捐赠")
    row = page.locator(f"#charity-table tr[data-project='{project}']")
    expect(row).to_contain_text("公益种树")
    expect(row).to_contain_text("1,234")
    expect(row).to_contain_text("接受捐赠")

    row.get_by_role("button", name=f"关闭项目 {project}").click()
    expect(page.locator("#charity-status")).to_have_text(f"已保存项目 {project}（已筹 1,234 积分）")
    expect(row).to_have_attribute("data-active", "false")
    expect(row).to_contain_text("已关闭")
    page.get_by_role("button", name="English").click()
    expect(row).to_contain_text("closed")
    expect(row.get_by_role("button", name=f"Reopen project {project}")).to_be_visible()
    page.get_by_role("button", name="中文").click()
    projects = admin.call("GET", "/v1/admin/charity-projects?limit=100")[1]["projects"]
    assert next(p for p in projects if p["project_id"] == project)["active"] is False
    status, refused = local.member(donor).call("POST", "/v1/me/donations", {"project_id": project, "points": 10},
                                               {"Idempotency-Key": unique("d")})
    assert (status, refused["error"]["code"]) == (409, "ENDED")
    screenshot(page, "console-charity")


def test_the_partners_view_lists_partners_without_secrets_and_shows_a_rotated_secret_once(
        local: Local, new_page: Callable[..., Page]) -> None:
    admin = local.admin()
    partner = unique("shop")
    status, registered = admin.call("PUT", f"/v1/admin/partners/{partner}", {"name": "线下门店 POS",
                                                                             "events": ["order.paid"]})
    assert status == 201, registered

    page = signed_in(local, new_page, "合作伙伴")
    row = page.locator(f"#partners-table tr[data-partner='{partner}']")
    expect(row).to_contain_text("线下门店 POS")
    expect(row).to_contain_text("order.paid")
    expect(page.locator("#partners")).not_to_contain_text("whsec_")

    # A rotation makes a new secret: the first click only asks again.
    row.get_by_role("button", name=f"轮换 {partner} 的密钥").click()
    expect(page.locator("#partner-secret")).to_be_hidden()
    row.get_by_role("button", name=f"确认轮换 {partner} 的密钥").click()
    secret_panel = page.locator("#partner-secret")
    expect(secret_panel).to_be_visible()
    expect(page.locator("#partner-secret-value")).to_contain_text("whsec_")
    secret = page.locator("#partner-secret-value").inner_text()
    assert secret != registered["secret"]
    expect(page.locator("#partner-secret-done")).to_be_focused()
    screenshot(page, "console-partners-secret")
    page.get_by_role("button", name="我已妥善保存").click()
    expect(secret_panel).to_be_hidden()
    expect(page.locator("#partners")).not_to_contain_text("whsec_")
    listed = admin.call("GET", "/v1/admin/partners?limit=100")[1]
    assert "whsec_" not in json.dumps(listed)
    screenshot(page, "console-partners")


def test_a_members_open_holds_are_shown_in_the_lookup(local: Local, new_page: Callable[..., Page]) -> None:
    admin = local.admin()
    member = unique("holder")
    admin.adjust(member, 5_000)
    status, hold = local.member(member).call("POST", "/v1/me/point-holds",
                                             {"order_id": unique("order"), "amount_fen": 20_000, "points": 500},
                                             {"Idempotency-Key": unique("h")})
    assert status == 201, hold

    page = signed_in(local, new_page, "会员查询")
    page.get_by_label("会员 ID").fill(member)
    page.get_by_role("button", name="查询").click()
    row = page.locator(f"#holds tr[data-hold='{hold['hold_id']}']")
    expect(row).to_contain_text("下单抵现")
    expect(row).to_contain_text("500")
    expect(row).to_contain_text("¥5.00")
    expect(row).to_contain_text("冻结中")
    expect(page.locator("#account")).to_contain_text("4,500")
    screenshot(page, "console-member-holds")


@pytest.fixture
def program_restored(local: Local) -> Iterator[Admin]:
    """The demo program as it was, stored again after the test (the stack is shared)."""
    admin = local.admin()
    before = admin.call("GET", "/v1/admin/program")[1]["document"]
    yield admin
    assert admin.call("PUT", "/v1/admin/program", before)[0] == 200


def test_the_program_editor_adds_a_task_shows_a_refusal_at_its_field_and_saves_it(
        local: Local, new_page: Callable[..., Page], program_restored: Admin) -> None:
    admin = program_restored
    stored = admin.call("GET", "/v1/admin/program")[1]
    tasks = len(stored["document"]["tasks"])

    page = signed_in(local, new_page, "规则配置")
    page.get_by_role("button", name="向 tasks 添加一项").click()
    new_id = page.locator(f"input[data-path='tasks.{tasks}.task_id']")
    expect(new_id).to_be_focused()
    expect(new_id).to_have_value("")  # a copy of the last task, its id emptied: typed anew
    page.get_by_role("button", name="保存新版本").click()
    expect(new_id).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#program-status")).to_contain_text("不符合规则")
    assert admin.call("GET", "/v1/admin/program")[1]["version"] == stored["version"]

    new_id.fill("weekly-share")
    page.locator(f"input[data-path='tasks.{tasks}.name']").fill("每周分享 3 次")
    page.locator(f"input[data-path='tasks.{tasks}.target']").fill("3")
    page.locator(f"input[data-path='tasks.{tasks}.points']").fill("30")
    page.get_by_role("button", name="保存新版本").click()
    expect(page.locator("#program-status")).to_contain_text(f"已保存为第 {stored['version'] + 1} 版")
    saved = admin.call("GET", "/v1/admin/program")[1]
    added = saved["document"]["tasks"][tasks]
    assert (added["task_id"], added["name"], added["target"], added["points"]) == ("weekly-share", "每周分享 3 次", 3, 30)
    expect(page.locator(f"input[data-path='tasks.{tasks}.task_id']")).to_have_value("weekly-share")
    screenshot(page, "console-program-task-added")
    page.locator("fieldset[data-list-of='tasks']").screenshot(path=str(SCREENSHOTS / "console-program-tasks.png"))

    # And removed again through the page: the list is back to its length.
    page.get_by_role("button", name=f"删除 tasks.{tasks}").click()
    page.get_by_role("button", name="保存新版本").click()
    expect(page.locator("#program-status")).to_contain_text(f"已保存为第 {stored['version'] + 2} 版")
    assert len(admin.call("GET", "/v1/admin/program")[1]["document"]["tasks"]) == tasks


def test_the_arrow_keys_walk_every_tab_and_wrap_around_the_new_ones(local: Local, new_page: Callable[..., Page]) -> None:
    partner = unique("kbd")
    assert local.admin().call("PUT", f"/v1/admin/partners/{partner}", {"name": "键盘伙伴", "events": []})[0] == 201
    page = signed_in(local, new_page, "数据看板")
    page.get_by_role("tab", name="数据看板").focus()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("tab", name="合作伙伴")).to_be_focused()
    expect(page.get_by_role("tab", name="合作伙伴")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#partners")).to_be_visible()
    # The panel the keyboard opened is drawn: its list came from the API.
    expect(page.locator(f"#partners-table tr[data-partner='{partner}']")).to_contain_text("键盘伙伴")
    screenshot(page, "console-tabs-keyboard-wrapped")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("tab", name="公益捐赠")).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="数据看板")).to_be_focused()
    expect(page.locator("#partners")).to_be_hidden()
