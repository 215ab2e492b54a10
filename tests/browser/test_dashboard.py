"""The console's dashboard in Chromium, drawn from the reports API of a program of its own (the
e2e stack is shared, and reports are program-wide: a fresh program makes every figure exact)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from playwright.sync_api import Page, expect

from loyalty_local.cli import banner

from ..e2e.conftest import Local, unique
from ..support.template import ROOT
from .conftest import SCREENSHOTS, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
CHARTS = ("chart-daily", "chart-liability", "chart-tiers", "chart-expiry", "chart-cost")
# The aggregates follow the table's stream: the local emulator delivers it within seconds.
STREAM_WAIT_S = 90


def fresh_program(local: Local) -> str:
    program = unique("dash")
    document = yaml.safe_load((ROOT / "programs" / "demo.yaml").read_text())
    document["id"] = program
    token = local.token("op-dash", program=program, admin=True)
    status, body = local.call("PUT", "/v1/admin/program", token, document)
    assert status == 200, body
    return program


def settled_summary(local: Local, token: str, day: str, issued: int) -> dict[str, Any]:
    deadline = time.monotonic() + STREAM_WAIT_S
    while True:
        status, summary = local.call("GET", f"/v1/admin/reports/summary?from={day}&to={day}", token)
        assert status == 200, summary
        if summary["issued"]["total"] >= issued or time.monotonic() > deadline:
            return dict(summary)
        time.sleep(1)


def test_the_banner_console_link_opens_signed_in_and_the_dashboard_draws_its_charts_from_real_reports(
        local: Local, new_page: Callable[..., Page]) -> None:
    # make run's link: the operator of the demo program, signed in by the URL's fragment.
    lines = banner(local.stack, local.endpoints, 1.0).splitlines()
    console_link = next(line.split()[-1] for line in lines if line.strip().startswith("Console"))
    member_link = next(line.split()[-1] for line in lines if line.strip().startswith("Member page"))
    page = new_page()
    page.goto(console_link)
    expect(page.locator("#who")).to_have_text("op1 · demo")
    assert page.url == f"{local.endpoints.issuer_url}/console/"
    assert "/member/#token=" in member_link

    program = fresh_program(local)
    admin = local.token("op-dash", program=program, admin=True)
    member_id = unique("dash-m")
    status, earned = local.call("POST", f"/v1/admin/members/{member_id}/earn", admin,
                                {"order_id": "o1", "amount_fen": 50_000}, {"Idempotency-Key": "o1"})
    assert status == 200, earned  # 500 points + the 500 first-order bonus, on 500.00 CNY of sales
    day = local.call("GET", f"/v1/admin/members/{member_id}", admin)[1]["tier"]["since"]
    summary = settled_summary(local, admin, day, 1_000)
    assert (summary["issued"]["total"], summary["liability"]["points"], summary["cost_rate"]) == (1_000, 1_000, 0.02)

    page = new_page()  # a new tab: a fragment-only change of the same URL would not reload the page
    sizes: list[int] = []
    page.on("response", lambda response: sizes.append(int(response.headers.get("content-length") or 0)))
    page.goto(f"{local.endpoints.issuer_url}/console/#token={admin}")
    for chart in CHARTS:
        expect(page.locator(f"#{chart}")).to_have_attribute("data-drawn", "true")
    kpis = page.locator("#kpis")
    expect(kpis.locator("[data-kpi=发放积分] .figure")).to_have_text("1,000")
    expect(kpis.locator("[data-kpi=负债价值] .figure")).to_have_text("¥10.00")
    expect(kpis.locator("[data-kpi=活跃会员] .figure")).to_have_text(str(summary["active_members"]))
    expect(page.locator("#chart-cost")).to_contain_text("2%")  # inside the 1-3% band
    expect(page.locator("#chart-tiers")).to_contain_text("银卡: 1")
    month = local.call("GET", "/v1/admin/reports/expiry-forecast", admin)[1]["months"][0]["month"]
    expect(page.locator("#chart-expiry")).to_contain_text(month)
    # What the charts draw, read from ECharts itself (the page's own module instance).
    drawn = page.evaluate("""async () => {
      const echarts = await import("/vendor/echarts/echarts.esm.min.mjs");
      const option = (id) => echarts.getInstanceByDom(document.getElementById(id)).getOption();
      return {days: option("chart-daily").xAxis[0].data, daily: option("chart-daily").series.map((s) => s.data),
              liability: option("chart-liability").series[0].data};
    }""")
    assert drawn["days"][-1] == day[5:] and len(drawn["days"]) == 30
    issued, spent, expired = drawn["daily"]
    assert (issued[-1], sum(issued), sum(spent), sum(expired)) == (1_000, 1_000, 0, 0)
    assert (drawn["liability"][0], drawn["liability"][-1]) == (0, 1_000)
    first_chart_ms = page.evaluate("window.firstChartMs")
    screenshot(page, "console-dashboard")
    # Measured, not asserted: what the first visit weighs and how soon a chart is drawn.
    (SCREENSHOTS / "console-dashboard-metrics.json").write_text(json.dumps(
        {"transferred_kb": round(sum(sizes) / 1024, 1), "requests": len(sizes), "first_chart_ms": first_chart_ms}))
