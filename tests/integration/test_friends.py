"""Friends on SQLite and PostgreSQL: invitations, acceptance, removal, and the game's queries."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Connection

from saxaul.domain.errors import DomainError, NotFound
from saxaul.domain.friends import Friendship, FriendshipRefused, FriendshipStatus
from saxaul.domain.paging import MAX_PAGE
from saxaul.services import friends, participants
from saxaul.services.friends import Friend
from saxaul.services.runtime import Runtime
from saxaul.store import friends_repo
from tests.conftest import FakeClock


@pytest.fixture
def people(runtime: Runtime, tmp_path: Path) -> Runtime:
    """u1 … u5 enrolled (u5 without consent: friendship does not need it)."""
    path = tmp_path / "people.csv"
    pl.DataFrame(
        {
            "user_id": ["u1", "u2", "u3", "u4", "u5"],
            "enrolled_at": ["2026-01-01T00:00:00+08:00"] * 5,
            "consent": ["true"] * 4 + ["false"],
        }
    ).write_csv(path)
    participants.import_participants(runtime, path)
    return runtime


def test_an_invitation_waits_until_the_invitee_accepts(people: Runtime, clock: FakeClock) -> None:
    invited = friends.invite(people, "u2", "u1")
    invited_at = clock.now()
    clock.advance(hours=1)

    assert (invited.user_low, invited.user_high, invited.inviter) == ("u1", "u2", "u2")
    assert invited.status is FriendshipStatus.PENDING
    assert friends.list_friends(people, "u1", limit=MAX_PAGE).incoming == [Friend("u2", invited_at)]
    assert friends.list_friends(people, "u2", limit=MAX_PAGE).outgoing == [Friend("u1", invited_at)]

    accepted = friends.accept(people, "u1", "u2")

    assert accepted.status is FriendshipStatus.ACCEPTED and accepted.since == clock.now()
    for user, other in [("u1", "u2"), ("u2", "u1")]:
        listing = friends.list_friends(people, user, limit=MAX_PAGE)
        assert listing.friends == [Friend(other, clock.now())]
        assert listing.incoming == listing.outgoing == []


def test_inviting_again_is_harmless_and_inviting_back_accepts(people: Runtime) -> None:
    first = friends.invite(people, "u1", "u3")

    assert friends.invite(people, "u1", "u3") == first
    back = friends.invite(people, "u3", "u1")

    assert back.status is FriendshipStatus.ACCEPTED and back.inviter == "u1"
    with pytest.raises(FriendshipRefused) as refused:
        friends.invite(people, "u3", "u1")
    assert refused.value.code == "already_friends"


def test_only_the_invitee_can_accept(people: Runtime) -> None:
    friends.invite(people, "u1", "u2")

    with pytest.raises(NotFound):
        friends.accept(people, "u1", "u2")  # the inviter cannot accept their own invitation
    with pytest.raises(NotFound):
        friends.accept(people, "u3", "u1")  # nor can a bystander
    friends.accept(people, "u2", "u1")

    assert friends.accept(people, "u2", "u1").status is FriendshipStatus.ACCEPTED  # a retry


@pytest.mark.parametrize(
    ("inviter", "invitee", "error", "code"),
    [
        ("u1", "u1", FriendshipRefused, "own_account"),
        ("u1", "nobody", NotFound, "not_found"),
    ],
)
def test_refused_invitations_store_nothing(
    people: Runtime, inviter: str, invitee: str, error: type[DomainError], code: str
) -> None:
    with pytest.raises(error) as refused:
        friends.invite(people, inviter, invitee)

    assert refused.value.code == code and refused.value.fields["detail_zh"]
    assert friends.list_friends(people, inviter, limit=MAX_PAGE) == friends.FriendList([], [], [])


def test_a_participant_without_consent_can_be_a_friend(people: Runtime) -> None:
    friends.invite(people, "u1", "u5")

    assert friends.accept(people, "u5", "u1").status is FriendshipStatus.ACCEPTED


def test_either_side_removes_and_a_pending_invitation_can_be_declined_or_cancelled(
    people: Runtime,
) -> None:
    friends.invite(people, "u1", "u2")
    friends.accept(people, "u2", "u1")
    friends.invite(people, "u1", "u3")
    friends.invite(people, "u4", "u1")

    friends.remove(people, "u2", "u1")  # a friend ends it
    friends.remove(people, "u1", "u3")  # the inviter cancels
    friends.remove(people, "u1", "u4")  # the invitee declines

    assert friends.list_friends(people, "u1", limit=MAX_PAGE) == friends.FriendList([], [], [])
    with pytest.raises(NotFound):
        friends.remove(people, "u1", "u2")
    assert friends.invite(people, "u2", "u1").status is FriendshipStatus.PENDING


def test_the_game_asks_about_many_pairs_at_once(people: Runtime) -> None:
    for a, b in [("u1", "u2"), ("u1", "u3"), ("u4", "u3")]:
        friends.invite(people, a, b)
        friends.accept(people, b, a)
    friends.invite(people, "u2", "u4")  # pending: not friends yet

    with people.db.engine.connect() as conn:
        found = friends_repo.accepted_pairs(
            conn, [("u2", "u1"), ("u3", "u1"), ("u2", "u4"), ("u1", "u1"), ("u1", "u5")]
        )
        u3_friends = friends_repo.friends_of(conn, "u3")
        nobody = friends_repo.accepted_pairs(conn, [])

    assert found == {frozenset({"u1", "u2"}), frozenset({"u1", "u3"})}
    assert u3_friends == ["u1", "u4"]
    assert nobody == set()


def test_accepted_pairs_answers_more_pairs_than_sqlite_binds_parameters(people: Runtime) -> None:
    """The pairs are one JSON parameter: more of them than SQLite's 32,766 bound parameters."""
    friends.invite(people, "u1", "u2")
    friends.accept(people, "u2", "u1")
    strangers = [(f"x{i}", f"y{i}") for i in range(17_000)]

    with people.db.engine.connect() as conn:
        found = friends_repo.accepted_pairs(conn, [*strangers, ("u2", "u1")])

    assert found == {frozenset({"u1", "u2"})}


def test_an_invitation_crossing_the_other_in_flight_accepts_it(
    people: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """u2's invitation commits between u1's read and u1's write: u1's becomes an acceptance.

    Only PostgreSQL lets it in: on SQLite a write unit of work holds the write lock from its
    first read (``store.uow``), so no invitation can cross another there.
    """
    if people.db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises write units of work from their first read")
    real_get_pair = friends_repo.get_pair

    def read_then_let_u2_invite(conn: Connection, a: str, b: str) -> Friendship | None:
        found = real_get_pair(conn, a, b)
        monkeypatch.setattr(friends_repo, "get_pair", real_get_pair)
        with people.db.engine.begin() as other:
            assert friends_repo.insert_invite(other, "u2", "u1", people.clock.now())
        return found

    monkeypatch.setattr(friends_repo, "get_pair", read_then_let_u2_invite)

    crossed = friends.invite(people, "u1", "u2")

    assert (crossed.status, crossed.inviter) == (FriendshipStatus.ACCEPTED, "u2")
