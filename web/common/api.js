// The one way both pages call the engine: the public HTTP API with a bearer token, nothing else.
// The token arrives in the URL fragment (`#token=...`, as `make run` prints it: a fragment never
// reaches a server's logs) or from the sign-in form, and is kept in sessionStorage only, so it
// dies with the tab.

const TOKEN_KEY = "loyalty.token";

// Locally the dev server proxies /api to the HTTP API (same origin, no CORS needed). A hosted
// copy sets `api` once in the fragment (`#api=https://...`) or in config.js next to the pages.
const API_KEY = "loyalty.api";

export function takeFragment() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  if (fragment.get("token")) sessionStorage.setItem(TOKEN_KEY, fragment.get("token"));
  if (fragment.get("api")) sessionStorage.setItem(API_KEY, fragment.get("api"));
  if (fragment.has("token") || fragment.has("api")) {
    // Out of the address bar at once: a token must not be bookmarked or shared by copy-paste.
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
}

export const token = () => sessionStorage.getItem(TOKEN_KEY);
export const signIn = (value) => sessionStorage.setItem(TOKEN_KEY, value.trim());
export const signOut = () => sessionStorage.removeItem(TOKEN_KEY);
export const apiBase = () => sessionStorage.getItem(API_KEY) || window.LOYALTY_API || "../api";

/** The claims of the token (not verified here: the API's authorizer does that). */
export function claims() {
  try {
    const part = token().split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
  } catch {
    return null;
  }
}

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || (body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || (status === 401 ? "UNAUTHORIZED" : "HTTP_" + status);
    this.details = error.details || {};
  }
}

const THROTTLE_RETRIES = 6;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One call; `key` sends an Idempotency-Key (every write of the engine takes one).
 * A throttle of the gateway or of Lambda's concurrency (429 without the engine's envelope) means
 * the request never ran: it is sent again, with its same key, after a growing pause. The
 * engine's own 429 RATE_LIMITED is the member's limit and is shown, not retried. */
export async function api(method, path, { body, key } = {}) {
  const headers = { Authorization: `Bearer ${token()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(apiBase() + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let payload = null;
    try { payload = text ? JSON.parse(text) : null; } catch { payload = { message: text }; }
    if (response.ok) return payload;
    const throttled = response.status === 429 && !(payload && payload.error);
    if (!throttled || attempt >= THROTTLE_RETRIES) throw new ApiError(response.status, payload);
    await sleep(250 * 2 ** attempt * (0.5 + Math.random() / 2));
  }
}

/** A key per user intent: the same form sent again (a retry after a timeout) reuses it, so
 * the engine applies it once; a changed form gets a new one. */
export function intentKey(prefix, values) {
  const signature = JSON.stringify(values);
  const store = intentKey.memory || (intentKey.memory = new Map());
  const known = store.get(prefix);
  if (known && known.signature === signature && !known.done) return known;
  const fresh = { key: `${prefix}-${crypto.randomUUID()}`, signature, done: false };
  store.set(prefix, fresh);
  return fresh;
}
