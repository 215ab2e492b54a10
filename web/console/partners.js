// Partners (合作伙伴): the program's partners (GET /v1/admin/partners: never a secret), each
// registered or changed with PUT /v1/admin/partners/{partner_id} and its webhook secret rotated
// with POST .../secret. The engine answers a secret once (a registration, a rotation): it is
// shown here once, in its own panel, until the operator says it is stored, and kept nowhere.
// A rotation is not idempotent (each one makes a new secret), so it asks for a second click.
import { api, intentKey } from "../common/api.js";
import { t, when } from "../common/i18n.js";
import { $, button, listRoute, pagedTable, refusal, say, textRow } from "./ui.js";

// What a partner may send (services/partners.py InboundEvent).
const INBOUND = ["order.paid", "order.completed", "order.refunded", "member.registered", "member.action",
  "redemption.paid", "redemption.cancelled", "exchange.completed", "exchange.rejected", "points.exchanged_in"];
let ready = false;
let show = null;
let exchange = null;  // the edited partner's exchange terms, sent back unchanged (not edited here)

function showSecret(partnerId, secret, note) {
  $("partner-secret-id").textContent = partnerId;
  $("partner-secret-value").textContent = secret;
  $("partner-secret-note").textContent = note;
  $("partner-secret").hidden = false;
  $("partner-secret-done").focus();
}

function forgetSecret() {
  $("partner-secret-value").textContent = "";
  $("partner-secret").hidden = true;
}

async function rotate(partner, control) {
  if (control.dataset.armed !== "true") {
    control.dataset.armed = "true";
    control.textContent = t("rotateConfirm");
    control.setAttribute("aria-label", t("rotateConfirmFor", { id: partner.partner_id }));
    return;
  }
  control.disabled = true;
  // One key per intended rotation: a retry after a lost answer gets the same secret back,
  // never a second rotation; once shown, the next rotation takes a new key.
  const intent = intentKey(`rotate-${partner.partner_id}`, { partner: partner.partner_id });
  try {
    const rotated = await api("POST", `/v1/admin/partners/${encodeURIComponent(partner.partner_id)}/secret`,
      { key: intent.key });
    intent.done = true;
    showSecret(rotated.partner_id, rotated.secret, t("secretOldUntil", { until: when(rotated.previous_valid_until) }));
  } catch (error) {
    say("partners-status", refusal(error), false);
  }
  await show();
}

function edit(partner) {
  $("partner-id").value = partner.partner_id;
  $("partner-name").value = partner.name;
  $("partner-url").value = partner.deliver_to || "";
  $("partner-subscribe").value = partner.subscribe.join(", ");
  for (const box of $("partner-events").querySelectorAll("input")) box.checked = partner.events.includes(box.value);
  exchange = partner.exchange;
  $("partner-name").focus();
}

function partnerRow(partner) {
  const row = textRow([partner.partner_id, partner.name, partner.events.join(", "), partner.deliver_to || "",
    partner.subscribe.join(", ")]);
  row.dataset.partner = partner.partner_id;
  const actions = document.createElement("td");
  const rotateButton = button(t("rotate"), t("rotateFor", { id: partner.partner_id }), () => rotate(partner, rotateButton));
  actions.append(button(t("edit"), t("editFor", { id: partner.partner_id }), () => edit(partner)), " ", rotateButton);
  row.append(actions);
  return row;
}

async function save(event) {
  event.preventDefault();
  const partnerId = $("partner-id").value.trim();
  const body = {
    name: $("partner-name").value.trim(),
    events: [...$("partner-events").querySelectorAll("input:checked")].map((box) => box.value),
    subscribe: $("partner-subscribe").value.split(/[,，\s]+/).filter(Boolean),
  };
  if ($("partner-url").value.trim()) body.deliver_to = $("partner-url").value.trim();
  if (exchange) body.exchange = exchange;  // typing another id forgets it
  try {
    const saved = await api("PUT", `/v1/admin/partners/${encodeURIComponent(partnerId)}`, { body });
    say("partner-form-status", t("partnerSaved", { id: saved.partner_id }));
    if (saved.secret) showSecret(saved.partner_id, saved.secret, t("secretNew"));
    await show();
  } catch (error) {
    say("partner-form-status", refusal(error), false);
  }
}

export async function showPartners() {
  if (!ready) {
    ready = true;
    $("partner-events").append(...INBOUND.map((name) => {
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = name;
      box.style.width = "auto";
      label.append(box, ` ${name}`);
      return label;
    }));
    show = pagedTable({
      table: "partners-table", more: "partners-more", empty: "partners-empty", render: partnerRow,
      load: listRoute("/v1/admin/partners", "partners"),
    });
    $("partner-form").addEventListener("submit", save);
    $("partner-secret-done").addEventListener("click", forgetSecret);
    $("partner-id").addEventListener("input", () => { exchange = null; });
    document.addEventListener("languagechange", () => { if (!$("partners").hidden) show(); });
  }
  try {
    await show();
  } catch (error) {
    say("partners-status", refusal(error), false);
  }
}
