// The partner's views: projects, orders and their evidence, scenarios, webhooks and keys.
//
// Each acts with the partner's own key, so the API keeps every partner to its own rows and
// mode; a refused action shows the API's own words.

import { allPages } from "/common/api.js";
import { current, t, when } from "/common/i18n.js";
import { pipelineTables } from "./operator.js";
import { button, el, field, form, heading, number, refused, say, show, status, table } from "./ui.js";

const enc = encodeURIComponent;
const SCOPES = [
  "projects:read", "projects:write", "orders:read", "orders:write", "evidence:write",
  "scenarios:read", "scenarios:write", "events:write", "webhooks:read", "webhooks:write",
  "keys:write", "members:write",
];
const EVENT_TYPES = ["*", "order.created", "order.accepted", "evidence.accepted", "certificate.issued", "tree.lost", "scenario.approved", "scenario.rejected"];
const EVIDENCE = ["planting_date", "planting_gps", "planting_photos", "survival_sample"];

/** Checkboxes named `name`, one per value, labelled by `prefix.value` keys or the value. */
function checks(name, values, keyOf, checked = []) {
  return el(
    "fieldset",
    { class: "checks" },
    el("legend", { i18n: `${name}.legend` }),
    ...values.map((value, i) => {
      const id = `${name}-${i}`;
      return el("div", { class: "check" }, el("input", { type: "checkbox", id, name, value, checked: checked.includes(value) }), keyOf ? el("label", { for: id, i18n: keyOf(value) }) : el("label", { for: id, text: value }));
    }),
  );
}

function chosen(formNode, name) {
  return [...formNode.querySelectorAll(`input[name="${name}"]:checked`)].map((box) => box.value);
}

async function projects(main, ctx) {
  const { call, rerender } = ctx;
  const page = await call("GET", "/v1/partner/projects?limit=200");
  const today = new Date().toISOString().slice(0, 10);
  const rows = page.projects.map((p) => [
    p.id,
    current() === "zh" && p.title_zh ? p.title_zh : p.title_en,
    p.species_id || "",
    number(p.allocated),
    el("form", { class: "inline", "data-project": p.id }, el("label", { for: `cap-${p.id}`, class: "visually-hidden", i18n: "projects.capacity" }), el("input", { id: `cap-${p.id}`, type: "number", min: 1, value: p.capacity, name: "capacity" }), el("button", { type: "submit", class: "quiet", i18n: "projects.save" })),
    status(p.status),
  ]);
  const out = el("div", { "aria-live": "polite" });
  show(
    main,
    heading("projects.title"),
    out,
    table([["projects.id"], ["projects.name"], ["projects.species"], ["projects.allocated", "num"], ["projects.capacity"], ["projects.status"]], rows),
    heading("projects.new", 3),
    form(
      "project-form",
      [
        field("title_en", "projects.title_en", { required: true }),
        field("title_zh", "projects.title_zh"),
        field("species_id", "projects.species", { value: "saxaul", required: true }),
        field("capacity", "projects.capacity", { type: "number", min: 1, value: 100, required: true }),
        field("starts_on", "projects.starts", { type: "date", value: today, required: true }),
        field("site_name", "projects.site", { required: true }),
        field("region_zh", "projects.region_zh", { required: true }),
        field("region_en", "projects.region_en", { required: true }),
        field("lat", "evidence.lat", { type: "number", step: "any", min: -90, max: 90, required: true }),
        field("lon", "evidence.lon", { type: "number", step: "any", min: -180, max: 180, required: true }),
        checks("evidence", EVIDENCE, (v) => `evidence.item.${v}`, EVIDENCE),
        field("status", "projects.status", { tag: "select", options: [["draft", "status.draft"], ["open", "status.open"]] }),
      ],
      "projects.create",
      async (v, formOut, node) => {
        await call("POST", "/v1/partner/projects", {
          outcome: "trees",
          species_id: v.species_id,
          title_en: v.title_en,
          title_zh: v.title_zh || null,
          site: { name: v.site_name, region_zh: v.region_zh, region_en: v.region_en, geometry: { type: "Point", coordinates: [Number(v.lon), Number(v.lat)] } },
          capacity: Number(v.capacity),
          starts_on: v.starts_on,
          evidence_required: chosen(node, "evidence"),
          status: v.status,
        });
        await rerender();
      },
    ),
  );
  for (const node of main.querySelectorAll("form.inline")) {
    node.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await call("PATCH", `/v1/partner/projects/${enc(node.dataset.project)}`, { capacity: Number(node.capacity.value) });
        say(out, "ok", "projects.saved", { id: node.dataset.project });
      } catch (error) {
        refused(out, error);
      }
    });
  }
}

