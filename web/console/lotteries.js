// Lotteries (积分抽奖) as operators run them: the list (GET /v1/admin/lotteries: each lottery's
// status, window, prizes with their published odds and stock left; never its seed) and the form
// that creates or changes one (PUT /v1/admin/lotteries/{lottery_id}: the whole document; once a
// draw is made only the name, the daily limit and a later end may change, else 409 CONFLICT).
// A PUT is idempotent by itself (the same document again changes nothing the members see), so
// the route takes no Idempotency-Key.
import { api } from "../common/api.js";
import { num, percent, t } from "../common/i18n.js";
import { $, button, listRoute, pagedTable, refusal, say, textRow } from "./ui.js";

let ready = false;
let show = null;
let shards = 1;  // the edited lottery's stock_shards, sent back unchanged
let rowCount = 0;

// A program-local time as the document holds it (2026-12-12T20:00:00), to the minute.
const shortTime = (local) => local.slice(0, 16).replace("T", " ");

function prizeSummary(lottery) {
  const list = document.createElement("ul");
  for (const prize of lottery.prizes) {
    const item = document.createElement("li");
    const stock = prize.stock === null ? t("unlimited") : t("stockOf", { left: num(prize.stock_left), stock: num(prize.stock) });
    item.textContent = `${t("prizeLine", { name: prize.name, p: percent(prize.probability, 2) })}（${stock}）`;
    list.append(item);
  }
  return list;
}

function lotteryRow(lottery) {
  const status = t(`lottery.${lottery.status}`) + (lottery.drawn ? ` · ${t("drawnNote")}` : "");
  const row = textRow([lottery.lottery_id, lottery.name, status, `${shortTime(lottery.starts_at)} – ${shortTime(lottery.ends_at)}`,
    num(lottery.cost_points), num(lottery.daily_limit)], [4, 5]);
  row.dataset.lottery = lottery.lottery_id;
  row.dataset.status = lottery.status;
  const prizes = document.createElement("td");
  prizes.append(prizeSummary(lottery));
  const actions = document.createElement("td");
  actions.append(button(t("edit"), t("editFor", { id: lottery.lottery_id }), () => edit(lottery)));
  row.append(prizes, actions);
  return row;
}

function input(labelText, id, attrs) {
  const box = document.createElement("div");
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = labelText;
  const el = document.createElement("input");
  el.id = id;
  Object.assign(el, attrs);
  box.append(label, el);
  return box;
}

function addPrize(prize = {}) {
  const n = ++rowCount;
  const row = document.createElement("div");
  row.className = "row prize";
  if (prize.reward_id) row.dataset.reward = prize.reward_id;  // kept as it was: not edited here
  row.append(
    input(t("prizeId"), `prize-${n}-id`, { value: prize.prize_id ?? "", required: true, maxLength: 64, className: "prize-id" }),
    input(t("prizeName"), `prize-${n}-name`, { value: prize.name ?? "", required: true, maxLength: 80, className: "prize-name" }),
    input(t("weight"), `prize-${n}-weight`, { type: "number", min: 0, step: 1, value: prize.weight ?? 1, className: "prize-weight" }),
    input(t("stockBlank"), `prize-${n}-stock`, { type: "number", min: 0, step: 1, value: prize.stock ?? "", className: "prize-stock" }),
    input(t("prizePoints"), `prize-${n}-points`, { type: "number", min: 1, step: 1, value: prize.points ?? "", className: "prize-points" }),
  );
  const remove = button(t("remove"), t("removePrize", { n: prize.prize_id || n }), () => {
    row.remove();
    $("prize-add").focus();
  });
  row.append(remove);
  $("prize-rows").append(row);
  return row;
}

const localTime = (value) => (value.length === 16 ? `${value}:00` : value);  // datetime-local drops :00
const optionalNumber = (el) => (el.value === "" ? null : Number(el.value));

function documentOfForm() {
  const prizes = [...$("prize-rows").querySelectorAll(".prize")].map((row) => {
    const prize = {
      prize_id: row.querySelector(".prize-id").value.trim(), name: row.querySelector(".prize-name").value.trim(),
      weight: Number(row.querySelector(".prize-weight").value), stock: optionalNumber(row.querySelector(".prize-stock")),
    };
    const points = optionalNumber(row.querySelector(".prize-points"));
    if (points !== null) prize.points = points;
    if (row.dataset.reward) prize.reward_id = row.dataset.reward;
    return prize;
  });
  return {
    name: $("lottery-name").value.trim(), cost_points: Number($("lottery-cost").value),
    daily_limit: Number($("lottery-limit").value), starts_at: localTime($("lottery-starts").value),
    ends_at: localTime($("lottery-ends").value), fallback_prize_id: $("lottery-fallback").value.trim(),
    stock_shards: shards, prizes,
  };
}

function edit(lottery) {
  $("lottery-form-title").textContent = t("lotteryChange", { id: lottery.lottery_id });
  $("lottery-id").value = lottery.lottery_id;
  $("lottery-id").readOnly = true;
  $("lottery-name").value = lottery.name;
  $("lottery-cost").value = lottery.cost_points;
  $("lottery-limit").value = lottery.daily_limit;
  $("lottery-starts").value = lottery.starts_at;
  $("lottery-ends").value = lottery.ends_at;
  $("lottery-fallback").value = lottery.fallback_prize_id;
  shards = lottery.stock_shards;
  $("prize-rows").replaceChildren();
  lottery.prizes.forEach((prize) => addPrize(prize));
  say("lottery-form-status", lottery.drawn ? t("lotteryLocked") : "", true);
  $("lottery-name").focus();
}

function blank() {
  $("lottery-form").reset();
  $("lottery-form-title").textContent = t("lotteryNew");
  $("lottery-id").readOnly = false;
  shards = 1;
  $("prize-rows").replaceChildren();
  addPrize();
  say("lottery-form-status", "");
}

async function save(event) {
  event.preventDefault();
  const id = $("lottery-id").value.trim();
  if (!$("lottery-form").reportValidity()) return;
  try {
    const saved = await api("PUT", `/v1/admin/lotteries/${encodeURIComponent(id)}`, { body: documentOfForm() });
    say("lottery-form-status", t("lotterySaved", { id, rev: num(saved.rev) }));
    await show();
  } catch (error) {
    say("lottery-form-status", refusal(error), false);
  }
}

export async function showLotteries() {
  if (!ready) {
    ready = true;
    show = pagedTable({
      table: "lotteries-table", more: "lotteries-more", empty: "lotteries-empty", render: lotteryRow,
      load: listRoute("/v1/admin/lotteries", "lotteries"),
    });
    $("lottery-form").addEventListener("submit", save);
    $("prize-add").addEventListener("click", () => addPrize().querySelector("input").focus());
    $("lottery-reset").addEventListener("click", blank);
    document.addEventListener("languagechange", () => { if (!$("lotteries").hidden) show(); });
    blank();
  }
  try {
    await show();
    say("lotteries-status", "");
  } catch (error) {
    say("lotteries-status", refusal(error), false);
  }
}
