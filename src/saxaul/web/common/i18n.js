// Chinese and English for every label a page shows, from JSON dictionaries served beside it.
//
// Why attributes rather than strings in scripts: a test can then list every label on a page
// (`[data-i18n]`) and check each has a translation in both languages, and switching language
// relabels the page without re-rendering it. Scripts use `t(key, values)` for text they build.

const LANGS = ["zh", "en"];
const CHOSEN = "saxaul.lang";
let lang = "zh";
let words = {};
let fallback = {};

/** The language in use: "zh" (the default) or "en". */
export function current() {
  return lang;
}

/** The text of `key` with `{name}` placeholders filled from `values`; the key itself if missing. */
export function t(key, values = {}) {
  const text = words[key] ?? fallback[key];
  if (text === undefined) {
    console.warn(`untranslated: ${key}`);
    document.documentElement.dataset.untranslated = key;
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

/** Whether a dictionary has `key`: for words only some values have (a pack's units). */
export function has(key) {
  return key in words || key in fallback;
}

/**
 * Load `base/<lang>.json` (and the other language as a fallback), then label the page. The
 * language is the one chosen before in this browser, else the browser's own if English.
 */
export async function load(base) {
  const saved = window.localStorage.getItem(CHOSEN);
  const browser = (navigator.language || "").toLowerCase().startsWith("en") ? "en" : "zh";
  return use(base, LANGS.includes(saved) ? saved : browser);
}

/** Switch to `next`, remember it, relabel the page. */
export async function use(base, next) {
  const [mine, other] = await Promise.all(
    [next, LANGS.find((l) => l !== next)].map(async (l) => {
      const response = await fetch(`${base}/${l}.json`);
      return response.json();
    }),
  );
  lang = next;
  words = mine;
  fallback = other;
  window.localStorage.setItem(CHOSEN, next);
  document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
  label(document);
  return lang;
}

/** Fill every `[data-i18n]` text and `[data-i18n-attr]` ("attr:key;attr:key") under `root`. */
export function label(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) {
    node.textContent = t(node.dataset.i18n);
  }
  for (const node of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of node.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      node.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

/** Grams as people read them: "1,234 g" or "1.2 kg" in the page's language. */
export function grams(value) {
  const locale = lang === "zh" ? "zh-CN" : "en-GB";
  if (Math.abs(value) >= 10_000) {
    return `${(value / 1000).toLocaleString(locale, { maximumFractionDigits: 1 })} kg`;
  }
  return `${value.toLocaleString(locale)} g`;
}

/** An instant (ISO 8601) as local date and time in the page's language. */
export function when(iso) {
  const locale = lang === "zh" ? "zh-CN" : "en-GB";
  return new Date(iso).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
}