async function orders(main, ctx) {
  const { call } = ctx;
  const wanted = decodeURIComponent(window.location.hash.split("/")[1] || "");
  const [page, pipeline] = await Promise.all([call("GET", "/v1/partner/orders?limit=200"), call("GET", "/v1/partner/pipeline")]);
  const rows = page.items.map((o) => [
    el("a", { href: `#orders/${enc(o.id)}`, text: o.id }),
    o.project_id,
    number(o.units),
    status(o.status),
    when(o.created_at),
  ]);
  const nodes = [
    heading("orders.title"),
    table([["orders.id"], ["orders.project"], ["orders.units", "num"], ["orders.status"], ["orders.created"]], rows, "orders.none"),
  ];
  if (wanted) nodes.push(await order(wanted, ctx));
  nodes.push(heading("orders.pipeline", 3), ...pipelineTables(pipeline));
  show(main, ...nodes);
}

/** One order: its trees, accept or decline while proposed, the planting form once accepted. */
async function order(id, ctx) {
  const { call, rerender } = ctx;
  const detail = await call("GET", `/v1/partner/orders/${enc(id)}`);
  const out = el("div", { "aria-live": "polite", id: "order-notice" });
  const trees = table(
    [["orders.tree"], ["projects.species"], ["orders.status"]],
    detail.trees.map((tree) => [tree.tree_id, tree.species_id, el("span", { class: "tree-status", "data-tree": tree.tree_id, text: current() === "zh" ? tree.status_zh : tree.status_en })]),
  );
  const act = (path, body) => async () => {
    try {
      await call("POST", `/v1/partner/orders/${enc(id)}/${path}`, body && body());
      await rerender();
    } catch (error) {
      refused(out, error);
    }
  };
  const section = el("section", { class: "card", id: "order" }, el("h3", { text: id }), status(detail.status), trees, out);
  if (detail.status === "proposed") {
    const reason = field("reason", "orders.reason");
    section.append(el("div", { class: "actions" }, button("orders.accept", act("accept"), { id: "accept" })), reason, button("orders.decline", act("decline", () => ({ reason: section.querySelector("#reason").value })), { class: "quiet" }));
  }
  const plantable = detail.trees.filter((tree) => tree.status === "ordered" || tree.status === "lost");
  if ((detail.status === "accepted" || detail.status === "fulfilled") && plantable.length) {
    section.append(evidenceForm(id, plantable, ctx));
  }
  return section;
}

