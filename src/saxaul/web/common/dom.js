// What the app's and the consoles' screens share: building labelled elements, the words for a
// failure, and the locale numbers and dates are written in.
//
// Why nodes rather than HTML strings (ADR 0010): every text is a textContent, never markup a
// stored string could inject, and every label a `data-i18n` key the language tests can list.

import { Problem } from "/common/api.js";
import { current, label, t } from "/common/i18n.js";

/**
 * `<tag>` with attributes and children (nodes, or text). `i18n` sets `data-i18n` (the label's
 * key) and `i18nAttr` sets `data-i18n-attr` ("aria-label:key"), both labelled at once and again
 * on a language switch; `text` sets literal text (from the API); other names are attributes
 * (`true` sets a flag; `false`, `null` and `undefined` leave it out).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = String(value);
    else if (name === "i18n") node.dataset.i18n = value;
    else if (name === "i18nAttr") node.dataset.i18nAttr = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  const holder = document.createElement("div");
  holder.append(node); // label() looks below its root: hold the node to label it too
  label(holder);
  node.remove();
  return node;
}

/** The words for a failure: a refusal as the API words it in this language, else the network. */
export function failure(error) {
  return error instanceof Problem ? error.say(current()) : t("error.network");
}

/** The locale numbers, days and times are written in for the page's language. */
export function locale() {
  return current() === "zh" ? "zh-CN" : "en-GB";
}
