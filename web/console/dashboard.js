// The dashboard (数据看板): charts drawn from the reports API only (GET /v1/admin/reports/...).
// ECharts is loaded on first use, so the member tab does not pay for it.
import { api } from "../common/api.js";
import { currentProgram } from "./session.js";
import { currentLang, num, percent, t, yuan } from "../common/i18n.js";

const $ = (id) => document.getElementById(id);
const charts = {};
let echarts = null;
let loadingCharts = null;  // the library's download, started beside the first reports' calls
let zone = "Asia/Shanghai";
let tierNames = {};
let started = false;

// A report figure is a number or a breakdown by source ({earn, bonus, ..., total}): its total.
const total = (value) => (typeof value === "number" ? value : Number((value || {}).total) || 0);
// What one day changes the liability (available + held) by; holds and releases move points
// inside it, a refund's `returned` points come back into it.
const net = (d) => total(d.issued) - total(d.spent) - d.expired - d.clawed_back - d.adjusted_out + d.returned;
const rate = (value, digits) => (value === null || value === undefined ? "—" : percent(Number(value), digits));

function localDay(offsetDays = 0, from = Date.now()) {
  // The program's day, not the browser's: reports are per local day of the program.
  const date = new Date(from + offsetDays * 86400000);
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(date);
}

function draw(id, option) {
  if (!charts[id]) {
    charts[id] = echarts.init($(id), null, { renderer: "svg", locale: currentLang() === "zh-CN" ? "ZH" : "EN" });
    charts[id].on("finished", () => {
      $(id).dataset.drawn = "true";
      if (window.firstChartMs === undefined) window.firstChartMs = Math.round(performance.now());
    });
  }
  charts[id].setOption({ aria: { enabled: true }, animation: false, ...option }, true);
}

/** Liability at the end of each day: the reports give today's standing (summary.liability) and
 * each day's flows, so it is walked back from now by each later day's net change. */
async function liabilitySeries(days, now, to) {
  let level = now;
  const today = localDay(0);
  if (to < today) {  // the days after the chosen period still changed it
    const later = await api("GET", `/v1/admin/reports/daily?from=${localDay(1, Date.parse(`${to}T12:00:00Z`))}&to=${today}`);
    level -= later.days.reduce((sum, d) => sum + net(d), 0);
  }
  const out = new Array(days.length);
  for (let i = days.length - 1; i >= 0; i--) {
    out[i] = level;
    level -= net(days[i]);
  }
  return out;
}

function kpis(summary) {
  const items = [
    [t("kIssued"), num(total(summary.issued))], [t("kSpent"), num(total(summary.spent))],
    [t("kLiability"), yuan(summary.liability.value_fen)], [t("kActive"), num(summary.active_members)],
    [t("kRate"), rate(summary.redemption_rate, 1)],
  ];
  $("kpis").replaceChildren(...items.map(([label, value]) => {
    const box = document.createElement("div");
    box.innerHTML = `<div class="muted"></div><div class="figure"></div>`;
    box.firstChild.textContent = label;
    box.lastChild.textContent = value;
    box.dataset.kpi = label;
    return box;
  }));
}

async function load() {
  const from = $("from").value;
  const to = $("to").value;
  const range = `from=${from}&to=${to}`;
  let summary, daily, forecast;
  try {
    [summary, daily, forecast] = await Promise.all([
      api("GET", `/v1/admin/reports/summary?${range}`), api("GET", `/v1/admin/reports/daily?${range}`),
      api("GET", "/v1/admin/reports/expiry-forecast")]);
  } catch (error) {
    $("reports-status").textContent = t("reportsMissing", { code: `${error.status} ${error.code}` });
    return;
  }
  $("reports-status").textContent = "";
  echarts = await loadingCharts;
  kpis(summary);
  const days = daily.days;
  const axis = { type: "category", data: days.map((d) => d.date.slice(5)) };
  const value = { type: "value", axisLabel: { formatter: (v) => num(v) } };
  const tooltip = { trigger: "axis", valueFormatter: (v) => num(v) };
  draw("chart-daily", {
    tooltip, legend: { top: 0 }, grid: { left: 56, right: 16, top: 32, bottom: 28 }, xAxis: axis, yAxis: value,
    series: [
      { name: t("issued"), type: "bar", data: days.map((d) => total(d.issued)), itemStyle: { color: "#0b5c55" } },
      { name: t("spent"), type: "bar", data: days.map((d) => total(d.spent)), itemStyle: { color: "#c2571a" } },
      { name: t("expired"), type: "line", showSymbol: false, data: days.map((d) => total(d.expired)),
        itemStyle: { color: "#4a5560" } },
    ],
  });
  draw("chart-liability", {
    tooltip, grid: { left: 64, right: 16, top: 16, bottom: 28 }, xAxis: axis, yAxis: value,
    series: [{ name: t("liability"), type: "line", showSymbol: false, areaStyle: {}, itemStyle: { color: "#0b5c55" },
      data: await liabilitySeries(days, summary.liability.points, to) }],
  });
  draw("chart-tiers", {
    tooltip: { trigger: "item", valueFormatter: (v) => `${num(v)} ${t("members")}` },
    series: [{ name: t("tierMix"), type: "pie", radius: ["40%", "70%"],
      label: { formatter: "{b}: {c}" },
      data: Object.entries(summary.tier_mix).filter(([, v]) => v > 0)
        .map(([code, v]) => ({ name: tierNames[code] || code, value: v })) }],
  });
  draw("chart-expiry", {
    tooltip, grid: { left: 64, right: 16, top: 16, bottom: 28 },
    xAxis: { type: "category", data: forecast.months.map((m) => m.month) }, yAxis: value,
    series: [{ name: t("expired"), type: "bar", data: forecast.months.map((m) => m.points), itemStyle: { color: "#8a3b00" } }],
  });
  const cost = Number(summary.cost_rate) || 0;  // null: no sales in the period
  draw("chart-cost", {
    series: [{
      type: "gauge", min: 0, max: 5, splitNumber: 5,
      axisLine: { lineStyle: { width: 14, color: [[0.2, "#c9d1d9"], [0.6, "#1f6f2b"], [1, "#a4161a"]] } },
      axisLabel: { formatter: (v) => `${v}%` },
      title: { show: false },
      detail: { formatter: () => rate(summary.cost_rate, 2), fontSize: 22, offsetCenter: [0, "65%"] },
      data: [{ value: Math.min(cost * 100, 5), name: t("costRate") }],
    }],
  });
}

export async function showDashboard() {
  if (!started) {
    started = true;
    loadingCharts = import("../vendor/echarts/echarts.esm.min.mjs");
    try {
      const program = (await currentProgram()).document;
      zone = program.timezone || zone;
      tierNames = Object.fromEntries(program.tiers.map((tier) => [tier.code, tier.name]));
    } catch { /* the default zone, tier codes as names */ }
    $("to").value = localDay(0);
    $("from").value = localDay(-29);
    $("range").addEventListener("submit", (event) => { event.preventDefault(); load(); });
    document.addEventListener("languagechange", () => {
      for (const id of Object.keys(charts)) { charts[id].dispose(); delete charts[id]; }
      load();
    });
    window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
  }
  await load();
}
