// Logging in as a mini-program does (issue 19): with no token, the page trades a login code for
// the engine's member token (POST /v1/auth/wechat) and keeps it as a token from the fragment is
// kept. In a mini-program the code is what wx.login() gives; locally `make run` prints a link
// with `#code=dev-<name>`, which its code2Session stand-in accepts as the WeChat user <name>.
import { apiBase, signIn, token } from "../common/api.js";

// Read when this module loads, before the page's own fragment handling clears the address bar.
const fragment = new URLSearchParams(window.location.hash.slice(1));
const code = fragment.get("code");
const program = fragment.get("program") || "demo";
if (code) history.replaceState(null, "", window.location.pathname + window.location.search);

/** Log in with the fragment's code when there is no token; the error of a refused code. */
export async function loginIfNeeded() {
  if (token() || !code) return;
  const response = await fetch(apiBase() + "/v1/auth/wechat", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ program, code }),
  });
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (answer && answer.error) || {};
    throw Object.assign(new Error(error.message || `HTTP ${response.status}`), {
      code: error.code || `HTTP_${response.status}`, details: error.details || {},
    });
  }
  signIn(answer.token);
}
