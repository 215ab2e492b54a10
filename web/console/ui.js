// Small builders the console's list views share: a table row of text cells, a labelled button,
// a status line, and the message of a refused write (the engine names each invalid field).
import { api } from "../common/api.js";
import { t } from "../common/i18n.js";

export const $ = (id) => document.getElementById(id);

/** A row of text cells; `numeric` lists the columns aligned as numbers. */
export function textRow(cells, numeric = []) {
  const row = document.createElement("tr");
  cells.forEach((text, i) => {
    const cell = document.createElement("td");
    cell.textContent = text;
    if (numeric.includes(i)) cell.className = "num";
    row.append(cell);
  });
  return row;
}

/** A button whose accessible name says which row it acts on (`label`), its text short. */
export function button(text, label, onClick, secondary = true) {
  const el = document.createElement("button");
  el.type = "button";
  el.textContent = text;
  if (label) el.setAttribute("aria-label", label);
  if (secondary) el.className = "secondary";
  el.addEventListener("click", onClick);
  return el;
}

export function say(id, text, good = true) {
  $(id).textContent = text;
  $(id).className = good ? "ok" : "error";
}

/** What to tell the operator of a refused call: each field the engine names, or its code. */
export function refusal(error) {
  const errors = (error.details && error.details.errors) || [];
  if (!errors.length) return `${error.code}: ${error.message}`;
  const list = errors.map(({ field, message }) => `${field}: ${message}`).join("；");
  return t("invalid", { n: errors.length, list });
}

/** A paged list: `load(cursor)` reads one page ({items, next_cursor}); `render(item)` a row. */
// The load of a pagedTable over a list route of the engine (`limit` and the opaque `cursor` it
// answers): the page's rows are its `key`.
export function listRoute(path, key) {
  return async (cursor) => {
    const query = new URLSearchParams({ limit: "20", ...(cursor ? { cursor } : {}) });
    const page = await api("GET", `${path}?${query}`);
    return { items: page[key], next_cursor: page.next_cursor };
  };
}

export function pagedTable({ table, more, empty, load, render }) {
  let cursor = null;
  async function show(next = false) {
    const page = await load(next ? cursor : null);
    const body = $(table).tBodies[0];
    if (!next) body.replaceChildren();
    body.append(...page.items.map(render));
    cursor = page.next_cursor;
    $(more).hidden = !cursor;
    $(empty).hidden = body.rows.length > 0;
  }
  $(more).addEventListener("click", () => show(true));
  return show;
}
