"""A personal carbon statement as one HTML page, Chinese and English, with nothing to fetch.

Why built on the server from a verified file: the page is a *view* of the signed statement
(``statement_seal.VerifiedStatement``) and shows nothing the signature does not cover. Like the
certificate page it is self-contained — its one stylesheet is the certificate page's, allowed by
hash under the pages' Content-Security-Policy, and it has no script at all — so the participant
app can open it as a ``blob:`` page, and a saved copy reads the same offline years later.

Example: ``html_page(verify(data), lang="en")`` → ``"<!DOCTYPE html>…"`` with English labels
first (``lang="zh"``: Chinese first).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from saxaul.services.certificate_page import (
    STYLE,
    Lang,
    esc,
    label,
    rows_html,
    table_html,
)
from saxaul.services.sealed_document import b64url
from saxaul.services.statement_seal import VerifiedStatement

LABELS: Mapping[str, tuple[str, str]] = {
    "title": ("个人碳账户对账单", "Personal carbon statement"),
    "participant": ("参与者", "Participant"),
    "user_id": ("化名编号", "Pseudonymous id"),
    "enrolled": ("加入时间", "Enrolled at"),
    "consent": ("同意范围", "Consent scopes"),
    "consent_at": ("同意时间", "Consent given at"),
    "withdrawn_at": ("撤回时间", "Consent withdrawn at"),
    "demographics": ("人口信息", "Demographics held"),
    "sign_in": ("登录名", "Sign-in name"),
    "period": ("对账期间", "Period covered"),
    "generated": ("生成时间", "Generated at"),
    "issuer": ("签发实例", "Issuing instance"),
    "totals": ("合计", "Totals"),
    "energy": ("可用能量", "Energy"),
    "owed": ("欠款", "Owed"),
    "in_balls": ("能量球中", "In balls"),
    "awarded": ("获得的能量", "Energy awarded"),
    "avoided": ("减少的二氧化碳", "CO2 avoided"),
    "awards": ("计分记录与方法", "Awards and their method"),
    "balls": ("能量球去向", "What became of each ball"),
    "history": ("能量流水", "Energy history"),
    "trees": ("我的树", "Trees"),
    "notice": ("说明", "Notice"),
    "signature": ("签名", "Signature"),
    "verify": ("如何验证", "How to verify"),
    "none": ("无", "none"),
}


def _label(name: str, lang: Lang) -> str:
    return label(name, lang, LABELS)


def _h2(name: str, lang: Lang) -> str:
    return f"<h2>{esc(_label(name, lang))}</h2>"


def html_page(verified: VerifiedStatement, lang: Lang = "zh") -> str:
    """The page of a verified statement."""
    doc = verified.statement
    person = doc["participant"]
    totals = doc["totals"]
    consent = person["consent"]
    demographics = person["demographics"] or {}
    parts = [
        f"<h1>{esc(_label('title', lang))}</h1>",
        "<table>",
        rows_html(
            [
                (_label("user_id", lang), person["user_id"]),
                (_label("period", lang), f"{doc['period']['from']} – {doc['period']['to']}"),
                (_label("generated", lang), doc["generated_at"]),
                (
                    _label("issuer", lang),
                    f"{doc['issuer']['software']} "
                    f"{doc['issuer']['version']} · key {doc['issuer']['key_id']}",
                ),
                (_label("enrolled", lang), person["enrolled_at"]),
                (_label("consent", lang), ", ".join(consent["scopes"]) or "—"),
                (_label("consent_at", lang), consent["given_at"] or "—"),
                (_label("withdrawn_at", lang), consent["withdrawn_at"] or "—"),
                (
                    _label("demographics", lang),
                    " · ".join(f"{k}: {v}" for k, v in demographics.items() if v is not None)
                    or "—",
                ),
                (_label("sign_in", lang), (person["sign_in"] or {}).get("name") or "—"),
            ]
        ),
        "</table>",
        _h2("notice", lang),
        _notice(doc["notice"], lang),
        _h2("totals", lang),
        "<table>",
        rows_html(
            [
                (_label("energy", lang), f"{totals['energy_g']} g"),
                (_label("owed", lang), f"{totals['owed_g']} g"),
                (_label("in_balls", lang), f"{totals['in_balls_g']} g"),
                (_label("awarded", lang), f"{totals['awarded_g']} g"),
                (_label("avoided", lang), f"{totals['avoided_mg'] / 1000:.3f} g CO2"),
            ]
        ),
        "</table>",
        _h2("awards", lang),
        _awards(doc["awards"], lang),
        _h2("balls", lang),
        table_html(
            ["id", "behaviour", "g", "fate", "taken", "left g", "created_at"],
            (
                (
                    b["id"],
                    b["behaviour"],
                    b["amount_g"],
                    b["fate"],
                    ", ".join(f"{k} {v} g" for k, v in b["taken"].items()),
                    b["remaining_g"],
                    b["created_at"],
                )
                for b in doc["balls"]
            ),
        ),
        _h2("history", lang),
        table_html(
            ["#", "at", "kind", "g", "from", "to"],
            (
                (e["seq"], e["at"], e["kind"], e["amount_g"], e["from"], e["to"])
                for e in doc["history"]
            ),
        ),
        _h2("trees", lang),
        _trees(doc["trees"], lang),
        _h2("signature", lang),
        "<table>",
        rows_html(
            [
                ("alg", "Ed25519"),
                ("key_id", verified.key_id),
                ("public_key", b64url(verified.public_key)),
            ]
        ),
        "</table>",
        _h2("verify", lang),
        _how_to_verify(verified.key_id),
    ]
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(_label('title', lang))} · {esc(person['user_id'])}</title>"
        f"<style>{STYLE}</style></head><body>" + "".join(parts) + "</body></html>\n"
    )


def _notice(notice: Mapping[str, str], lang: Lang) -> str:
    first, second = ("zh", "en") if lang == "zh" else ("en", "zh")
    return f"<p>{esc(notice.get(first))}</p><p class='en'>{esc(notice.get(second))}</p>"


def _awards(awards: list[Mapping[str, Any]], lang: Lang) -> str:
    if not awards:
        return f"<p>{esc(_label('none', lang))}</p>"
    rows = []
    for a in awards:
        factors = "; ".join(
            f"{f['id']} = {f['value']} {f['unit']} ({f['source']['title']})" for f in a["factors"]
        )
        events = "; ".join(f"{e['source']}/{e['event_id']} {e['occurred_at']}" for e in a["events"])
        more = a["events_total"] - len(a["events"])
        rows.append(
            [
                a["id"],
                f"{a['name_zh']} · {a['name_en']}",
                a["day"],
                a["pack"],
                a["formula"],
                factors,
                events + (f" (+{more})" if more > 0 else ""),
                f"{a['avoided_mg'] / 1000:.3f}",
                a["energy_g"],
            ]
        )
    head = ["id", "behaviour", "day", "pack", "formula", "factors", "events", "CO2 g", "g"]
    return table_html(head, rows)


def _trees(trees: list[Mapping[str, Any]], lang: Lang) -> str:
    if not trees:
        return f"<p>{esc(_label('none', lang))}</p>"
    rows = []
    for t in trees:
        species = t["species"]
        partner = species.get("partner") or {}
        project = (t["liability"] or {}).get("project") or {}
        evidence = t["evidence"]
        rows.append(
            [
                t["id"],
                f"{species.get('name_zh', '')} · {species.get('name_en', species['id'])}",
                t["status"],
                f"{partner.get('zh', '')} · {partner.get('en', '')}",
                project.get("title_en") or project.get("id") or "—",
                f"{evidence['documents']} · {evidence['latest_outcome'] or '—'}",
                (t["certificate"] or {}).get("certificate", {}).get("number", "—"),
            ]
        )
    head = ["id", "species", "status", "partner", "project", "evidence", "certificate"]
    return table_html(head, rows)


def _how_to_verify(key_id: str) -> str:
    return (
        "<p>此页仅为展示；凭证是签名的 JSON 文件。"
        "<span class='en'>This page is a view; the proof is the signed JSON file.</span></p>"
        "<pre><code>saxaul statement verify statement.json --key KEY</code></pre>"
        f"<p>用签发实例公开的公钥（key_id {esc(key_id)}）验证；任何字节被改动，验证都会失败。"
        "<span class='en'>Check it against the issuing instance's published key (GET "
        f"/v1/certificates/public-key, key_id {esc(key_id)}); any changed byte fails. "
        'Without Saxaul: Ed25519 over the canonical JSON (RFC 8785) of "statement".</span></p>'
    )
