// The operator's views: dashboard, methodology packs, partners, orders, quarantine, report.
//
// Every figure is the API's: the dashboard draws GET /v1/operator/dashboard (one call counted
// by the services) and the ledger audit; nothing here adds up game outcomes.

import { current, grams, t, when } from "/common/i18n.js";
import { bars, lines } from "./chart.js";
import { button, el, field, figure, form, heading, number, refused, say, show, status, table } from "./ui.js";

const DAYS = 14;
const FLOWS = [
  ["award", "flow.award", "s1"],
  ["collect", "flow.collect", "s2"],
  ["steal", "flow.steal", "s3"],
  ["expire", "flow.expire", "s4"],
];
const TREE_STATUSES = ["waiting", "owed", "ordered", "planted", "alive", "lost"];

async function dashboard(main, { call, rerender, may }) {
  const [board, audit] = await Promise.all([
    call("GET", `/v1/operator/dashboard?days=${DAYS}`),
    may("ledger.audit") ? call("GET", "/v1/ledger/audit") : null,
  ]);
  const today = board.days[board.days.length - 1];
  const kg = (mg) => `${(mg / 1e6).toLocaleString(undefined, { maximumFractionDigits: 1 })} kg`;
  const days = board.days.map((d) => d.day.slice(5));
  show(
    main,
    el("div", { class: "row" }, heading("dash.title"), button("dash.refresh", rerender, { class: "quiet", id: "refresh" })),
    el("p", { class: "muted" }, t("dash.asof", { at: when(board.as_of) })),
    el(
      "div",
      { class: "figures", "aria-live": "polite" },
      figure("dash.participants", number(board.participants), "participants"),
      figure("dash.players", number(today.players), "players"),
      figure("dash.avoided", kg(board.avoided_mg), "avoided"),
      figure("flow.award", grams(board.energy_g.award), "award"),
      figure("flow.collect", grams(board.energy_g.collect), "collect"),
      figure("flow.steal", grams(board.energy_g.steal), "steal"),
      figure("flow.expire", grams(board.energy_g.expire), "expire"),
      figure("dash.owed", number(board.trees.owed + board.trees.waiting), "owed"),
      figure("dash.verified", number(board.trees.alive), "verified"),
      figure("dash.planted", number(board.trees.planted), "planted"),
    ),
    ...(audit ? [el("p", { class: audit.ok ? "notice ok" : "notice error", i18n: audit.ok ? "dash.audit.ok" : "dash.audit.bad" })] : []),
    el(
      "div",
      { class: "charts" },
      lines(
        "chart.energy",
        "axis.day",
        "axis.grams",
        days,
        FLOWS.map(([kind, key, cls]) => ({ key, cls, values: board.days.map((d) => d.energy_g[kind]) })),
      ),
      bars("chart.players", "axis.day", "axis.people", days, board.days.map((d) => d.players)),
      bars(
        "chart.trees",
        "axis.status",
        "axis.trees",
        TREE_STATUSES.map((s) => t(`status.${s}`)),
        TREE_STATUSES.map((s) => board.trees[s]),
      ),
    ),
  );
}

async function packs(main, { call }) {
  const wanted = decodeURIComponent(window.location.hash.split("/")[1] || "");
  const list = await call("GET", "/v1/methodology/packs");
  const rows = list.map((p) => [
    el("a", { href: `#packs/${encodeURIComponent(p.ref)}`, text: p.ref }),
    p.title,
    number(p.behaviours),
    el("span", { i18n: p.active ? "yes" : "no" }),
  ]);
  const nodes = [heading("packs.title"), table([["packs.ref"], ["packs.name"], ["packs.behaviours", "num"], ["packs.active"]], rows)];
  if (wanted) {
    const pack = await call("GET", `/v1/methodology/packs/${encodeURIComponent(wanted)}`);
    nodes.push(
      el(
        "section",
        { class: "card", id: "pack" },
        el("h3", { text: `${pack.id}@${pack.version}` }),
        el("p", { text: pack.title }),
        el("p", { class: "muted hash", text: pack.content_hash }),
        table(
          [["packs.behaviour"], ["packs.name"], ["packs.unit"]],
          (pack.behaviours || []).map((b) => [b.id, current() === "zh" ? b.name_zh : b.name_en, b.activity_unit || ""]),
        ),
      ),
    );
  }
  show(main, ...nodes);
}

async function partners(main, ctx) {
  const { call, rerender, may } = ctx;
  const [pending, all] = await Promise.all([
    call("GET", "/v1/operator/partners?status=pending"),
    call("GET", "/v1/operator/partners"),
  ]);
  const out = el("div", { "aria-live": "polite" });
  const deciding = may("partners.approve");
  const decide = (p, action) => async () => {
    try {
      await call("POST", `/v1/operator/partners/${encodeURIComponent(p.id)}/${action}`, {});
      await rerender();
      say(document.getElementById("partners-notice"), "ok", `partners.${action}d`, { id: p.id });
    } catch (error) {
      refused(out, error);
    }
  };
  const row = (p) => [
    p.id,
    p.name_zh ? `${p.name_en} · ${p.name_zh}` : p.name_en,
    el("span", { i18n: `kind.${p.kind}` }),
    status(p.status),
    ...(deciding
      ? [
          el(
            "div",
            { class: "actions" },
            p.status !== "approved" ? button("partners.approve", decide(p, "approve"), { "data-partner": p.id }) : null,
            p.status !== "suspended" ? button("partners.suspend", decide(p, "suspend"), { class: "quiet" }) : null,
          ),
        ]
      : []),
  ];
  const columns = [
    ["partners.id"],
    ["partners.name"],
    ["partners.kind"],
    ["partners.status"],
    ...(deciding ? [["partners.actions"]] : []),
  ];
  show(
    main,
    heading("partners.pending"),
    el("div", { id: "partners-notice", "aria-live": "polite" }),
    out,
    table(columns, pending.map(row), "partners.none"),
    heading("partners.all"),
    table(columns, all.map(row)),
  );
}

