// The species catalogue: plant one alone, or start a co-planting with friends.

import { allPages, call, tapKey } from "/common/api.js";
import { grams, t } from "/common/i18n.js";
import { attempt, el, named, notify } from "./ui.js";

const KIND = "participant";

export async function showPlant(screen) {
  const [catalogue, forest, lists] = await Promise.all([
    call(KIND, "GET", "/v1/species"),
    call(KIND, "GET", "/v1/me/forest"),
    allPages((path) => call(KIND, "GET", path), "/v1/me/friends"),
  ]);
  screen.append(
    el("h2", { i18n: "plant.title" }),
    el("p", { class: "muted", text: t("plant.energy", { grams: grams(forest.energy_g) }) }),
    el("ul", { class: "species" }, ...catalogue.species.map(speciesCard)),
    coPlant(catalogue.species, lists.flatMap((page) => page.friends)),
  );
}

function speciesCard(species) {
  const button = el("button", { type: "button", "data-plant": species.id, i18n: "plant.plant" });
  button.addEventListener("click", async () => {
    const answer = await attempt(() =>
      call(KIND, "POST", "/v1/me/trees", { species_id: species.id }, tapKey()),
    );
    if (!answer) return;
    notify("ok", t("plant.planted", { species: named(species), number: answer.tree.certificate?.number ?? answer.tree.id }));
  });
  return el(
    "li",
    { class: "card species-card", "data-species": species.id },
    el("h3", {}, el("span", { text: named(species) }), el("i", { class: "muted", text: ` ${species.scientific_name}` })),
    el("p", { text: t("plant.cost", { grams: grams(species.energy_cost_g) }) }),
    el("p", { class: "muted", text: t("plant.where", { region: named(species.region), partner: named(species.partner) }) }),
    el("p", { class: "muted", text: t("plant.capacity", { count: species.remaining_capacity }) }),
    button,
  );
}

/** Start a co-planting: a species and the friends who may pool into it. */
function coPlant(species, friends) {
  const section = el("section", { class: "card" }, el("h2", { i18n: "coplant.title" }));
  if (friends.length === 0) {
    section.append(el("p", { class: "muted", i18n: "friends.none" }));
    return section;
  }
  const select = el(
    "select",
    { id: "coplant-species" },
    ...species.map((s) => el("option", { value: s.id, text: `${named(s)} · ${grams(s.energy_cost_g)}` })),
  );
  const boxes = friends.map((friend) =>
    el(
      "label",
      { class: "check" },
      el("input", { type: "checkbox", name: "coplanter", value: friend.user_id }),
      el("span", { text: friend.user_id }),
    ),
  );
  const button = el("button", { type: "submit", i18n: "coplant.start" });
  const form = el(
    "form",
    {},
    el("label", { for: "coplant-species", i18n: "coplant.species" }),
    select,
    el("fieldset", {}, el("legend", { i18n: "coplant.friends" }), ...boxes),
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = [...form.querySelectorAll("input:checked")].map((box) => box.value);
    const answer = await attempt(() =>
      call(KIND, "POST", "/v1/me/co-plantings", { species_id: select.value, friends: chosen }, tapKey()),
    );
    if (answer) notify("ok", t("coplant.started"));
  });
  section.append(form);
  return section;
}
