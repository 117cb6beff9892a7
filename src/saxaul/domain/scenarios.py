"""Business green scenarios: a partner's own behaviour, scored as a pack version it cannot forge.

Why the platform names and numbers the pack: a business proposes the content (sources,
factors, behaviours, test vectors), but the pack id is ``scenario-<partner id>`` and its
version is decided at approval, so no business can publish under another's id, and an
approved version, like every pack version, never changes (awards name it for replay).

Why MAJOR or MINOR: the format's rules (docs/methodology-format.md, "Versioning") say a change
to how a kept behaviour scores — its formula, rate, caps or eligibility rules — is MAJOR, and
added behaviours, factors or vectors are MINOR. A first approval is ``1.0.0``.

Example: ``scenario_pack_id("acme-coffee")`` → ``"scenario-acme-coffee"``; an approval after
``1.0.0`` whose only change is a new behaviour → ``next_version(previous, candidate)`` =
``"1.1.0"``; one that lowers a kept behaviour's day cap → ``"2.0.0"``.
"""

from __future__ import annotations

from enum import StrEnum

from saxaul.domain.methodology import Behaviour, Pack, rate_mg_per_unit
from saxaul.domain.units import MG_PER_G

PACK_PREFIX = "scenario-"
DRAFT_VERSION = "0.0.0-draft"
"""The version a fragment is validated and sandboxed under before an approval numbers it."""
FIRST_VERSION = "1.0.0"


class ScenarioStatus(StrEnum):
    """Where a scenario stands."""

    DRAFT = "draft"
    """Being written: its fragment may change; each change needs a new sandbox run."""
    SUBMITTED = "submitted"
    """Waiting for an operator: frozen."""
    APPROVED = "approved"
    """Registered as a pack version with a budget: live events are scored under it."""
    REJECTED = "rejected"
    """Refused with a note; revising the fragment makes it a draft again."""
    SUSPENDED = "suspended"
    """Stopped by an operator: no more live events."""


EDITABLE = frozenset({ScenarioStatus.DRAFT, ScenarioStatus.REJECTED})
"""Statuses whose fragment a partner may still change."""


def scenario_pack_id(partner_id: str) -> str:
    """The one pack id a partner's scenarios are published under."""
    return PACK_PREFIX + partner_id


def _scoring(pack: Pack, behaviour: Behaviour) -> tuple[object, ...]:
    """What decides a behaviour's credit: a change to any of it is a MAJOR change."""
    return (
        behaviour.formula,
        rate_mg_per_unit(pack, behaviour),
        behaviour.caps,
        behaviour.min_amount_minor,
        behaviour.one_per,
        behaviour.earns_after,
        behaviour.activity,
        pack.timezone,
        pack.effective_from,
        pack.effective_to,
    )


def next_version(previous: Pack | None, candidate: Pack) -> str:
    """The version ``candidate`` is published as after ``previous`` (the highest so far)."""
    if previous is None:
        return FIRST_VERSION
    major, minor, _patch = (int(part) for part in previous.version.split("-")[0].split("."))
    kept = {b.id: b for b in candidate.behaviours}
    for behaviour in previous.behaviours:
        now = kept.get(behaviour.id)
        if now is None or _scoring(previous, behaviour) != _scoring(candidate, now):
            return f"{major + 1}.0.0"
    return f"{major}.{minor + 1}.0"


def budget_left_mg(budget_g: int, credited_mg: int) -> int:
    """Milligrams still creditable under a budget of ``budget_g`` grams (never below 0).

    Why milligrams: awards are floored to whole grams one by one, so keeping the credited
    milligrams within the budget keeps the energy issued within it too.
    """
    return max(0, budget_g * MG_PER_G - credited_mg)


BUDGET_MAX_G = 10**12
"""The largest budget an operator may grant (a million tonnes of energy): its milligrams still
fit a 64-bit sum with room to spare."""