/** The pipeline's counts by status: in total and per project. */
export function pipelineTables(pipeline) {
  const statuses = [...TREE_STATUSES, "replaced", "total"];
  const columns = [["orders.project"], ...statuses.map((s) => [`status.${s}`, "num"])];
  const rows = [
    [el("strong", { i18n: "orders.total" }), ...statuses.map((s) => number(pipeline.total[s]))],
    ...pipeline.projects.map((p) => [
      p.project_id || el("span", { i18n: "orders.waiting" }),
      ...statuses.map((s) => number(p.counts[s])),
    ]),
  ];
  return [table(columns, rows), el("p", { class: "muted" }, t("orders.sink", { kg: pipeline.sink.kg_co2 }))];
}

async function orders(main, ctx) {
  const { call, may } = ctx;
  const pipeline = await call("GET", "/v1/operator/trees/pipeline");
  const out = el("div", { "aria-live": "polite", id: "batch-notice" });
  const batch = el("div", { class: "card" }, el("p", { i18n: "orders.batch.hint" }), button("orders.batch", async () => {
    try {
      const made = await call("POST", "/v1/operator/orders");
      await orders(main, ctx);
      say(document.getElementById("batch-notice"), "ok", "orders.batched", made);
    } catch (error) {
      refused(out, error);
    }
  }, { id: "batch" }), out);
  show(
    main,
    heading("orders.title"),
    ...(may("trees.order") ? [batch] : []),
    ...pipelineTables(pipeline),
  );
}

async function quarantine(main, { call }) {
  const body = el("tbody");
  const more = el("div");
  const columns = [["quarantine.id", "num"], ["quarantine.import"], ["quarantine.where", "num"], ["quarantine.code"], ["quarantine.reason"]];
  const head = el("tr", {}, ...columns.map(([key, kind]) => el("th", { i18n: key, class: kind, scope: "col" })));
  const total = el("p", { class: "muted", "aria-live": "polite" });
  async function page(after) {
    const answer = await call("GET", `/v1/quarantine?limit=50${after ? `&after_id=${after}` : ""}`);
    total.textContent = t("quarantine.total", { n: number(answer.total) });
    body.append(
      ...answer.items.map((r) =>
        el("tr", {}, el("td", { class: "num", text: r.id }), el("td", { text: r.import_name }), el("td", { class: "num", text: r.line ?? "" }), el("td", { text: r.code }), el("td", { text: r.reason })),
      ),
    );
    show(more, answer.next_after_id ? button("quarantine.more", () => page(answer.next_after_id).catch((e) => refused(more, e))) : el("span"));
  }
  show(main, heading("quarantine.title"), total, el("div", { class: "scroll" }, el("table", {}, el("thead", {}, head), body)), more);
  await page(null);
}

async function report(main, { call }) {
  const today = new Date().toISOString().slice(0, 10);
  show(
    main,
    heading("report.title"),
    el("p", { i18n: "report.hint" }),
    form(
      "report-form",
      [
        field("from", "report.from", { type: "date", required: true, value: `${today.slice(0, 4)}-01-01` }),
        field("to", "report.to", { type: "date", required: true, value: today }),
        // not "lang": that id is the header's language switch, and a label names the first
        field("report-lang", "report.lang", { tag: "select", options: [["zh", "lang.zh"], ["en", "lang.en"]] }),
        field("hours", "report.hours", { type: "number", min: 1, max: 168, value: 24, required: true }),
      ],
      "report.create",
      async (v, out) => {
        const link = await call("POST", "/v1/operator/report/links", {
          from: v.from,
          to: v.to,
          lang: v["report-lang"],
          expires_in_hours: Number(v.hours),
        });
        show(
          out,
          el("p", { class: "notice ok" }, t("report.made", { at: when(link.expires_at) })),
          el("p", {}, el("a", { href: link.path, target: "_blank", rel: "noopener", id: "report-link", i18n: "report.open" })),
          el("p", { class: "muted hash", text: link.url }),
        );
      },
    ),
  );
}

/** Each view names the permission it reads with; a key whose role lacks it does not see it. */
export const operatorViews = [
  { id: "dashboard", label: "nav.dashboard", render: dashboard, permission: "reports.read" },
  { id: "packs", label: "nav.packs", render: packs, permission: "methodology.read" },
  { id: "partners", label: "nav.partners", render: partners, permission: "partners.read" },
  { id: "orders", label: "nav.orders", render: orders, permission: "reports.read" },
  { id: "quarantine", label: "nav.quarantine", render: quarantine, permission: "quarantine.read" },
  { id: "report", label: "nav.report", render: report, permission: "reports.share" },
];
