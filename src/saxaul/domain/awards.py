"""Awards: credited avoided emissions with the provenance an auditor needs to replay them.

An award is the credit of one user for one behaviour on one local day from one slice of one
import; it names the pack id@version, the factor ids and (through ``award_id`` on each event)
the events it came from. It becomes one energy ball of ``energy_g`` grams.
Example: 3 offline payments of ¥10 on 2026-03-01 under ant-forest-2017@1.0.0 → one award of
15 000 mg = 15 g, factor ``offline_payment_g``, events e1, e2, e3.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from saxaul.domain.units import Grams, energy_g_from_mg


@dataclass(frozen=True, slots=True)
class Provenance:
    """Which method and numbers produced an award."""

    pack_id: str
    pack_version: str
    factor_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Award:
    """Credited avoided CO2e for (user, behaviour, local day)."""

    user_id: str
    behaviour: str
    day: dt.date
    avoided_mg: int
    events_counted: int
    provenance: Provenance
    event_ids: tuple[tuple[str, str], ...] = ()

    @property
    def energy_g(self) -> Grams:
        """Green energy in whole grams (1 g CO2e avoided = 1 g energy, rounded down)."""
        return energy_g_from_mg(self.avoided_mg)
