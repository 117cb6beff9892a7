// Me and my data: my ledger, an export of everything the API gives me, and an honest word on
// erasure (not available yet: no button pretends otherwise).

import { allPages, call } from "/common/api.js";
import { grams, t, when } from "/common/i18n.js";
import { attempt, el, notify } from "./ui.js";

const KIND = "participant";
const PAGE = 500;

export async function showMe(screen) {
  const [me, ledger] = await Promise.all([
    call(KIND, "GET", "/v1/me"),
    call(KIND, "GET", "/v1/me/ledger?limit=50"),
  ]);
  const exporter = el("button", { type: "button", id: "export", i18n: "me.export" });
  exporter.addEventListener("click", () => attempt(() => exportAll(me.user_id)));
  const rows = ledger.transfers.map((x) =>
    el(
      "tr",
      {},
      el("td", { text: when(x.at) }),
      el("td", { text: t(`kind.${x.kind}`) }),
      el("td", { class: "num", text: grams(x.amount_g) }),
      el("td", { class: "muted", text: `${x.from} → ${x.to}` }),
    ),
  );
  screen.append(
    el("h2", { text: t("me.title", { user: me.user_id }) }),
    el("section", { class: "card" }, el("p", { i18n: "me.export_intro" }), exporter),
    el("section", { class: "card" }, el("h3", { i18n: "me.erasure_title" }), el("p", { i18n: "me.erasure" })),
    el("h3", { i18n: "me.ledger" }),
    rows.length
      ? el(
          "div",
          { class: "scroll" },
          el(
            "table",
            {},
            el(
              "thead",
              {},
              el(
                "tr",
                {},
                el("th", { i18n: "me.when" }),
                el("th", { i18n: "me.kind" }),
                el("th", { class: "num", i18n: "me.amount" }),
                el("th", { i18n: "me.accounts" }),
              ),
            ),
            el("tbody", {}, ...rows),
          ),
        )
      : el("p", { class: "muted", i18n: "me.no_transfers" }),
  );
}

/** Every page of my ledger, newest first, as the API gives it. */
async function wholeLedger() {
  const transfers = [];
  let before = null;
  do {
    const page = await call(KIND, "GET", `/v1/me/ledger?limit=${PAGE}${before ? `&before=${before}` : ""}`);
    transfers.push(...page.transfers);
    before = page.next_before;
  } while (before);
  return transfers;
}

/** Download one JSON file of everything the API tells me about me. */
async function exportAll(user) {
  const get = (path) => call(KIND, "GET", path);
  const [forest, treePages, friendPages, ledger] = await Promise.all([
    get("/v1/me/forest"),
    allPages(get, "/v1/me/trees"),
    allPages(get, "/v1/me/friends"),
    wholeLedger(),
  ]);
  const trees = treePages.flatMap((page) => page.trees);
  const friends = Object.fromEntries(
    ["friends", "incoming", "outgoing"].map((list) => [list, friendPages.flatMap((page) => page[list])]),
  );
  const data = { user_id: user, exported_at: new Date().toISOString(), forest, trees, friends, ledger };
  const link = el("a", {
    href: URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" })),
    download: `saxaul-${user}.json`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  notify("ok", t("me.exported"));
}
