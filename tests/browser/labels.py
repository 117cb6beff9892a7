"""Every label a page shows, with its key: what the language tests of the app and the consoles
compare across Chinese, English and Chinese again.

Why one helper: both page sets label by ``data-i18n`` (text) and ``data-i18n-attr``
(``attr:key;…``) through ``common/i18n.js``, so one reading of the page serves both tests.
A label counts when it is drawn, or when it is a title read rather than drawn (the document's,
or an SVG chart's, which a screen reader announces).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

LABELS_JS = """() => {
  const shown = (e) => e.getClientRects().length > 0 || ['TITLE', 'title'].includes(e.tagName);
  const texts = [...document.querySelectorAll('[data-i18n]')].filter(shown)
    .map((e) => [e.dataset.i18n, e.textContent.trim()]);
  const attrs = [...document.querySelectorAll('[data-i18n-attr]')].flatMap((e) =>
    e.dataset.i18nAttr.split(';').map((pair) => {
      const [attr, key] = pair.split(':').map((part) => part.trim());
      return [key, e.getAttribute(attr)];
    }));
  return {labels: [...texts, ...attrs], body: document.body.innerText,
          untranslated: document.documentElement.dataset.untranslated ?? null};
}"""


def labels(page: Page) -> dict[str, Any]:
    """``labels``: ``[key, text]`` pairs in page order; ``body``: the page's visible text;
    ``untranslated``: what ``common/i18n.js`` found no word for (``None`` when nothing)."""
    found: dict[str, Any] = page.evaluate(LABELS_JS)
    return found
