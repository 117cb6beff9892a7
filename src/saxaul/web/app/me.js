// Me and my data: my ledger, my signed personal carbon statement (the server builds and signs
// it: everything held about me, which verifies offline and another instance can keep), and
// erasing my data for good, behind a confirmation step: erasure cannot be undone, so the first
// button only opens a form asking for my user id and my password (POST /v1/me/erase).

import { call, credential, Problem, signOut } from "/common/api.js";
import { current, grams, t, when } from "/common/i18n.js";
import { attempt, el, notify, openMine, redraw } from "./ui.js";

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
    erasureCard(me.user_id),
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

/** Erasure in two steps: a button that opens the confirmation form, then the form itself. */
function erasureCard(user) {
  const section = el("section", { class: "card", id: "erasure" }, el("h3", { i18n: "me.erasure_title" }), el("p", { i18n: "me.erasure" }));
  const opener = el("button", { type: "button", class: "quiet", id: "erase-start", i18n: "me.erase_start" });
  opener.addEventListener("click", () => {
    opener.remove();
    section.append(erasureForm(user));
    document.getElementById("erase-confirm").focus();
  });
  section.append(opener);
  return section;
}

function erasureForm(user) {
  const confirm = el("input", { id: "erase-confirm", name: "confirm", autocomplete: "off", required: "" });
  const password = el("input", { id: "erase-password", name: "password", type: "password", autocomplete: "current-password" });
  const form = el(
    "form",
    { id: "erase-form" },
    el("p", { class: "warning", text: t("me.erase_warning", { user }) }),
    el("label", { for: "erase-confirm", i18n: "me.erase_confirm" }),
    confirm,
    el("label", { for: "erase-password", i18n: "me.erase_password" }),
    password,
    el("button", { type: "submit", class: "danger", id: "erase-now", i18n: "me.erase_now" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { confirm: confirm.value };
    if (password.value) body.password = password.value;
    const done = await attempt(() => call(KIND, "POST", "/v1/me/erase", body));
    if (!done) return;
    signOut(KIND); // the server ended every session of mine; forget the token here too
    window.location.hash = "";
    notify("ok", t("me.erased"));
    redraw();
  });
  return form;
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
