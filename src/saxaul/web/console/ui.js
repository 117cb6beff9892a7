// Small DOM helpers the console's views share: tables, notices, forms read as objects, and
// refusals shown as the API words them. Building elements (`el`) is shared with the app, in
// /common/dom.js.
//
// Why labels as `data-i18n` keys even in built content: the language switch relabels what is
// on screen without asking the API again, and a test can list every label and its key.

import { Problem } from "/common/api.js";
import { label, t } from "/common/i18n.js";
import { el, failure, locale } from "/common/dom.js";

export { el };

/** Put `nodes` in `where` (replacing what was there) and label them in the page's language. */
export function show(where, ...nodes) {
  where.replaceChildren(...nodes);
  label(where);
}

/** Add `nodes` at the end of `where` and label them. */
export function add(where, ...nodes) {
  where.append(...nodes);
  label(where);
}

/** A heading of level `level` labelled `key`. */
export function heading(key, level = 2) {
  return el(`h${level}`, { i18n: key });
}

/** A status word from the API (`proposed`, `active`, …), shown in the page's language. */
export function status(value) {
  return el("span", { class: `status status-${value}`, i18n: `status.${value}` });
}

/**
 * A scrolling table: `columns` are `[labelKey, "num"?]`, `rows` arrays of cells (nodes or
 * text); `empty` the key said when there is no row.
 */
export function table(columns, rows, empty = "list.empty") {
  if (rows.length === 0) return el("p", { class: "muted", i18n: empty });
  const head = el("tr", {}, ...columns.map(([key, kind]) => el("th", { i18n: key, class: kind, scope: "col" })));
  const body = rows.map((cells) =>
    el("tr", {}, ...cells.map((cell, i) => el("td", { class: columns[i][1] }, cell))),
  );
  return el("div", { class: "scroll" }, el("table", {}, el("thead", {}, head), el("tbody", {}, ...body)));
}

/** A figure card: a labelled number, kept for tests and screen readers by `name`. */
export function figure(key, value, name) {
  return el(
    "div",
    { class: "figure", "data-figure": name },
    el("span", { class: "figure-label", i18n: key }),
    el("strong", { class: "figure-value", text: value }),
  );
}

/** Show a notice of `kind` ("ok" or "error") in `where`, replacing what it said before. */
export function say(where, kind, key, values = {}) {
  const role = kind === "error" ? "alert" : "status";
  where.replaceChildren(el("p", { class: `notice ${kind}`, role }, t(key, values)));
}

/** Show a refusal (or a network failure) in `where`, as the API words it in this language. */
export function refused(where, error) {
  where.replaceChildren(el("p", { class: "notice error", role: "alert" }, failure(error)));
  // anything but a refusal is a fault of the page or the network: log it for the tests to see
  if (!(error instanceof Problem)) console.error(error);
}

/** A labelled control: `<label for>` and `input` (or `select`/`textarea` by `attrs.tag`). */
export function field(id, key, attrs = {}) {
  const { tag = "input", options = null, ...rest } = attrs;
  const control = el(tag, { id, name: id, ...rest });
  for (const [value, optionKey] of options || []) {
    control.append(el("option", { value, i18n: optionKey }));
  }
  return el("div", { class: "field" }, el("label", { for: id, i18n: key }), control);
}

/** A button labelled `key` that runs `action` once at a time (disabled while it runs). */
export function button(key, action, attrs = {}) {
  const node = el("button", { type: "button", i18n: key, ...attrs });
  node.addEventListener("click", async () => {
    node.disabled = true;
    try {
      await action();
    } finally {
      node.disabled = false;
    }
  });
  return node;
}

/** A form whose submit runs `action(values)`; its notices go in its own live region. */
export function form(id, fields, submitKey, action) {
  const out = el("div", { class: "form-notice", "aria-live": "polite" });
  const node = el("form", { id, class: "card" }, ...fields, el("button", { type: "submit", i18n: submitKey }), out);
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = node.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      await action(Object.fromEntries(new FormData(node)), out, node);
    } catch (error) {
      refused(out, error);
    } finally {
      submit.disabled = false;
    }
  });
  return node;
}

/** A number in the page's language. */
export function number(value) {
  return Number(value).toLocaleString(locale());
}
