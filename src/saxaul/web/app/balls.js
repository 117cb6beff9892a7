// Energy balls as buttons, for my forest and a friend's: name, grams, and a countdown while
// growing. What a tap does is the screen's; whether it works is the API's to say.

import { grams } from "/common/i18n.js";
import { countdown, el, named } from "./ui.js";

/** Behaviour id → its name in the page's language, from a forest's `behaviours`. */
export function behaviourNames(forest) {
  return Object.fromEntries(forest.behaviours.map((b) => [b.id, named(b)]));
}

/**
 * A ball as a button: `shown` grams on it (what is left, or what could be stolen), ripe or
 * growing by the API's `state`, `onTap(ball, button)` on a tap.
 */
export function ballButton(ball, names, shown, onTap) {
  const ripe = ball.state === "ripe";
  const button = el(
    "button",
    {
      type: "button",
      class: `ball ${ripe ? "ripe" : "growing"}`,
      "data-ball": ball.id,
      "data-state": ball.state,
    },
    el("span", { class: "ball-name", text: names[ball.behaviour] ?? ball.behaviour }),
    el("span", { class: "ball-grams", text: grams(shown) }),
    ripe ? el("span", { class: "ball-hint", i18n: "ball.tap_to_take" }) : countdown(ball.ripens_at),
  );
  button.addEventListener("click", () => onTap(ball, button));
  return button;
}

/** A field of balls, or a line saying there are none. */
export function ballField(buttons) {
  if (buttons.length === 0) return el("p", { class: "muted", i18n: "forest.no_balls" });
  return el("div", { class: "balls", role: "group", i18nAttr: "aria-label:forest.balls" }, ...buttons);
}

/** Play the short collect animation on `button`, then drop it (motion-reduced: at once). */
export function takeAway(button) {
  button.classList.add("taken");
  button.disabled = true;
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const gone = button.closest(".ball-slot") ?? button; // its "why?" goes with it
  window.setTimeout(() => gone.remove(), reduced ? 0 : 600);
}
