// The program document editor: every value of GET /v1/admin/program as a labelled field, named
// by its dotted path (tiers.1.threshold), so the errors of PUT /v1/admin/program, which name
// the same paths, are shown at their fields. Values are edited in place; the shape (sections,
// list lengths) is the document's own.
import { api } from "../common/api.js";
import { t } from "../common/i18n.js";
import { currentProgram } from "./session.js";

const $ = (id) => document.getElementById(id);
let loaded = null;  // {version, document}
const fieldId = (path) => `pf-${path.replace(/[^A-Za-z0-9_-]/g, "_")}`;

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
  for (const [key, child] of Object.entries(value)) set.append(build(path ? `${path}.${key}` : key, child));
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
  $("program-fields").replaceChildren(build("", loaded.document));
  $("program-status").textContent = "";
}

export function setupProgram() {
  $("program-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const saved = await api("PUT", "/v1/admin/program", { body: read(loaded.document) });
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
