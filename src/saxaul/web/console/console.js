// The console's shell: sign in with a key, pick the role by its prefix, route by the hash.
//
// Why one shell for two roles: operators and partners share the sign-in, the language switch,
// the navigation and the way refusals are shown; what differs is the list of views, and the
// API itself decides what each key may see (a partner key is refused operator routes). An
// operator key's role (GET /v1/operator/me) hides the views and actions it may not use, so an
// analyst is never offered a button the API would refuse.

import * as api from "/common/api.js";
import * as i18n from "/common/i18n.js";
import { operatorViews } from "./operator.js";
import { partnerViews } from "./partner.js";
import { el, refused, say, show } from "./ui.js";

const WORDS = "/console/i18n";
const ROLES = {
  operator: { pattern: /^sxk_/, check: "/v1/operator/me", views: operatorViews },
  partner: { pattern: /^sxp_(test|live)_/, check: "/v1/partner", views: partnerViews },
};
const $ = (id) => document.getElementById(id);
let partner = null; // the signed-in partner's GET /v1/partner, until sign-out
let operator = null; // the signed-in operator key's GET /v1/operator/me, until sign-out

/** The role a pasted key is for, from its prefix; null for anything else. */
function roleOf(secret) {
  return Object.keys(ROLES).find((role) => ROLES[role].pattern.test(secret)) || null;
}

function signedIn() {
  return Object.keys(ROLES).find((role) => api.credential(role)) || null;
}

function signOutAll() {
  partner = null;
  operator = null;
  for (const role of Object.keys(ROLES)) api.signOut(role);
}

/** Keep `secret` for its role once the API accepts it; a refusal leaves nobody signed in. */
async function signIn(secret) {
  const role = roleOf(secret);
  if (!role) throw new Error("unknown-key");
  signOutAll();
  api.signIn(role, secret);
  try {
    return await api.call(role, "GET", ROLES[role].check);
  } catch (error) {
    api.signOut(role);
    throw error;
  }
}

/** A demo link's `#key=…`: stored for its role and cleared from the address bar. */
function keyFromFragment() {
  const secret = new URLSearchParams(window.location.hash.slice(1)).get("key");
  const role = secret && roleOf(secret);
  if (role) {
    signOutAll();
    api.takeFromFragment(role, "key");
  }
}

/** The view the hash names, else the role's first. */
function route(views) {
  const wanted = window.location.hash.slice(1).split("/")[0];
  return views.find((view) => view.id === wanted) || views[0];
}

/** Draw the signed-in role's current view; `body[data-ready]` names the language once done. */
async function render() {
  delete document.body.dataset.ready;
  await draw();
  document.body.dataset.ready = i18n.current();
}

async function draw() {
  const role = signedIn();
  $("signin").hidden = Boolean(role);
  $("signout").hidden = !role;
  $("tabs").hidden = !role;
  $("view").hidden = !role;
  if (!role) {
    for (const id of ["who", "tabs", "view"]) $(id).replaceChildren();
    $("key").focus();
    return;
  }
  const me = role === "partner" ? await whoami(role) : await operatorMe(role);
  const may = (permission) => Boolean(me.permissions && me.permissions.includes(permission));
  // scenarios are a business's, plantings an NGO's: each partner sees the views for its kind;
  // an operator sees the views its key's role may read
  const views = ROLES[role].views.filter(
    (v) => (!v.kinds || v.kinds.includes(me.partner.kind)) && (!v.permission || may(v.permission)),
  );
  const view = route(views);
  show(
    $("tabs"),
    ...views.map((v) =>
      el("a", { href: `#${v.id}`, i18n: v.label, "aria-current": v === view ? "page" : null }),
    ),
  );
  document.body.dataset.role = role;
  document.body.dataset.view = view.id;
  const ctx = {
    call: (method, path, body, key) => api.call(role, method, path, body, key),
    rerender: render,
    may,
  };
  const main = $("view");
  try {
    await view.render(main, ctx);
  } catch (error) {
    if (error instanceof api.Problem && error.status === 401) {
      signOutAll();
      await render();
      refused($("signin-notice"), error);
      return;
    }
    refused(main, error);
  }
}

/** The partner's organisation (shown with the key's mode beside the title), asked once. */
async function whoami(role) {
  partner = partner || (await api.call(role, "GET", "/v1/partner"));
  const name = i18n.current() === "zh" && partner.partner.name_zh ? partner.partner.name_zh : partner.partner.name_en;
  show($("who"), el("span", { text: `${name} · ` }), el("span", { i18n: `mode.${partner.key.mode}` }));
  return partner;
}

/** The operator key's name and role (shown beside the title) and its permissions, asked once. */
async function operatorMe(role) {
  operator = operator || (await api.call(role, "GET", "/v1/operator/me"));
  show($("who"), el("span", { text: `${operator.name} · ` }), el("span", { i18n: `role.${operator.role}` }));
  return operator;
}

async function boot() {
  keyFromFragment();
  await i18n.load(WORDS);
  $("lang").addEventListener("click", async () => {
    await i18n.use(WORDS, i18n.current() === "zh" ? "en" : "zh");
    await render();
  });
  $("signout").addEventListener("click", async () => {
    signOutAll();
    window.history.replaceState(null, "", window.location.pathname);
    await render();
  });
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const secret = $("key").value.trim();
    try {
      await signIn(secret);
      $("key").value = "";
      $("signin-notice").replaceChildren();
      await render();
    } catch (error) {
      if (error.message === "unknown-key") say($("signin-notice"), "error", "signin.unknown");
      else refused($("signin-notice"), error);
    }
  });
  // a demo link opened in a tab already on the console changes only the hash
  window.addEventListener("hashchange", () => {
    keyFromFragment();
    return render();
  });
  await render();
}

boot();
