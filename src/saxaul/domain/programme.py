"""Which pack scores each real-world activity, so one real behaviour earns under one pack only.

Packs declare, per behaviour, the real-world ``activity`` it measures (``metro_trip``,
``walk``). Two active packs measuring one activity would pay twice for one trip — a ride as
ant-forest's ``metro_ride`` (per trip) and again as Shenzhen's ``metro_km`` (per km) — so a
programme chooses one pack per shared activity, and the other packs' behaviours for it are
not scored at all (their events are refused as an unknown behaviour, and quarantined, with
a reason naming the behaviour scored instead: ``Programme.refusal``).

Example: packs ant-forest-2017 (``metro_ride``: metro_trip, ``walking``: walk) and
shenzhen-public-transit-2021 (``metro_km``: metro_trip) with choices
``{"metro_trip": "shenzhen-public-transit-2021"}`` → scored: ``metro_km``, ``walking``;
passed over: ``metro_ride``. Without the choice: ``ProgrammeInvalid`` naming metro_trip and
both behaviours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from saxaul.domain.errors import ProgrammeInvalid
from saxaul.domain.methodology import Behaviour, Pack


@dataclass(frozen=True, slots=True)
class Programme:
    """The active packs and, for each activity more than one of them measures, the chosen one.

    ``choices`` pairs (activity, pack id), sorted. Build it with ``programme``, which refuses
    an unchosen shared activity and a choice that cannot apply.
    """

    packs: tuple[Pack, ...]
    choices: tuple[tuple[str, str], ...] = ()

    def scored(self) -> tuple[tuple[Pack, Behaviour], ...]:
        """Every (pack, behaviour) the programme scores, in pack then behaviour order."""
        chosen = dict(self.choices)
        return tuple(
            (pack, behaviour)
            for pack in self.packs
            for behaviour in pack.behaviours
            if behaviour.activity is None or chosen.get(behaviour.activity, pack.id) == pack.id
        )

    def passed_over(self) -> dict[str, str]:
        """Behaviour id → the pack chosen for its activity, for the behaviours not scored."""
        chosen = dict(self.choices)
        return {
            behaviour.id: chosen[behaviour.activity]
            for pack in self.packs
            for behaviour in pack.behaviours
            if behaviour.activity in chosen and chosen[behaviour.activity] != pack.id
        }

    def refusal(self, behaviour_id: str) -> str:
        """Why an event naming ``behaviour_id`` is not scored, and what to send instead.

        A passed-over behaviour's sender usually meant the same real activity, so the reason
        names the behaviour the programme scores for it and the choice that would switch
        packs; for any other id, the ids that are scored.
        """
        chosen = dict(self.choices)
        scored = self.scored()
        for pack in self.packs:
            for behaviour in pack.behaviours:
                activity = behaviour.activity
                if (
                    behaviour.id != behaviour_id
                    or activity is None
                    or chosen.get(activity, pack.id) == pack.id
                ):
                    continue
                instead = [b.id for p, b in scored if b.activity == activity]
                return (
                    f"behaviour '{behaviour_id}' ({pack.id}) measures {activity}, which this "
                    f"programme scores as {' or '.join(repr(i) for i in instead)} under "
                    f"{chosen[activity]}; send {' or '.join(instead)}, or choose the pack with "
                    f"SAXAUL_ACTIVITY_PACKS={activity}={pack.id}"
                )
        ids = ", ".join(sorted(b.id for _, b in scored))
        return f"behaviour '{behaviour_id}' is not scored by this programme; send one of: {ids}"


def measured(packs: Sequence[Pack]) -> dict[str, dict[str, list[str]]]:
    """Activity → pack ref → the ids of its behaviours that measure the activity."""
    found: dict[str, dict[str, list[str]]] = {}
    for pack in packs:
        for behaviour in pack.behaviours:
            if behaviour.activity is not None:
                found.setdefault(behaviour.activity, {}).setdefault(pack.ref, []).append(
                    behaviour.id
                )
    return found


def programme(packs: Sequence[Pack], choices: Mapping[str, str]) -> Programme:
    """The programme of ``packs`` with ``choices`` (activity → pack id), checked.

    Refused with ``ProgrammeInvalid``: an activity measured by several packs and not chosen
    (``fields["activity"]``), and a choice naming an activity no active pack measures or a
    pack that does not measure it.
    """
    by_activity = measured(packs)
    for activity, pack_id in sorted(choices.items()):
        owners = by_activity.get(activity)
        if owners is None:
            known = ", ".join(sorted(by_activity)) or "none"
            raise ProgrammeInvalid(
                f"activity {activity!r} is not measured by any active pack; activities: {known}",
                activity=activity,
            )
        if not any(ref.partition("@")[0] == pack_id for ref in owners):
            raise ProgrammeInvalid(
                f"activity {activity!r} cannot be scored by {pack_id!r}: it is measured by "
                f"{_owners(owners)}",
                activity=activity,
            )
    for activity, owners in sorted(by_activity.items()):
        if len(owners) > 1 and activity not in choices:
            raise ProgrammeInvalid(
                f"activity {activity!r} is measured by several active packs: {_owners(owners)}; "
                "one real activity may earn only once, so the programme must choose the pack "
                "that scores it",
                activity=activity,
            )
    return Programme(tuple(packs), tuple(sorted(choices.items())))


def _owners(owners: Mapping[str, list[str]]) -> str:
    return ", ".join(f"{ref} ({', '.join(ids)})" for ref, ids in sorted(owners.items()))
