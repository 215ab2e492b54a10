// The member page (H5): a reference for mini-program developers. Every figure comes from the
// member routes of docs/api.md; nothing is computed here that the engine already answers.
import { api, intentKey, takeFragment, token } from "../common/api.js";
import { apply, num, register, signed, t, toggle, when, yuan } from "../common/i18n.js";
import { withEntryTypes } from "../common/entry-types.js";
import { TEXTS } from "./texts.js";
import { loginIfNeeded } from "./login.js";

register(withEntryTypes(TEXTS));
takeFragment();
apply();

const $ = (id) => document.getElementById(id);
let cursor = null;

function fail(error) {
  $("message").textContent = t("errorPrefix") + (error.code ? `${error.code} ${error.message}` : String(error));
}

async function account() {
  const me = await api("GET", "/v1/me");
  $("balance").textContent = num(me.balance);
  $("tier-name").textContent = me.tier.name;
  $("qualifying").textContent = t("qualifying", { n: num(me.qualifying_points) });
  $("pending").textContent = me.pending ? `· ${t("pending")} ${num(me.pending)}` : "";
  const next = me.next_tier;
  // The bar runs from 0 to the next tier's threshold (qualifying + still needed): the engine
  // answers how far is left, which is what the member reads ("再得 400 成长值升金卡").
  const share = next ? (100 * me.qualifying_points) / (me.qualifying_points + next.points_needed) : 100;
  $("progress-text").textContent = next ? t("toNext", { n: num(next.points_needed), tier: next.name }) : t("topTier");
  $("progress").setAttribute("aria-valuenow", String(Math.floor(share * 10) / 10));
  $("progress").firstElementChild.style.width = `${share}%`;
  $("expiring").replaceChildren(...(me.expiring.length ? me.expiring : [null]).map((e) => {
    const item = document.createElement("li");
    item.textContent = e ? t("expiringItem", { points: num(e.points), on: e.on }) : t("noneExpiring");
    return item;
  }));
}

async function calendar() {
  const month = await api("GET", "/v1/me/check-ins");
  $("streak").textContent = t("streak", { n: num(month.streak) }) +
    (month.next_reward ? ` · ${t("nextReward", { n: month.next_reward.in_days, points: num(month.next_reward.points) })}` : "");
  const button = $("check-in");
  button.disabled = month.checked_in_today;
  button.textContent = month.checked_in_today ? t("checkedIn") : t("checkIn");
  const [year, mon] = month.month.split("-").map(Number);
  const length = new Date(year, mon, 0).getDate();
  const on = new Set(month.days);
  // Weeks start on Monday (as Chinese calendars do): blank cells before the 1st's weekday.
  const cells = t("weekdays").split(",").map((name) => {
    const head = document.createElement("li");
    head.textContent = name;
    head.className = "head";
    head.setAttribute("aria-hidden", "true");
    return head;
  });
  for (let blank = (new Date(Date.UTC(year, mon - 1, 1)).getUTCDay() + 6) % 7; blank > 0; blank--) {
    const cell = document.createElement("li");
    cell.className = "blank";
    cell.setAttribute("aria-hidden", "true");
    cells.push(cell);
  }
  for (let day = 1; day <= length; day++) {
    const date = `${month.month}-${String(day).padStart(2, "0")}`;
    const cell = document.createElement("li");
    cell.textContent = String(day);
    cell.className = on.has(date) ? "on" : "";
    cell.setAttribute("aria-label", `${date}${on.has(date) ? " ✓" : ""}`);
    cells.push(cell);
  }
  $("calendar").replaceChildren(...cells);
}

async function checkIn() {
  try {
    const day = await api("POST", "/v1/me/check-ins");
    $("checkin-status").textContent = t("checkinDone", { points: num(day.points) }) +
      (day.bonus ? t("checkinBonus", { bonus: num(day.bonus) }) : "") + tasksPaid(day.tasks_completed);
    await account();
    await Promise.all([calendar(), ledger(), tasks(), catalog()]);
    $("check-in").focus();
  } catch (error) { fail(error); }
}

// What a write's answer says it paid for tasks ("，完成任务「首次签到」+20"); nothing when none.
function tasksPaid(completed) {
  if (!completed || !completed.length) return "";
  return t("tasksPaid", { tasks: completed.map((c) => t("taskPaid", { name: c.name, points: num(c.points) })).join("、") });
}

async function tasks() {
  const { tasks: list } = await api("GET", "/v1/me/tasks");
  $("tasks").replaceChildren(...(list.length ? list : [null]).map((task) => {
    const item = document.createElement("li");
    if (!task) { item.textContent = t("noTasks"); return item; }
    item.dataset.task = task.task_id;
    item.dataset.done = String(task.done);
    item.innerHTML = `<div><div class="name"></div><div class="muted"></div></div><div class="state"></div>`;
    item.querySelector(".name").textContent = task.name;
    item.querySelector(".muted").textContent = t("taskLine", {
      kind: t(`kind.${task.kind}`), progress: num(task.progress), target: num(task.target), points: num(task.points),
    });
    item.querySelector(".state").textContent = task.done ? t("taskDone") : t("taskOpen");
    item.querySelector(".state").classList.add(task.done ? "ok" : "muted");
    return item;
  }));
}

