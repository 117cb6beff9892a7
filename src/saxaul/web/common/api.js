// The one way the browser talks to Saxaul: the JSON API with the signed-in bearer credential.
//
// Why no client-side rules: every number a page shows comes from the API, which plays by the
// domain's rules; a page only asks and displays. A refusal arrives as RFC 9457 problem JSON and
// is thrown as a Problem, so a page can show `detail` (or `detail_zh`) as it is.

const STORE = window.sessionStorage;

/** A refusal from the API: `code` to branch on, `detail`/`detailZh` for people. */
export class Problem extends Error {
  constructor(status, body) {
    super(body.detail || body.title || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || "unknown";
    this.field = body.field || null;
    this.detail = body.detail || "";
    this.detailZh = body.detail_zh || "";
    this.body = body;
  }

  /** The text to show in `lang` ("zh" or "en"). */
  say(lang) {
    return (lang === "zh" && this.detailZh) || this.detail || this.message;
  }
}

/** The credential of `kind` ("participant", "operator", "partner") kept for this tab, or null. */
export function credential(kind) {
  return STORE.getItem(`saxaul.${kind}`);
}

export function signIn(kind, secret) {
  STORE.setItem(`saxaul.${kind}`, secret);
}

export function signOut(kind) {
  STORE.removeItem(`saxaul.${kind}`);
}

/**
 * Take a credential handed over in the page's fragment (`#token=…`, a demo sign-in link) and
 * clear it from the address bar: a fragment never reaches a server or its logs, and once
 * stored it should not linger in the history either.
 */
export function takeFromFragment(kind, name) {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const secret = params.get(name);
  if (secret) {
    signIn(kind, secret);
    params.delete(name);
    const rest = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (rest ? `#${rest}` : ""));
  }
  return credential(kind);
}

/**
 * `method path` with `body` as JSON, as `kind`; the parsed answer (null for 204), or a thrown
 * Problem. `key` is sent as the Idempotency-Key so a double tap plays one move.
 */
export async function call(kind, method, path, body = undefined, key = undefined) {
  const headers = { Accept: "application/json" };
  const secret = credential(kind);
  if (secret) headers.Authorization = `Bearer ${secret}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  const parsed = type.includes("json") ? await response.json() : { detail: await response.text() };
  if (!response.ok) throw new Problem(response.status, parsed);
  return parsed;
}

/** The most items a page of a list route gives (`domain/paging.py` MAX_PAGE). */
export const MAX_PAGE = 200;

/** `path` asking for `limit` items after `after` (`null`: the first page). */
export function pagePath(path, limit, after = null) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (after !== null && after !== undefined) query.set("after_id", String(after));
  return `${path}${path.includes("?") ? "&" : "?"}${query}`;
}

/**
 * Every page of a paged list route, in order, following `next_after_id`: for what needs the
 * whole list (an export, a picker of friends, a console's table). `get` answers one path's JSON.
 */
export async function allPages(get, path) {
  const pages = [];
  let after = null;
  do {
    const page = await get(pagePath(path, MAX_PAGE, after));
    pages.push(page);
    after = page.next_after_id ?? null;
  } while (after !== null);
  return pages;
}

/** A fresh idempotency key for one tap. */
export function tapKey() {
  return window.crypto.randomUUID();
}