/** The planting report of docs/partner-guide/30-orders-and-evidence.md, built from a form. */
function evidenceForm(id, plantable, { call, rerender }) {
  const today = new Date().toISOString().slice(0, 10);
  return form(
    "evidence-form",
    [
      el("h4", { i18n: "evidence.title" }),
      field("planted_on", "evidence.planted_on", { type: "date", value: today, required: true }),
      field("lat", "evidence.lat", { type: "number", step: "any", min: -90, max: 90, required: true }),
      field("lon", "evidence.lon", { type: "number", step: "any", min: -180, max: 180, required: true }),
      field("photos", "evidence.photos", { tag: "textarea", rows: 3, required: true, i18nAttr: "placeholder:evidence.photos.hint" }),
      checks("trees", plantable.map((tree) => tree.tree_id), null, plantable.map((tree) => tree.tree_id)),
      field("irrigation", "evidence.irrigation", { tag: "select", options: [["none", "evidence.irrigation.none"], ["drip", "evidence.irrigation.drip"]] }),
    ],
    "evidence.submit",
    async (v, out, node) => {
      const photos = v.photos.split(/\s+/).filter(Boolean).map((p) => (/^[0-9a-f]{64}$/.test(p) ? { sha256: p } : { url: p }));
      await call("POST", `/v1/partner/orders/${enc(id)}/evidence`, {
        kind: "planting",
        planted_on: v.planted_on,
        location: { lat: Number(v.lat), lon: Number(v.lon) },
        photos,
        trees: chosen(node, "trees").map((tree_id) => ({ tree_id })),
        irrigation: v.irrigation,
      });
      await rerender();
      say(document.getElementById("order-notice"), "ok", "evidence.accepted");
    },
  );
}

/** Every item of a paged list route, as this console's tables show whole lists. */
async function whole(call, path, items) {
  return (await allPages((page) => call("GET", page), path)).flatMap((page) => page[items]);
}

async function scenarios(main, ctx) {
  const { call, rerender } = ctx;
  const items = await whole(call, "/v1/partner/scenarios", "scenarios");
  const out = el("div", { "aria-live": "polite" });
  const rows = items.map((s) => [
    s.id,
    s.title,
    status(s.status),
    s.sandbox_result ? number(s.sandbox_result.energy_g) : "—",
    el(
      "div",
      { class: "actions" },
      s.status === "draft" && s.sandbox_result ? button("scenarios.submit", async () => {
        try {
          await call("POST", `/v1/partner/scenarios/${enc(s.id)}/submit`);
          await rerender();
        } catch (error) {
          refused(out, error);
        }
      }) : null,
    ),
  ]);
  const drafts = items.filter((s) => s.status === "draft" || s.status === "rejected");
  show(
    main,
    heading("scenarios.title"),
    out,
    table([["scenarios.id"], ["scenarios.name"], ["scenarios.status"], ["scenarios.energy", "num"], ["partners.actions"]], rows, "scenarios.none"),
    heading("scenarios.new", 3),
    form(
      "scenario-form",
      [field("title", "scenarios.name", { required: true }), field("fragment", "scenarios.fragment", { tag: "textarea", rows: 8, required: true })],
      "scenarios.create",
      async (v) => {
        await call("POST", "/v1/partner/scenarios", { title: v.title, fragment: v.fragment });
        await rerender();
      },
    ),
    drafts.length
      ? form(
        "sandbox-form",
        [
          el("h3", { i18n: "scenarios.sandbox" }),
          field("scenario", "scenarios.id", { tag: "select", options: [] }),
          field("events", "scenarios.events", { tag: "textarea", rows: 6, required: true }),
        ],
        "scenarios.run",
        async (v, formOut) => {
          const result = await call("POST", `/v1/partner/scenarios/${enc(v.scenario)}/sandbox`, JSON.parse(v.events));
          await rerender();
          say(formOut, "ok", "scenarios.ran", { events: result.events, energy: result.energy_g });
        },
      )
      : el("span"),
  );
  const select = main.querySelector("#scenario");
  if (select) select.append(...drafts.map((s) => el("option", { value: s.id, text: `${s.title} (${s.id})` })));
}

