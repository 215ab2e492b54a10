// The review queue (风控): credits held for an operator's decision (GET /v1/admin/reviews), each
// approved or rejected with a reason (POST /v1/admin/reviews/{review_id}). The review id is the
// engine's own idempotency key, but a key is still sent so a retried click is a replay.
import { api, intentKey } from "../common/api.js";
import { num, t, when } from "../common/i18n.js";

const $ = (id) => document.getElementById(id);
let ready = false;

function say(text, good = true) {
  $("reviews-status").textContent = text;
  $("reviews-status").className = good ? "ok" : "error";
}

async function decide(review, decision, reasonInput) {
  const reason = reasonInput.value.trim();
  if (!reason) {
    reasonInput.setAttribute("aria-invalid", "true");
    reasonInput.focus();
    say(t("reviewReasonNeeded"), false);
    return;
  }
  reasonInput.removeAttribute("aria-invalid");
  const body = { decision, reason };
  const intent = intentKey(`review-${review.review_id}`, body);
  try {
    const done = await api("POST", `/v1/admin/reviews/${encodeURIComponent(review.review_id)}`,
      { body, key: intent.key });
    intent.done = true;
    say(t(decision === "approve" ? "reviewApproved" : "reviewRejected",
      { member: done.member_id, points: num(done.points), balance: num(done.balance) }));
  } catch (error) {
    say(error.code === "REVIEW_DECIDED" ? t("reviewDecided") : `${error.code}: ${error.message}`, false);
  }
  await showReviews(false);
}

function reviewRow(review) {
  const row = document.createElement("tr");
  row.dataset.review = review.review_id;
  const cells = [when(review.created_at), review.member_id, t(`reviewKind.${review.kind}`), num(review.points),
    review.reason || ""];
  cells.forEach((text, i) => {
    const cell = document.createElement("td");
    cell.textContent = text;
    if (i === 3) cell.className = "num";
    row.append(cell);
  });
  const actions = document.createElement("td");
  const reason = document.createElement("input");
  reason.required = true;
  reason.maxLength = 200;
  reason.id = `review-reason-${review.review_id}`;
  reason.setAttribute("aria-label", t("reviewReasonFor", { member: review.member_id }));
  reason.placeholder = t("reason");
  const approve = document.createElement("button");
  approve.type = "button";
  approve.textContent = t("approve");
  approve.setAttribute("aria-label", t("approveFor", { member: review.member_id }));
  approve.addEventListener("click", () => decide(review, "approve", reason));
  const reject = document.createElement("button");
  reject.type = "button";
  reject.className = "secondary";
  reject.textContent = t("reject");
  reject.setAttribute("aria-label", t("rejectFor", { member: review.member_id }));
  reject.addEventListener("click", () => decide(review, "reject", reason));
  actions.append(reason, " ", approve, " ", reject);
  row.append(actions);
  return row;
}

export async function showReviews(clear = true) {
  if (!ready) {
    ready = true;
    $("reviews-refresh").addEventListener("click", () => showReviews());
    document.addEventListener("languagechange", () => { if (!$("reviews").hidden) showReviews(); });
  }
  if (clear) say("");
  try {
    const { reviews } = await api("GET", "/v1/admin/reviews");
    $("reviews-table").tBodies[0].replaceChildren(...reviews.map(reviewRow));
    $("reviews-empty").hidden = reviews.length > 0;
  } catch (error) {
    say(`${error.code}: ${error.message}`, false);
  }
}
