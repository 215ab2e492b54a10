// The console's shell: sign-in, language, tabs. Each panel lives in its own module.
import { claims, signIn, signOut, takeFragment, token } from "../common/api.js";
import { apply, register, t, toggle } from "../common/i18n.js";
import { withEntryTypes } from "../common/entry-types.js";
import { TEXTS } from "./texts.js";
import { showDashboard } from "./dashboard.js";
import { setupMembers } from "./members.js";
import { setupProgram, showProgram } from "./program.js";
import { showCatalog } from "./catalog.js";
import { showReviews } from "./reviews.js";
import { currentProgram } from "./session.js";

register(withEntryTypes(TEXTS));
takeFragment();
apply();

const $ = (id) => document.getElementById(id);
const tabs = {
  dashboard: $("tab-dashboard"), members: $("tab-members"), catalog: $("tab-catalog"), reviews: $("tab-reviews"), program: $("tab-program"),
  lotteries: $("tab-lotteries"), charity: $("tab-charity"), partners: $("tab-partners"),
};
const order = Object.keys(tabs);

function select(name) {
  for (const [panel, tab] of Object.entries(tabs)) {
    const on = panel === name;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(panel).hidden = !on;
  }
  if (name === "dashboard") showDashboard();
  if (name === "program") showProgram();
  if (name === "catalog") showCatalog();
  if (name === "reviews") showReviews();
  // Loaded on first use, as the dashboard's ECharts is: the first visit does not pay for them.
  if (name === "lotteries") import("./lotteries.js").then((view) => view.showLotteries());
  if (name === "charity") import("./charity.js").then((view) => view.showCharity());
  if (name === "partners") import("./partners.js").then((view) => view.showPartners());
}

// Arrow keys move between tabs (the WAI-ARIA tabs pattern); Tab leaves the tab list.
$("tab-dashboard").parentElement.addEventListener("keydown", (event) => {
  if (!["ArrowLeft", "ArrowRight"].includes(event.key)) return;
  const current = order.findIndex((name) => tabs[name].getAttribute("aria-selected") === "true");
  const step = event.key === "ArrowRight" ? 1 : order.length - 1;
  const next = order[(current + step) % order.length];
  select(next);
  tabs[next].focus();
});
for (const name of order) tabs[name].addEventListener("click", () => select(name));

$("lang").addEventListener("click", () => {
  toggle();
  document.title = t("title");
  document.dispatchEvent(new Event("languagechange"));
});
$("sign-out").addEventListener("click", () => { signOut(); location.reload(); });

function signedIn() {
  const who = claims();
  $("sign-in").hidden = true;
  $("app").hidden = false;
  $("sign-out").hidden = false;
  $("who").textContent = who ? `${who.sub} · ${who.program}` : "";
  document.title = t("title");
  setupMembers();
  setupProgram();
  select("dashboard");
}

$("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  signIn($("token").value);
  const who = claims();
  // One real call decides: the API's authorizer, not this page, says whether the token is good.
  try {
    if (!who || who.scope !== "admin") throw new Error("scope");
    await currentProgram({ fresh: true });
    signedIn();
  } catch {
    signOut();
    $("sign-in-error").textContent = t("badToken");
  }
});

if (token()) signedIn();
else { $("sign-in").hidden = false; $("token").focus(); }
