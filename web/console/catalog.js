// The catalog as operators see it (GET /v1/admin/rewards: inactive rewards included).
import { api } from "../common/api.js";
import { num, t, yuan } from "../common/i18n.js";

export async function showCatalog() {
  const { rewards } = await api("GET", "/v1/admin/rewards");
  const rows = rewards.map((reward) => {
    const row = document.createElement("tr");
    row.dataset.reward = reward.id;
    const window_ = reward.starts_at || reward.ends_at ? `${reward.starts_at || "…"} – ${reward.ends_at || "…"}` : "";
    const cells = [reward.id, reward.name, num(reward.points), reward.cash_fen ? yuan(reward.cash_fen) : "",
      reward.stock === null ? t("unlimited") : num(reward.stock), reward.min_tier || "", window_,
      reward.active ? t("yes") : t("no")];
    cells.forEach((text, i) => {
      const cell = document.createElement("td");
      cell.textContent = text;
      if (i === 2 || i === 3 || i === 4) cell.className = "num";
      row.append(cell);
    });
    return row;
  });
  document.querySelector("#catalog-table tbody").replaceChildren(...rows);
}
