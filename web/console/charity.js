// Charity projects (积分捐赠): every project with what it raised, closed ones too (GET
// /v1/admin/charity-projects), registered, changed, closed or reopened with PUT
// /v1/admin/charity-projects/{project_id} (the whole project: a PUT keeps its totals, and the
// same PUT again changes nothing, so it takes no Idempotency-Key).
import { api } from "../common/api.js";
import { num, t } from "../common/i18n.js";
import { $, button, listRoute, pagedTable, refusal, say, textRow } from "./ui.js";

let ready = false;
let show = null;

async function put(project) {
  const body = { name: project.name, organization: project.organization, active: project.active };
  const saved = await api("PUT", `/v1/admin/charity-projects/${encodeURIComponent(project.project_id)}`, { body });
  return saved;
}

async function setActive(project, active) {
  try {
    const saved = await put({ ...project, active });
    say("charity-status", t("projectSaved", { id: saved.project_id, raised: num(saved.raised_points) }));
  } catch (error) {
    say("charity-status", refusal(error), false);
  }
  await show();
}

function edit(project) {
  $("project-id").value = project.project_id;
  $("project-name").value = project.name;
  $("project-org").value = project.organization;
  $("project-active").checked = project.active;
  $("project-name").focus();
}

function projectRow(project) {
  const row = textRow([project.project_id, project.name, project.organization,
    t(project.active ? "project.open" : "project.closed"), num(project.raised_points), num(project.donations)], [4, 5]);
  row.dataset.project = project.project_id;
  row.dataset.active = String(project.active);
  const actions = document.createElement("td");
  actions.append(
    button(t("edit"), t("editFor", { id: project.project_id }), () => edit(project)), " ",
    project.active
      ? button(t("closeProject"), t("closeFor", { id: project.project_id }), () => setActive(project, false))
      : button(t("reopenProject"), t("reopenFor", { id: project.project_id }), () => setActive(project, true)),
  );
  row.append(actions);
  return row;
}

async function save(event) {
  event.preventDefault();
  const project = { project_id: $("project-id").value.trim(), name: $("project-name").value.trim(),
    organization: $("project-org").value.trim(), active: $("project-active").checked };
  try {
    const saved = await put(project);
    say("project-form-status", t("projectSaved", { id: saved.project_id, raised: num(saved.raised_points) }));
    await show();
  } catch (error) {
    say("project-form-status", refusal(error), false);
  }
}

export async function showCharity() {
  if (!ready) {
    ready = true;
    show = pagedTable({
      table: "charity-table", more: "charity-more", empty: "charity-empty", render: projectRow,
      load: listRoute("/v1/admin/charity-projects", "projects"),
    });
    $("project-form").addEventListener("submit", save);
    document.addEventListener("languagechange", () => { if (!$("charity").hidden) show(); });
  }
  try {
    await show();
  } catch (error) {
    say("charity-status", refusal(error), false);
  }
}
