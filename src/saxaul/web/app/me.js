// Me and my data: my ledger, my signed personal carbon statement (the server builds and signs
// it: everything held about me, which verifies offline and another instance can keep), and an
// honest word on erasure (not available yet: no button pretends otherwise).

import { call, credential, Problem } from "/common/api.js";
import { current, grams, t, when } from "/common/i18n.js";
import { attempt, el, notify, openMine } from "./ui.js";

const KIND = "participant";

export async function showMe(screen) {
  const [me, ledger] = await Promise.all([
    call(KIND, "GET", "/v1/me"),
    call(KIND, "GET", "/v1/me/ledger?limit=50"),
  ]);
  const exporter = el("button", { type: "button", id: "export", i18n: "me.export" });
  exporter.addEventListener("click", () => attempt(() => downloadStatement(me.user_id)));
  const reader = el("button", { type: "button", class: "quiet", id: "statement-page", i18n: "me.statement_page" });
  reader.addEventListener("click", () => openMine(`/v1/me/statement.html?lang=${current()}`));
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
    el("section", { class: "card" }, el("p", { i18n: "me.export_intro" }), exporter, reader),
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

/** Download my signed statement, exactly as the server signed it (any changed byte fails). */
async function downloadStatement(user) {
  const answer = await fetch("/v1/me/statement", {
    headers: { Authorization: `Bearer ${credential(KIND)}` },
  });
  if (!answer.ok) throw new Problem(answer.status, await answer.json());
  const link = el("a", {
    href: URL.createObjectURL(new Blob([await answer.arrayBuffer()], { type: "application/json" })),
    download: `saxaul-statement-${user}.json`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  notify("ok", t("me.exported"));
}
