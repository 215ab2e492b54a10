// The operator's program document, read once per page and shared by the panels (the dashboard
// needs its time zone, the tier form its tiers, the editor all of it).
import { api } from "../common/api.js";

let request = null;

export function currentProgram({ fresh = false } = {}) {
  if (fresh || !request) {
    request = api("GET", "/v1/admin/program");
    request.catch(() => { request = null; });  // a failed read is tried again next time
  }
  return request;
}
