// Member lookup, adjustments, tier changes and the ledger: the operator routes of docs/api.md.
import { api, intentKey } from "../common/api.js";
import { num, signed, t, when, yuan } from "../common/i18n.js";
import { currentProgram } from "./session.js";

const $ = (id) => document.getElementById(id);
let member = null;
let cursor = null;
let ready = false;
let status = "active";

function say(id, text, good = true) {
  $(id).textContent = text;
  $(id).className = good ? "ok" : "error";
}

function figure(label, value, small = false) {
  const box = document.createElement("div");
  box.innerHTML = `<div class="muted"></div><div class="figure${small ? " small" : ""}"></div>`;
  box.firstChild.textContent = label;
  box.lastChild.textContent = value;
  return box;
}

function showAccount(account) {
  $("account-id").textContent = account.member_id;
  const expiring = account.expiring.map((e) => `${e.on}: ${num(e.points)}`).join("，") || t("none");
  $("account").replaceChildren(
    figure(t("balance"), num(account.balance)), figure(t("pending"), num(account.pending)),
    figure(t("held"), num(account.held)), figure(t("tier"), account.tier.name),
    figure(t("qualifying"), num(account.qualifying_points)), figure(t("expiring"), expiring, true));
  const next = account.next_tier;
  const progress = next ? (100 * account.qualifying_points) / (account.qualifying_points + next.points_needed) : 100;
  $("tier-progress-text").textContent = next ? t("toNext", { n: num(next.points_needed), tier: next.name }) : t("topTier");
  $("tier-progress").setAttribute("aria-valuenow", String(Math.round(progress)));
  $("tier-progress").firstElementChild.style.width = `${progress}%`;
  status = account.status || "active";
  $("member-status").textContent = t(`status.${status}`);
  $("member-status").className = status === "frozen" ? "error" : "ok";
  $("status-toggle").textContent = t(status === "frozen" ? "unfreeze" : "freeze");
}

async function changeStatus(event) {
  event.preventDefault();
  const body = { status: status === "frozen" ? "active" : "frozen", reason: $("status-reason").value.trim() };
  const intent = intentKey(`status-${member}`, body);
  try {
    await api("PUT", `/v1/admin/members/${encodeURIComponent(member)}/status`, { body, key: intent.key });
    intent.done = true;
    say("status-status", t("statusChanged", { status: t(`status.${body.status}`) }));
    event.target.reset();
    await refresh();
  } catch (error) {
    say("status-status", `${error.code}: ${error.message}`, false);
  }
}

function ledgerRow(entry) {
  const row = document.createElement("tr");
  const cells = [when(entry.created_at), t(`type.${entry.type}`), signed(entry.points), num(entry.balance_after),
    entry.reason || "", entry.ref || ""];
  cells.forEach((text, i) => {
    const cell = document.createElement("td");
    cell.textContent = text;
    if (i === 2 || i === 3) cell.className = "num";
    if (i === 2) cell.classList.add(entry.points < 0 ? "minus" : "plus");
    row.append(cell);
  });
  row.dataset.type = entry.type;
  return row;
}

async function loadLedger(more = false) {
  const query = new URLSearchParams({ limit: "20" });
  if (more && cursor) query.set("cursor", cursor);
  const page = await api("GET", `/v1/admin/members/${encodeURIComponent(member)}/ledger?${query}`);
  const body = $("ledger").tBodies[0];
  if (!more) body.replaceChildren();
  body.append(...page.entries.map(ledgerRow));
  cursor = page.next_cursor;
  $("ledger-more").hidden = !cursor;
}

function holdRow(hold) {
  // An order's hold pays value_fen of the order; a points + cash reward costs cash_fen besides.
  const money = hold.reward ? yuan(hold.reward.cash_fen) : yuan(hold.value_fen);
  const row = document.createElement("tr");
  [hold.hold_id, t(`holdKind.${hold.kind}`), hold.order_id, num(hold.points), money, when(hold.expires_at),
    t(`hold.${hold.status}`)].forEach((text, i) => {
    const cell = document.createElement("td");
    cell.textContent = text;
    if (i === 3 || i === 4) cell.className = "num";
    if (i === 6 && hold.status === "lapsing") cell.className = "error";
    row.append(cell);
  });
  row.dataset.hold = hold.hold_id;
  row.dataset.status = hold.status;
  return row;
}

async function loadHolds() {
  const { holds } = await api("GET", `/v1/admin/members/${encodeURIComponent(member)}/holds`);
  $("holds").tBodies[0].replaceChildren(...holds.map(holdRow));
  $("holds-empty").hidden = holds.length > 0;
}

async function refresh() {
  showAccount(await api("GET", `/v1/admin/members/${encodeURIComponent(member)}`));
  await Promise.all([loadLedger(), loadHolds()]);
}

async function lookUp(event) {
  event.preventDefault();
  member = $("member-id").value.trim();
  $("lookup-status").textContent = t("loading");
  $("lookup-status").className = "muted";
  try {
    await refresh();
    $("lookup-status").textContent = "";
    $("member").hidden = false;
  } catch (error) {
    $("member").hidden = true;
    say("lookup-status", error.status === 404 ? t("notFound") : `${error.code}: ${error.message}`, false);
  }
}

async function adjust(event) {
  event.preventDefault();
  const body = { points: Number($("adjust-points").value), reason: $("adjust-reason").value.trim() };
  const intent = intentKey(`adjust-${member}`, body);
  try {
    const done = await api("POST", `/v1/admin/members/${encodeURIComponent(member)}/adjustments`,
      { body, key: intent.key });
    intent.done = true;
    say("adjust-status", t("adjusted", { points: signed(done.points), balance: num(done.balance) }));
    event.target.reset();
    await refresh();
  } catch (error) {
    say("adjust-status", `${error.code}: ${error.message}`, false);
  }
}

async function changeTier(event) {
  event.preventDefault();
  const body = { tier: $("tier-code").value, reason: $("tier-reason").value.trim() };
  const intent = intentKey(`tier-${member}`, body);
  try {
    await api("PUT", `/v1/admin/members/${encodeURIComponent(member)}/tier`, { body, key: intent.key });
    intent.done = true;
    say("tier-status", t("tierChanged", { tier: $("tier-code").selectedOptions[0].textContent }));
    await refresh();
  } catch (error) {
    say("tier-status", `${error.code}: ${error.message}`, false);
  }
}

export async function setupMembers() {
  if (ready) return;
  ready = true;
  $("lookup").addEventListener("submit", lookUp);
  $("adjust").addEventListener("submit", adjust);
  $("tier-form").addEventListener("submit", changeTier);
  $("status-form").addEventListener("submit", changeStatus);
  $("ledger-more").addEventListener("click", () => loadLedger(true));
  document.addEventListener("languagechange", () => {
    for (const id of ["adjust-status", "tier-status", "status-status"]) $(id).textContent = "";  // said in the other language
    if (member && !$("member").hidden) refresh();
  });
  try {
    const program = await currentProgram();
    $("tier-code").replaceChildren(...program.document.tiers.map((tier) => new Option(tier.name, tier.code)));
  } catch {
    /* the tier form stays empty; the lookup still works */
  }
}
