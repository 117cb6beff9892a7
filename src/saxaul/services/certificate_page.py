"""A certificate as one HTML page, Chinese and English side by side, with nothing to fetch.

Why self-contained: the page is saved, mailed and opened years later, offline; it carries its
own style and links to nothing outside itself, so it shows the same everywhere and leaks no
visit to anyone. It is a *view* of a signed file (``certificate_seal.Verified``): the proof is
the JSON file, and the page says how to check it.

Example: ``html_page(verify(data), lang="en")`` → ``"<!DOCTYPE html>…"`` with English labels
first (``lang="zh"``: Chinese first).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any, Literal

from saxaul.services.certificate_seal import Verified, b64url

Lang = Literal["zh", "en"]

LABELS: Mapping[str, tuple[str, str]] = {
    "title": ("植树证书", "Tree certificate"),
    "number": ("证书编号", "Certificate number"),
    "species": ("树种", "Species"),
    "region": ("地区", "Region"),
    "partner": ("合作伙伴", "Partner"),
    "catalogue": ("树种目录版本", "Species catalogue"),
    "mode": ("种植方式", "Planting"),
    "cost": ("所需能量", "Energy cost"),
    "promised": ("承诺时间", "Promised at"),
    "planters": ("种植者（化名）", "Planters (pseudonyms)"),
    "funding": ("资金来源：账本转账", "Funding: ledger transfers"),
    "energy": ("能量来源（先进先出）", "Energy behind it (first in, first out)"),
    "events": ("计分事件", "Scored events"),
    "liability": ("种植义务", "Planting liability"),
    "project": ("项目", "Project"),
    "order": ("种植订单", "Planting order"),
    "evidence": ("凭证", "Evidence"),
    "none_yet": ("尚无", "none yet"),
    "signature": ("签名", "Signature"),
    "verify": ("如何验证", "How to verify"),
}

STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}"
    "h1{color:#2e6b30}table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}"
    "code{font-size:.9em;word-break:break-all}.en{color:#555}"
    "body{overflow-wrap:anywhere}pre{white-space:pre-wrap}"
)
"""The pages' one stylesheet, shared by every signed file's page (certificate, statement)."""
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
"""The CSP source of the page's one inline stylesheet: the participant app opens a certificate
page it fetched with its token as a ``blob:`` document, which runs under the app's own policy."""


def label(name: str, lang: Lang, labels: Mapping[str, tuple[str, str]] = LABELS) -> str:
    """A label of ``labels`` in both languages, ``lang`` first: ``"树种 · Species"``."""
    zh, en = labels[name]
    first, second = (zh, en) if lang == "zh" else (en, zh)
    return f"{first} · {second}"


def esc(value: object) -> str:
    """``value`` as HTML text, escaped; ``None`` as nothing."""
    return escape("" if value is None else str(value))


def rows_html(pairs: Iterable[tuple[str, object]]) -> str:
    """Table rows of (label, value), escaped."""
    return "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in pairs)


def table_html(head: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """A table with ``head`` and ``rows``, every cell escaped."""
    top = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{top}</tr>{body}</table>"


def tree_rows(cert: Mapping[str, Any], lang: Lang) -> list[tuple[str, object]]:
    """The tree's fields as (label, value), as the page and the PDF both show them."""
    tree = cert["tree"]
    species = tree["species"]
    return [
        (label("number", lang), cert["number"]),
        (
            label("species", lang),
            f"{species['name_zh']} · {species['name_en']} ({species['scientific_name']})",
        ),
        (label("region", lang), f"{tree['region']['zh']} · {tree['region']['en']}"),
        (label("partner", lang), f"{tree['partner']['zh']} · {tree['partner']['en']}"),
        (label("catalogue", lang), tree["catalogue"]),
        (label("mode", lang), tree["mode"]),
        (label("cost", lang), f"{tree['cost_g']} g"),
        (label("promised", lang), tree["promised_at"]),
    ]


def html_page(verified: Verified, lang: Lang = "zh") -> str:
    """The page of a verified certificate."""
    cert = verified.certificate
    parts = [
        f"<h1>{esc(label('title', lang))}</h1>",
        "<table>",
        rows_html(tree_rows(cert, lang)),
        "</table>",
        f"<h2>{esc(label('planters', lang))}</h2>",
        table_html(["", "g"], ((p["pseudonym"], p["grams"]) for p in cert["planters"])),
        f"<h2>{esc(label('funding', lang))}</h2>",
        *(_funding(share, cert["awards"], lang) for share in cert["funding"]),
        f"<h2>{esc(label('liability', lang))}</h2>",
        _liability(cert["liability"], lang),
        f"<h2>{esc(label('signature', lang))}</h2>",
        "<table>",
        rows_html(
            [
                ("alg", "Ed25519"),
                ("key_id", verified.key_id),
                ("public_key", b64url(verified.public_key)),
            ]
        ),
        "</table>",
        f"<h2>{esc(label('verify', lang))}</h2>",
        _how_to_verify(cert["number"], verified.key_id),
    ]
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(cert['number'])}</title><style>{STYLE}</style></head><body>"
        + "".join(parts)
        + "</body></html>\n"
    )


