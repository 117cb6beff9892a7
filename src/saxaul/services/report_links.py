"""Share links to the impact report: a signed capability a browser can open without a header.

Why a capability and not a stored row: an operator hands the page to people who hold no key (a
board, a partner, a browser tab), and a browser cannot send ``Authorization``. The link's token
says what it grants — the period, the language of the page and until when — and carries an
HMAC-SHA256 over exactly that, keyed with a secret derived from the instance's signing key
(``services.instance_keys``, purpose ``report-links``), so nothing is stored, every process of
the instance checks it alike, and changing any part (another period, a later expiry) breaks the
signature. The secret exists only where the key file is; replacing the key ends every link.

A link lives ``DEFAULT_TTL`` unless asked otherwise, at most ``MAX_TTL``: it cannot be revoked
one by one, so it must not outlive the need for it.

Example: ``create_link(rt, date(2016, 8, 1), date(2017, 1, 31), "en").token`` →
``"20160801.20170131.en.1785312000.q2Xn…"``; ``shared_report_html(rt, token)`` → the page, or
``report_link_invalid`` (tampered, truncated) / ``report_link_expired``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from saxaul.domain.errors import Forbidden, InputRejected, NotFound
from saxaul.services.certificate_page import Lang
from saxaul.services.impact import check_period, impact_report
from saxaul.services.impact_page import impact_html
from saxaul.services.runtime import Runtime

DEFAULT_TTL = dt.timedelta(hours=24)
MAX_TTL = dt.timedelta(days=7)
PURPOSE = "report-links"
"""What the derived secret is for; a secret per purpose, so no other signature verifies here."""
_DATE = "%Y%m%d"
_LANGS: dict[str, Lang] = {"zh": "zh", "en": "en"}
_INVALID = "this report link is not genuine (changed or cut short); ask the operator for a new one"


@dataclass(frozen=True, slots=True)
class ReportLink:
    """What a share link grants, and its token."""

    token: str
    start: dt.date
    end: dt.date
    lang: Lang
    expires_at: dt.datetime


def create_link(
    rt: Runtime, start: dt.date, end: dt.date, lang: Lang, ttl: dt.timedelta = DEFAULT_TTL
) -> ReportLink:
    """A link to the report of ``start``..``end`` with ``lang`` first, valid for ``ttl``."""
    check_period(start, end)
    if not dt.timedelta(0) < ttl <= MAX_TTL:
        raise InputRejected(
            f"a report link lives for a positive time up to {MAX_TTL.days} days, not {ttl}",
            field="ttl",
        )
    expires = int((rt.clock.now() + ttl).timestamp())
    payload = f"{start:{_DATE}}.{end:{_DATE}}.{lang}.{expires}"
    token = f"{payload}.{_signature(rt, payload)}"
    return ReportLink(token, start, end, lang, dt.datetime.fromtimestamp(expires, dt.UTC))


def open_link(rt: Runtime, token: str) -> ReportLink:
    """What a genuine, unexpired token grants; refused with ``report_link_invalid`` (404: as if
    no such page existed) or ``report_link_expired`` (403)."""
    payload, _, signature = token.rpartition(".")
    if not hmac.compare_digest(signature.encode(), _signature(rt, payload).encode()):
        raise NotFound(_INVALID, code="report_link_invalid")
    first, last, lang, expires = payload.split(".")
    # signed by this instance, so well formed; the parse is only as strict as create_link
    expires_at = dt.datetime.fromtimestamp(int(expires), dt.UTC)
    if rt.clock.now() >= expires_at:
        raise Forbidden(
            f"this report link expired at {expires_at.isoformat()}; ask the operator for a new one",
            code="report_link_expired",
            expired_at=expires_at.isoformat(),
        )
    start = dt.datetime.strptime(first, _DATE).date()
    end = dt.datetime.strptime(last, _DATE).date()
    return ReportLink(token, start, end, _LANGS[lang], expires_at)


def shared_report_html(rt: Runtime, token: str) -> str:
    """The impact report page a genuine, unexpired link grants."""
    link = open_link(rt, token)
    return impact_html(impact_report(rt, link.start, link.end), link.lang)


def _signature(rt: Runtime, payload: str) -> str:
    digest = hmac.new(rt.keys.secret(PURPOSE), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