async function webhooks(main, ctx) {
  const { call, rerender } = ctx;
  const list = await whole(call, "/v1/partner/webhooks", "subscriptions");
  const out = el("div", { "aria-live": "polite", id: "webhook-notice" });
  const log = el("div");
  const rows = list.map((w) => [
    w.id,
    w.url,
    w.event_types.join(", "),
    status(w.status),
    el(
      "div",
      { class: "actions" },
      w.status === "active" ? button("webhooks.rotate", async () => {
        try {
          const turned = await call("POST", `/v1/partner/webhooks/${enc(w.id)}/rotate-secret`, {});
          say(out, "ok", "webhooks.secret", { secret: turned.secret });
        } catch (error) {
          refused(out, error);
        }
      }, { class: "quiet" }) : null,
      button("webhooks.deliveries", async () => {
        try {
          const found = await call("GET", `/v1/partner/webhooks/${enc(w.id)}/deliveries?limit=50`);
          show(log, el("h3", { i18n: "webhooks.deliveries" }), table(
            [["webhooks.event"], ["webhooks.status"], ["webhooks.attempts", "num"]],
            found.deliveries.map((d) => [d.event_type, status(d.status), number(d.attempts.length)]),
          ));
        } catch (error) {
          refused(out, error);
        }
      }, { class: "quiet" }),
    ),
  ]);
  show(
    main,
    heading("webhooks.title"),
    out,
    table([["webhooks.id"], ["webhooks.url"], ["webhooks.events"], ["webhooks.status"], ["partners.actions"]], rows, "webhooks.none"),
    log,
    heading("webhooks.new", 3),
    form(
      "webhook-form",
      [field("url", "webhooks.url", { type: "url", required: true }), checks("types", EVENT_TYPES, null, ["*"])],
      "webhooks.create",
      async (v, formOut, node) => {
        const made = await call("POST", "/v1/partner/webhooks", { url: v.url, event_types: chosen(node, "types") });
        await rerender();
        say(document.getElementById("webhook-notice"), "ok", "webhooks.secret", { secret: made.secret });
      },
    ),
  );
}

async function keys(main, ctx) {
  const { call, rerender } = ctx;
  const items = await whole(call, "/v1/partner/keys", "keys");
  const out = el("div", { "aria-live": "polite", id: "key-notice" });
  const secret = (made) => say(document.getElementById("key-notice"), "ok", "keys.secret", { secret: made.secret || made.key.secret });
  const live = items.filter((k) => k.status === "active" || k.status === "expiring");
  const rows = items.map((k) => [
    number(k.id),
    k.name,
    el("span", { i18n: `mode.${k.mode}` }),
    el("span", { class: "scopes", text: k.scopes.join(" ") }),
    status(k.status),
    el(
      "div",
      { class: "actions" },
      live.includes(k) ? button("keys.rotate", async () => {
        try {
          const made = await call("POST", `/v1/partner/keys/${k.id}/rotate`, {});
          await rerender();
          secret(made);
        } catch (error) {
          refused(out, error);
        }
      }, { class: "quiet" }) : null,
      live.includes(k) ? button("keys.revoke", async () => {
        try {
          await call("DELETE", `/v1/partner/keys/${k.id}`);
          await rerender();
        } catch (error) {
          refused(out, error);
        }
      }, { class: "quiet" }) : null,
    ),
  ]);
  show(
    main,
    heading("keys.title"),
    out,
    table([["keys.id", "num"], ["keys.name"], ["keys.mode"], ["keys.scopes"], ["keys.status"], ["partners.actions"]], rows),
    heading("keys.new", 3),
    form(
      "key-form",
      [
        field("name", "keys.name", { required: true }),
        field("mode", "keys.mode", { tag: "select", options: [["sandbox", "mode.sandbox"], ["live", "mode.live"]] }),
        checks("scopes", SCOPES, null, ["projects:read", "orders:read"]),
      ],
      "keys.create",
      async (v, formOut, node) => {
        const made = await call("POST", "/v1/partner/keys", { name: v.name, mode: v.mode, scopes: chosen(node, "scopes") });
        await rerender();
        secret(made);
      },
    ),
  );
}

export const partnerViews = [
  { id: "orders", label: "nav.orders", render: orders, kinds: ["ngo", "operator"] },
  { id: "projects", label: "nav.projects", render: projects, kinds: ["ngo", "operator"] },
  { id: "scenarios", label: "nav.scenarios", render: scenarios, kinds: ["business", "operator"] },
  { id: "webhooks", label: "nav.webhooks", render: webhooks },
  { id: "keys", label: "nav.keys", render: keys },
];
