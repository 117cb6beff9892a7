// My forest: total energy, balls to collect (and why each holds what it does), my tree growing
// toward its cost, and my protection cover.

import { call, Problem, tapKey } from "/common/api.js";
import { current, grams, has, t, when } from "/common/i18n.js";
import { ballButton, ballField, behaviourNames, takeAway } from "./balls.js";
import { drawTree } from "./tree.js";
import { attempt, clockTime, day, el, explain, named, notify, redraw, serverTime } from "./ui.js";

const KIND = "participant";

export async function showForest(screen) {
  const forest = await call(KIND, "GET", "/v1/me/forest");
  serverTime(forest.as_of);
  const names = behaviourNames(forest);
  const total = el("p", { class: "total", id: "energy", "aria-live": "polite" });
  const setTotal = (f) => {
    total.replaceChildren(
      el("span", { class: "muted", i18n: "forest.energy" }),
      el("strong", { class: "energy-g", text: grams(f.energy_g) }),
    );
  };
  setTotal(forest);
  const why = el("section", { class: "card why", id: "why", hidden: true, "aria-live": "polite" });

  const collect = async (ball, button) => {
    try {
      await call(KIND, "POST", `/v1/me/balls/${encodeURIComponent(ball.id)}/collect`, undefined, tapKey());
    } catch (error) {
      const ripening = error instanceof Problem && error.code === "not_ripe";
      const detail = explain(error);
      notify("error", ripening ? t("ball.refused_until", { detail, time: clockTime(ball.ripens_at) }) : detail);
      return;
    }
    takeAway(button);
    const now = await call(KIND, "GET", "/v1/me/forest");
    setTotal(now);
    notify("ok", t("ball.collected", { grams: grams(ball.remaining_g), total: grams(now.energy_g) }));
  };

  const buttons = forest.balls.map((ball) => {
    const button = ballButton(ball, names, ball.remaining_g, collect);
    const ask = el("button", {
      type: "button",
      class: "quiet why-button",
      i18n: "ball.why",
      "data-why": ball.id,
    });
    ask.addEventListener("click", () => explainBall(ball.id, why));
    return el("div", { class: "ball-slot" }, button, ask);
  });

  const parts = [
    el("section", { class: "card" }, total, owed(forest)),
    el("h2", { i18n: "forest.balls" }),
    ballField(buttons),
    why,
    growing(forest),
    cover(forest),
  ];
  screen.append(...parts.filter(Boolean));
}

function owed(forest) {
  if (forest.owed_g <= 0) return null;
  return el("p", { class: "muted", text: t("forest.owed", { grams: grams(forest.owed_g) }) });
}

/** Ask the API why a ball holds what it holds, and show the answer in `panel`. */
async function explainBall(ballId, panel) {
  const story = await attempt(() => call(KIND, "GET", `/v1/me/balls/${encodeURIComponent(ballId)}`));
  if (!story) return;
  const factors = story.factors.map((f) =>
    el(
      "li",
      {},
      el("span", { text: `${f.id}: ${f.value} ${f.unit} (${f.year}, ` }),
      el("abbr", { title: t(`status.${f.status}`), text: f.status }),
      el("span", { text: ") · " }),
      el("cite", { text: f.source_title }),
      el("span", { class: "muted", text: ` · ${f.source_url} · ${f.source_locator}` }),
    ),
  );
  panel.replaceChildren(
    el("h2", { i18n: "why.title" }),
    el("p", {
      class: "why-line",
      text: t("why.line", {
        behaviour: named(story),
        day: day(story.day),
        pack: story.pack_id,
        version: story.pack_version,
        grams: grams(story.energy_g),
      }),
    }),
    el("p", { class: "formula", text: t(`formula.${story.formula}`, { unit: unitWord(story.activity_unit) }) }),
    el("p", {
      text: t("why.counted", {
        events: story.events_counted,
        avoided: grams(Math.floor(story.avoided_mg / 1000)),
      }),
    }),
    el("h3", { i18n: "why.factors" }),
    el("ul", {}, ...factors),
    el("p", { class: "muted", text: story.baseline_note }),
  );
  panel.hidden = false;
  panel.scrollIntoView({ block: "nearest" });
}

/**
 * A pack's activity unit in the page's language: the app's word for the shipped packs' units,
 * else the pack's own (never changed here), set apart by spaces inside Chinese text.
 */
function unitWord(unit) {
  if (has(`unit.${unit}`)) return t(`unit.${unit}`);
  return current() === "zh" ? ` ${unit} ` : unit;
}

/** My tree toward the cheapest species I cannot afford yet (or the dearest, if I can). */
function growing(forest) {
  const target = forest.progress.find((p) => p.share < 1) ?? forest.progress.at(-1);
  if (!target) return null;
  return el(
    "section",
    { class: "card growing" },
    el("h2", { i18n: "forest.my_tree" }),
    drawTree(target.share),
    el("p", {
      text: t("forest.progress", {
        species: named(target),
        energy: grams(forest.energy_g),
        cost: grams(target.cost_g),
      }),
    }),
  );
}

/** My protection cover: until when, or a button per cover the rules offer. */
function cover(forest) {
  const section = el("section", { class: "card cover" }, el("h2", { i18n: "cover.title" }));
  if (forest.covered_until) {
    section.append(el("p", { text: t("cover.until", { time: when(forest.covered_until) }) }));
    return section;
  }
  section.append(el("p", { class: "muted", i18n: "cover.none" }));
  const choices = forest.cover_hours.map((hours) => {
    const button = el("button", {
      type: "button",
      class: "quiet",
      "data-cover": hours,
      text: t("cover.buy", { hours }),
    });
    button.addEventListener("click", async () => {
      const answer = await attempt(() =>
        call(KIND, "POST", "/v1/me/covers", { hours }, tapKey()),
      );
      if (!answer) return;
      notify("ok", t("cover.until", { time: when(answer.cover.ends_at) }));
      await redraw();
    });
    return button;
  });
  section.append(el("div", { class: "actions" }, ...choices));
  return section;
}
