// The program document editor: every value of GET /v1/admin/program as a labelled field, named
// by its dotted path (tiers.1.threshold), so the errors of PUT /v1/admin/program, which name
// the same paths, are shown at their fields. Values are edited in place; every list (tasks,
// tiers, campaigns, ...) has an "添加" that appends a copy of its last item (or of the item the
// list had when the page read it, for a list emptied since) and a "删除" per item, generically:
// the form is read into the draft, the list changed, the form drawn again from the draft.
import { api } from "../common/api.js";
import { t } from "../common/i18n.js";
import { currentProgram } from "./session.js";

const $ = (id) => document.getElementById(id);
let loaded = null;  // {version, document}
let draft = null;  // the document as the form holds it (lists added to or removed from)
const shapes = new Map();  // list path -> an item it had, the model of an added one
const fieldId = (path) => `pf-${path.replace(/[^A-Za-z0-9_-]/g, "_")}`;
const at = (root, path) => (path ? path.split(".").reduce((node, key) => node[key], root) : root);

function remember(path, value) {
  if (Array.isArray(value) && value.length) shapes.set(path, structuredClone(value[value.length - 1]));
  if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) remember(path ? `${path}.${key}` : key, child);
  }
}

// Ids of list items are unique in their list: a copy has them emptied, to be typed anew (the
// rest, kinds, names and numbers, is kept as the model to edit).
const IDS = /(^|_)id$|^code$/;

function blankLike(value) {
  if (Array.isArray(value)) return value.map(blankLike);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, IDS.test(k) && typeof v === "string" ? "" : blankLike(v)]));
  }
  return value;
}

function redraw(focusPath) {
  $("program-fields").replaceChildren(build("", draft));
  const target = focusPath && $("program-form").querySelector(`[data-path^="${focusPath}"], [data-list="${focusPath}"]`);
  if (target) target.focus();
}

function addItem(path) {
  draft = read(draft);
  const list = at(draft, path);
  const model = list.length ? list[list.length - 1] : shapes.get(path);
  list.push(blankLike(structuredClone(model)));
  redraw(`${path}.${list.length - 1}`);
}

function removeItem(path, index) {
  draft = read(draft);
  at(draft, path).splice(index, 1);
  redraw(path);
}

function listButton(text, label, onClick, list) {
  const el = document.createElement("button");
  el.type = "button";
  el.className = "secondary";
  el.textContent = text;
  el.setAttribute("aria-label", label);
  if (list) el.dataset.list = list;
  el.addEventListener("click", onClick);
  return el;
}

function leaf(path, value) {
  const row = document.createElement("div");
  row.className = "field";
  const label = document.createElement("label");
  label.textContent = path.split(".").slice(-1)[0];
  label.title = path;
  const input = document.createElement("input");
  input.id = fieldId(path);
  label.htmlFor = input.id;
  input.dataset.path = path;
  input.dataset.kind = value === null ? "null" : typeof value;
  if (typeof value === "boolean") { input.type = "checkbox"; input.checked = value; }
  else { input.type = typeof value === "number" ? "number" : "text"; input.value = value ?? ""; input.step = "any"; }
  const error = document.createElement("p");
  error.className = "error";
  error.id = `${input.id}-error`;
  input.setAttribute("aria-describedby", error.id);
  row.append(label, input, error);
  return row;
}

function build(path, value) {
  if (value === null || typeof value !== "object") return leaf(path, value);
  const set = document.createElement("fieldset");
  const legend = document.createElement("legend");
  legend.textContent = path || t("programTitle");
  set.append(legend);
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    const part = build(childPath, child);
    if (Array.isArray(value)) {
      part.classList.add("list-item");
      part.append(listButton(t("listRemove"), t("listRemoveFrom", { item: childPath }),
        () => removeItem(path, Number(key))));
    }
    set.append(part);
  }
  if (Array.isArray(value)) {
    set.dataset.listOf = path;
    const add = listButton(t("listAdd"), t("listAddTo", { list: path }), () => addItem(path), path);
    add.disabled = !value.length && !shapes.has(path);  // nothing says what an item of it holds
    set.append(add);
  }
  return set;
}

function read(document_) {
  const copy = structuredClone(document_);
  for (const input of $("program-form").querySelectorAll("input[data-path]")) {
    const keys = input.dataset.path.split(".");
    const last = keys.pop();
    const parent = keys.reduce((node, key) => node[key], copy);
    const kind = input.dataset.kind;
    parent[last] = kind === "boolean" ? input.checked
      : kind === "number" ? (input.value === "" ? null : Number(input.value))
      : kind === "null" && input.value === "" ? null : input.value;
  }
  return copy;
}

function showErrors(errors) {
  for (const el of $("program-form").querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of $("program-form").querySelectorAll("p.error")) el.textContent = "";
  const elsewhere = [];
  for (const { field, message } of errors) {
    const input = document.getElementById(fieldId(field));
    if (input) {
      input.setAttribute("aria-invalid", "true");
      document.getElementById(`${input.id}-error`).textContent = message;
    } else {
      elsewhere.push(`${field}: ${message}`);  // a field the document does not have yet
    }
  }
  const first = $("program-form").querySelector("[aria-invalid]");
  if (first) first.focus();
  return elsewhere;
}

export async function showProgram() {
  loaded = await currentProgram({ fresh: true });  // the stored version, not the page's first read
  $("program-version").textContent = t("programVersion", { n: loaded.version });
  draft = structuredClone(loaded.document);
  remember("", draft);
  redraw();
  $("program-status").textContent = "";
}

export function setupProgram() {
  $("program-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      draft = read(draft);
      const saved = await api("PUT", "/v1/admin/program", { body: draft });
      showErrors([]);
      $("program-status").className = "ok";
      $("program-status").textContent = t("programSaved", { n: saved.version });
      await showProgram();
      $("program-status").textContent = t("programSaved", { n: saved.version });
    } catch (error) {
      const errors = (error.details && error.details.errors) || [];
      const elsewhere = showErrors(errors);
      $("program-status").className = "error";
      $("program-status").textContent = [t("programInvalid", { n: errors.length }), ...elsewhere].join(" ")
        + (errors.length ? "" : ` ${error.code}: ${error.message}`);
    }
  });
}