def _funding(share: Mapping[str, Any], awards: Mapping[str, Any], lang: Lang) -> str:
    head = (
        f"<h3>#{esc(share['seq'])} {esc(share['kind'])} · {esc(share['planter'] or 'pool')} · "
        f"{esc(share['amount_g'])} g · {esc(share['at'])}</h3>"
    )
    if not share["energy"]:
        return head
    rows = []
    for portion in share["energy"]:
        award = awards.get(portion["award"] or "")
        events = (
            ""
            if award is None
            else "; ".join(
                f"{e['source']}/{e['event_id']} ({e['behaviour']}, {e['occurred_at']})"
                for e in award["events"]
            )
        )
        rows.append(
            [
                portion["grams"],
                portion["kind"],
                "" if award is None else f"{award['behaviour']} · {award['pack']} · {award['day']}",
                events
                + (
                    ""
                    if award is None or award["events_total"] <= len(award["events"])
                    else f" (+{award['events_total'] - len(award['events'])})"
                ),
            ]
        )
    heads = ["g", "kind", "award · pack · day", label("events", lang)]
    return head + f"<p>{esc(label('energy', lang))}</p>" + table_html(heads, rows)


def _liability(liability: Mapping[str, Any] | None, lang: Lang) -> str:
    if liability is None:
        return f"<p>{esc(label('none_yet', lang))}</p>"
    project = liability["project"] or {}
    order = liability["order"] or {}
    summary = rows_html(
        [
            ("status", liability["status"]),
            (label("project", lang), " · ".join(str(v) for v in _project_text(project))),
            (label("order", lang), f"{order.get('id', '')} {order.get('status') or ''}".strip()),
        ]
    )
    evidence = table_html(
        ["id", "kind", "sha256", "reported_at", "outcome"],
        (
            (e["id"], e["kind"], e["sha256"], e["reported_at"], e["outcome"])
            for e in liability["evidence"]
        ),
    )
    return f"<table>{summary}</table><p>{esc(label('evidence', lang))}</p>{evidence}"


def _project_text(project: Mapping[str, Any]) -> list[object]:
    partner = project.get("partner") or {}
    return [
        v
        for v in (
            project.get("id"),
            project.get("title_zh"),
            project.get("title_en"),
            partner.get("name_zh"),
            partner.get("name_en"),
        )
        if v
    ]


def _how_to_verify(number: str, key_id: str) -> str:
    return (
        "<p>此页仅为展示；凭证是签名的 JSON 文件（format=json）。"
        "<span class='en'>This page is a view; the proof is the signed JSON file "
        "(format=json).</span></p>"
        f"<pre><code>saxaul certificate verify {esc(number)}.json --public-key KEY</code></pre>"
        "<p>用实例公开的公钥（GET /v1/certificates/public-key，"
        f"key_id {esc(key_id)}）验证；任何字节被改动，验证都会失败。"
        "<span class='en'>Check it against the instance's published key (GET "
        f"/v1/certificates/public-key, key_id {esc(key_id)}); any changed byte fails "
        "verification. Without Saxaul: Ed25519 over the canonical JSON (RFC 8785) of "
        '"certificate", with any Ed25519 library.</span></p>'
    )
