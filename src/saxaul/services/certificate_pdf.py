"""A certificate as a PDF: Chinese in reportlab's built-in CID font, English in Helvetica.

Why these fonts: ``STSong-Light`` is one of the Adobe Asian fonts every PDF reader carries, so
the file embeds no font (no CJK TrueType font is shipped here, and none is needed) and the
Chinese text stays text, searchable and copyable; Helvetica is a standard PDF font. Each run of
text takes the font its script needs. ``invariant`` makes the same certificate give the same
bytes (no creation time or random document id), like the signed file it shows.

Example: ``pdf_bytes(verify(data), lang="zh")`` → ``b"%PDF-1.4…"``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from saxaul.services.certificate_page import Lang, label, tree_rows
from saxaul.services.certificate_seal import Verified, b64url

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
_CJK_FROM = 0x2E80
"""The first CJK code point (radicals); every script below it is drawn in Helvetica."""

pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))

_BODY = ParagraphStyle("body", fontName=LATIN_FONT, fontSize=9, leading=12, wordWrap="CJK")
_HEAD = ParagraphStyle("head", parent=_BODY, fontSize=12, leading=16, spaceBefore=6)
_TITLE = ParagraphStyle("title", parent=_BODY, fontSize=18, leading=24)


def _runs(text: object) -> str:
    """``text`` as Paragraph markup, each run in the font its script needs."""
    out: list[str] = []
    run, cjk = "", False
    for char in "" if text is None else str(text):
        is_cjk = ord(char) >= _CJK_FROM
        if run and is_cjk != cjk:
            out.append(_font(run, cjk))
            run = ""
        run, cjk = run + char, is_cjk
    if run:
        out.append(_font(run, cjk))
    return "".join(out)


def _font(run: str, cjk: bool) -> str:
    return f'<font face="{CJK_FONT if cjk else LATIN_FONT}">{escape(run)}</font>'


def _para(text: object, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(_runs(text), style)


def _fields(pairs: Iterable[tuple[str, object]]) -> list[Flowable]:
    return [_para(f"{name}: {value}") for name, value in pairs]


def pdf_bytes(verified: Verified, lang: Lang = "zh") -> bytes:
    """The PDF of a verified certificate (A4)."""
    cert = verified.certificate
    story: list[Flowable] = [
        _para(label("title", lang), _TITLE),
        *_fields(tree_rows(cert, lang)),
        _para(label("planters", lang), _HEAD),
        *(_para(f"{p['pseudonym']}: {p['grams']} g") for p in cert["planters"]),
        _para(label("funding", lang), _HEAD),
    ]
    for share in cert["funding"]:
        story.extend(_share(share, cert["awards"]))
    story.append(_para(label("liability", lang), _HEAD))
    story.extend(_liability(cert["liability"], lang))
    story.extend(
        [
            _para(label("signature", lang), _HEAD),
            *_fields(
                [
                    ("alg", "Ed25519"),
                    ("key_id", verified.key_id),
                    ("public_key", b64url(verified.public_key)),
                ]
            ),
            _para(label("verify", lang), _HEAD),
            _para(
                "凭证是签名的 JSON 文件：saxaul certificate verify FILE --public-key KEY。"
                "The proof is the signed JSON file: saxaul certificate verify FILE "
                "--public-key KEY, with the key of GET /v1/certificates/public-key."
            ),
        ]
    )
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        invariant=1,
        title=str(cert["number"]),
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    doc.build(story)
    return out.getvalue()


def _share(share: Mapping[str, Any], awards: Mapping[str, Any]) -> list[Flowable]:
    out: list[Flowable] = [
        Spacer(1, 3),
        _para(
            f"#{share['seq']} {share['kind']} · {share['planter'] or 'pool'} · "
            f"{share['amount_g']} g · {share['at']}"
        ),
    ]
    for portion in share["energy"]:
        award = awards.get(portion["award"] or "")
        text = f"    {portion['grams']} g ← {portion['kind']}"
        if award is not None:
            events = ", ".join(f"{e['source']}/{e['event_id']}" for e in award["events"])
            text += f" · {award['behaviour']} · {award['pack']} · {award['day']} · {events}"
        out.append(_para(text))
    return out


def _liability(liability: Mapping[str, Any] | None, lang: Lang) -> list[Flowable]:
    if liability is None:
        return [_para(label("none_yet", lang))]
    project = liability["project"] or {}
    order = liability["order"] or {}
    return [
        *_fields(
            [
                ("status", liability["status"]),
                (label("project", lang), project.get("id", "")),
                (label("order", lang), f"{order.get('id', '')} {order.get('status') or ''}"),
            ]
        ),
        *(
            _para(f"{e['kind']} {e['outcome']} · sha256 {e['sha256']} · {e['reported_at']}")
            for e in liability["evidence"]
        ),
    ]
