// Helpers every screen of the app shares: its notice area, times, countdowns, redrawing. What
// the consoles share too (building elements, a failure's words) is in /common/dom.js.

import { credential, Problem } from "/common/api.js";
import { current, t } from "/common/i18n.js";
import { el, failure, locale } from "/common/dom.js";

export { el };

/** Show `text` in the page's live notice area ("ok" or "error"), replacing what was there. */
export function notify(kind, text) {
  const area = document.getElementById("notice");
  area.replaceChildren(el("p", { class: `notice ${kind}`, text }));
}

export function clearNotice() {
  document.getElementById("notice").replaceChildren();
}

/** The words to show for a failure: the API's own detail in the page's language. */
export function explain(error) {
  if (!(error instanceof Problem)) console.warn(error);
  return failure(error);
}

/** Run `action`; show its refusal as a notice and return undefined if it throws. */
export async function attempt(action) {
  try {
    return await action();
  } catch (error) {
    notify("error", explain(error));
    return undefined;
  }
}

/**
 * Fetch a page of mine (a certificate, my statement) with my token and open it in a new tab.
 *
 * Why fetched rather than linked: the route needs the participant's bearer token, which a
 * plain link cannot send; the HTML is opened as a blob: page, which runs under the app's own
 * CSP (it allows the signed files' pages' one inline stylesheet by its hash, and no script).
 */
export async function openMine(url) {
  const tab = window.open("", "_blank"); // opened on the tap itself, so no pop-up blocker stops it
  const answer = await fetch(url, { headers: { Authorization: `Bearer ${credential("participant")}` } });
  if (!answer.ok) {
    tab?.close();
    notify("error", new Problem(answer.status, await answer.json()).say(current()));
    return;
  }
  const page = URL.createObjectURL(new Blob([await answer.text()], { type: "text/html" }));
  if (tab) tab.location.href = page;
  else window.location.href = page;
}

/** An instant's time of day on this device's clock: "07:12". */
export function clockTime(iso) {
  return new Date(iso).toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
}

/** A day (YYYY-MM-DD) as people read it, in the page's language. */
export function day(iso) {
  return new Date(`${iso}T00:00:00`).toLocaleDateString(locale(), { dateStyle: "medium" });
}

/** The name of a species, behaviour or label in the page's language, from a zh/en pair. */
export function named(thing, zh = "name_zh", en = "name_en") {
  return current() === "zh" ? thing[zh] : thing[en];
}

let skew = 0;

/**
 * Count down on the server's clock, not this device's: `asOf` is the server's time of an
 * answer just received (a forest's `as_of`). A demo's simulated clock or a phone set wrong
 * then still shows the time the API will judge ripeness by.
 */
export function serverTime(asOf) {
  skew = new Date(asOf) - Date.now();
}

/** What is left until `iso`, as "2:05:09" (or "0:00:00" once passed). */
function remaining(iso) {
  const seconds = Math.max(0, Math.floor((new Date(iso) - Date.now() - skew) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = String(Math.floor((seconds % 3600) / 60)).padStart(2, "0");
  const s = String(seconds % 60).padStart(2, "0");
  return { text: `${h}:${m}:${s}`, done: seconds === 0 };
}

/** A live countdown to `iso`: a span the ticker below refreshes every second. */
export function countdown(iso) {
  const span = el("span", { class: "countdown", "data-until": iso });
  span.textContent = t("ball.ripens_in", { time: remaining(iso).text });
  return span;
}

let drawAgain = () => {};

/** How to draw the current screen again (the app's router sets it). */
export function setRedraw(callback) {
  drawAgain = callback;
}

/** Draw the current screen again from the API, keeping the notice shown. */
export function redraw() {
  return drawAgain();
}

window.setInterval(() => {
  let due = false;
  for (const span of document.querySelectorAll("[data-until]")) {
    const left = remaining(span.dataset.until);
    span.textContent = t("ball.ripens_in", { time: left.text });
    if (left.done) {
      span.removeAttribute("data-until");
      due = true;
    }
  }
  if (due) redraw(); // the API, not this page, says whether the ball is ripe now
}, 1000);
