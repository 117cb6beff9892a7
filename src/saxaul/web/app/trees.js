// My trees: each one's status (funding, owed, planted, verified alive…) and its certificate.
//
// The certificate's page is fetched with my token and opened as a blob: page (ui.js openMine).

import { call, MAX_PAGE, pagePath, tapKey } from "/common/api.js";
import { current, grams, t, when } from "/common/i18n.js";
import { attempt, el, named, notify, openMine, redraw } from "./ui.js";

const KIND = "participant";

export async function showTrees(screen) {
  const first = await call(KIND, "GET", pagePath("/v1/me/trees", MAX_PAGE));
  screen.append(el("h2", { i18n: "trees.title" }));
  if (first.trees.length === 0) {
    screen.append(el("p", { class: "muted", i18n: "trees.none" }), el("a", { href: "#/plant", i18n: "trees.go_plant" }));
    return;
  }
  const list = el("ul", { class: "trees" });
  const more = el("button", { type: "button", id: "trees-more", class: "quiet", i18n: "trees.more" });
  let after = null;
  const append = (page) => {
    list.append(...page.trees.map(treeCard));
    after = page.next_after_id;
    more.hidden = after === null;
  };
  more.addEventListener("click", () =>
    attempt(async () => append(await call(KIND, "GET", pagePath("/v1/me/trees", MAX_PAGE, after)))),
  );
  append(first);
  screen.append(list, more);
}

/** Where a tree stands: in the real world once promised (the API's label), else funding. */
function status(tree) {
  if (tree.planting) return named(tree.planting, "label_zh", "label_en");
  return t(`trees.status_${tree.status}`);
}

function treeCard(tree) {
  const card = el(
    "li",
    { class: "card tree-card", "data-tree": tree.id },
    el("h3", { text: named(tree.species) }),
    el("p", {}, el("span", { class: "muted", i18n: "trees.status" }), el("strong", { class: "tree-status", text: ` ${status(tree)}` })),
    el("p", { class: "muted", text: t("trees.funded", { pooled: grams(tree.pooled_g), cost: grams(tree.cost_g), since: when(tree.created_at) }) }),
  );
  if (tree.certificate?.url) {
    const button = el("button", { type: "button", class: "quiet", "data-certificate": tree.id, i18n: "trees.certificate" });
    button.addEventListener("click", () => openMine(`${tree.certificate.url}?format=html&lang=${current()}`));
    card.append(el("p", { class: "muted cert-number", text: tree.certificate.number }), button);
  }
  if (tree.status === "funding") card.append(poolForm(tree));
  return card;
}

/** Pool some of my energy into a co-planted tree still funding. */
function poolForm(tree) {
  const id = `pool-${tree.id}`;
  const input = el("input", { id, type: "number", min: "1", step: "1", inputmode: "numeric", required: true });
  const form = el(
    "form",
    { class: "pool" },
    el("label", { for: id, i18n: "trees.pool_amount" }),
    input,
    el("button", { type: "submit", i18n: "trees.pool" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await attempt(() =>
      call(KIND, "POST", `/v1/trees/${encodeURIComponent(tree.id)}/pool`, { amount_g: Number(input.value) }, tapKey()),
    );
    if (!answer) return;
    notify("ok", t("trees.pooled", { grams: grams(Number(input.value)) }));
    await redraw();
  });
  return form;
}