// 差一点就能兑换: the engine orders the catalog by what the member almost affords (sort=nearest);
// the shelf shows the first few still out of reach, with what each lacks.
async function nearest() {
  const { rewards } = await api("GET", "/v1/rewards?sort=nearest");
  const close = rewards.filter((reward) => reward.points_short > 0).slice(0, 3);
  $("nearest").replaceChildren(...(close.length ? close : [null]).map((reward) => {
    const item = document.createElement("li");
    if (!reward) { item.textContent = t("nearestNone"); return item; }
    item.dataset.reward = reward.id;
    item.innerHTML = `<div><div class="name"></div><div class="muted"></div></div>`;
    item.querySelector(".name").textContent = reward.name;
    item.querySelector(".muted").textContent = `${t("cost", { points: num(reward.points) })} · ${t("short", { n: num(reward.points_short) })}`;
    return item;
  }));
}

async function catalog() {
  const { rewards } = await api("GET", "/v1/rewards");
  nearest().catch(fail);
  $("catalog").replaceChildren(...rewards.map((reward) => {
    const item = document.createElement("li");
    item.dataset.reward = reward.id;
    const text = document.createElement("div");
    const price = t("cost", { points: num(reward.points) }) + (reward.cash_fen ? t("cashPart", { cash: yuan(reward.cash_fen) }) : "");
    const extra = reward.stock === null ? "" : ` · ${t("stock", { n: num(reward.stock) })}`;
    const short = reward.points_short ? ` · ${t("short", { n: num(reward.points_short) })}` : "";
    text.innerHTML = `<div class="name"></div><div class="muted"></div>`;
    text.firstChild.textContent = reward.name;
    text.lastChild.textContent = price + extra + short;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = t("redeem");
    button.disabled = !reward.redeemable;
    button.setAttribute("aria-label", `${t("redeem")} ${reward.name}`);
    button.addEventListener("click", () => redeem(reward));
    item.append(text, button);
    return item;
  }));
}

async function redeem(reward) {
  if (!window.confirm(t("confirmRedeem", { points: num(reward.points), name: reward.name }))) return;
  const body = { reward_id: reward.id, quantity: 1 };
  const intent = intentKey(`redeem-${reward.id}`, body);
  try {
    const done = await api("POST", "/v1/me/redemptions", { body, key: intent.key });
    intent.done = true;
    $("redeem-status").textContent = t("redeemed", { name: reward.name, balance: num(done.balance) });
    await account();
    await Promise.all([catalog(), ledger()]);
  } catch (error) { fail(error); }
}

async function ledger(more = false) {
  const query = new URLSearchParams({ limit: "10" });
  if (more && cursor) query.set("cursor", cursor);
  const page = await api("GET", `/v1/me/ledger?${query}`);
  const items = page.entries.map((entry) => {
    const item = document.createElement("li");
    item.dataset.type = entry.type;
    item.innerHTML = `<div><div></div><div class="muted"></div></div><div class="num"></div>`;
    item.querySelector("div > div").textContent = t(`type.${entry.type}`) + (entry.reason ? ` · ${entry.reason}` : "");
    item.querySelector(".muted").textContent = when(entry.created_at);
    item.querySelector(".num").textContent = signed(entry.points);
    item.querySelector(".num").classList.add(entry.points < 0 ? "minus" : "plus");
    return item;
  });
  if (more) $("ledger").append(...items); else $("ledger").replaceChildren(...items);
  cursor = page.next_cursor;
  $("ledger-more").hidden = !cursor;
}

async function quote(event) {
  event.preventDefault();
  const fen = Math.round(Number($("amount").value) * 100);
  try {
    const q = await api("GET", `/v1/me/checkout-quote?amount_fen=${fen}`);
    $("quote").textContent = q.max_points ? t("quoteResult", {
      points: num(q.max_points), value: yuan(q.max_value_fen), rate: num(q.points_per_yuan), min: num(q.min_points),
    }) : t("quoteNone");
  } catch (error) { fail(error); }
}

async function everything() {
  $("message").textContent = "";
  await account();
  await Promise.all([calendar(), catalog(), ledger(), tasks()]);
}

$("lang").addEventListener("click", () => { toggle(); document.title = t("title"); everything().catch(fail); });
$("check-in").addEventListener("click", checkIn);
$("ledger-more").addEventListener("click", () => ledger(true).catch(fail));
$("quote-form").addEventListener("submit", quote);
document.title = t("title");
loginIfNeeded()
  .then(() => (token() ? everything() : ($("message").textContent = t("signedOut"))))
  .catch(fail);
