// The dashboard (数据看板): charts drawn from the reports API only (GET /v1/admin/reports/...).
// ECharts is loaded on first use, so the member tab does not pay for it.
import { api } from "../shared/api.js";
import { currentLang, num, percent, t, yuan } from "../shared/i18n.js";

const $ = (id) => document.getElementById(id);
const charts = {};
let echarts = null;
let zone = "Asia/Shanghai";
let started = false;

// A report figure may be a number or a breakdown by source ({earn, bonus, ...}): its total.
const total = (value) =>
  typeof value === "number" ? value : Object.values(value || {}).reduce((sum, v) => sum + total(v), 0);

function localDay(offsetDays = 0) {
  // The program's day, not the browser's: reports are per local day of the program.
  const date = new Date(Date.now() + offsetDays * 86400000);
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

/** Liability per day: the report's own figure when a row has it; otherwise walked back from the
 * summary's closing liability by each later day's net change (issued - spent - expired). */
function liabilitySeries(days, closing) {
  if (days.every((d) => d.liability !== undefined)) return days.map((d) => total(d.liability.points ?? d.liability));
  const out = new Array(days.length);
  let level = closing;
  for (let i = days.length - 1; i >= 0; i--) {
    out[i] = level;
    level -= total(days[i].issued) - total(days[i].spent) - total(days[i].expired);
  }
  return out;
}

function kpis(summary) {
  const items = [
    [t("kIssued"), num(total(summary.issued))], [t("kSpent"), num(total(summary.spent))],
    [t("kLiability"), yuan(summary.liability.value_fen)], [t("kActive"), num(summary.active_members)],
    [t("kRate"), percent(Number(summary.redemption_rate) || 0)],
  ];
  $("kpis").replaceChildren(...items.map(([label, value]) => {
    const box = document.createElement("div");
    box.innerHTML = `<div class="muted"></div><div class="figure"></div>`;
    box.firstChild.textContent = label;
    box.lastChild.textContent = value;
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
  echarts = echarts || (await import("../vendor/echarts/echarts.esm.min.mjs"));
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
      { name: t("expired"), type: "line", data: days.map((d) => total(d.expired)), itemStyle: { color: "#4a5560" } },
    ],
  });
  draw("chart-liability", {
    tooltip, grid: { left: 64, right: 16, top: 16, bottom: 28 }, xAxis: axis, yAxis: value,
    series: [{ name: t("liability"), type: "line", areaStyle: {}, itemStyle: { color: "#0b5c55" },
      data: liabilitySeries(days, summary.liability.points) }],
  });
  draw("chart-tiers", {
    tooltip: { trigger: "item", valueFormatter: (v) => `${num(v)} ${t("members")}` },
    series: [{ name: t("tierMix"), type: "pie", radius: ["40%", "70%"],
      data: Object.entries(summary.tier_mix).map(([name, v]) => ({ name, value: v })) }],
  });
  draw("chart-expiry", {
    tooltip, grid: { left: 64, right: 16, top: 16, bottom: 28 },
    xAxis: { type: "category", data: forecast.months.map((m) => m.month) }, yAxis: value,
    series: [{ name: t("expired"), type: "bar", data: forecast.months.map((m) => m.points), itemStyle: { color: "#8a3b00" } }],
  });
  const rate = Number(summary.cost_rate) || 0;
  draw("chart-cost", {
    series: [{
      type: "gauge", min: 0, max: 5, splitNumber: 5,
      axisLine: { lineStyle: { width: 14, color: [[0.2, "#c9d1d9"], [0.6, "#1f6f2b"], [1, "#a4161a"]] } },
      axisLabel: { formatter: (v) => `${v}%` },
      detail: { formatter: () => percent(rate), fontSize: 20 },
      data: [{ value: Math.min(rate * 100, 5), name: t("costRate") }],
    }],
  });
}

export async function showDashboard() {
  if (!started) {
    started = true;
    try { zone = (await api("GET", "/v1/admin/program")).document.timezone || zone; } catch { /* default zone */ }
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
