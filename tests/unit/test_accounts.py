"""Ledger account ids: examples of each shape, refusals, and round trips of awkward keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saxaul.domain import accounts
from saxaul.domain.accounts import (
    OWNED_KINDS,
    SYSTEM_KINDS,
    AccountId,
    AccountIdInvalid,
    build,
    key_of,
    kind_of,
    parse,
    prefix,
)
from saxaul.domain.ledger import AccountKind


def test_each_kind_is_owned_or_system_never_both() -> None:
    assert set(AccountKind) == OWNED_KINDS | SYSTEM_KINDS
    assert not OWNED_KINDS & SYSTEM_KINDS


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        (accounts.participant_account_id("u1"), "user:u1"),
        (accounts.ball_account_id("17"), "ball:17"),
        (accounts.tree_account_id("t1"), "tree:t1"),
        (accounts.debt_account_id("u1"), "debt:u1"),
        (accounts.ISSUANCE_ACCOUNT_ID, "issuance"),
        (accounts.GIFTS_ACCOUNT_ID, "gifts"),
        (accounts.EXPIRED_ACCOUNT_ID, "expired"),
        (accounts.PLANTED_ACCOUNT_ID, "planted"),
    ],
)
def test_ids_keep_the_stored_spelling(built: str, expected: str) -> None:
    assert built == expected  # the ledger already holds ids spelled this way (migration 0002)


def test_a_key_may_hold_the_separator() -> None:
    assert parse("user:wx:42") == AccountId(AccountKind.PARTICIPANT, "wx:42")
    assert key_of("debt:a:b:", AccountKind.DEBT) == "a:b:"
    assert kind_of("planted") is AccountKind.PLANTED and parse("planted").key is None


def test_accounts_built_here_carry_their_kind_and_owner() -> None:
    assert accounts.participant_account("u1").user_id == "u1"
    assert accounts.debt_account("u1").kind is AccountKind.DEBT
    assert set(accounts.system_accounts()) == {
        "issuance",
        "gifts",
        "expired",
        "planted",
        "forfeited",
    }
    assert all(a.kind is kind_of(i) for i, a in accounts.system_accounts().items())


@pytest.mark.parametrize(
    "bad",
    ["", "participant:u1", "USER:u1", "issuance:x", "nowhere", ":u1", "users:u1", "ball"],
)
def test_what_names_no_account_is_refused_with_the_shapes_that_do(bad: str) -> None:
    with pytest.raises(AccountIdInvalid) as refused:
        parse(bad)

    assert refused.value.code == "account_id_invalid"
    assert "user:<id>" in refused.value.detail and "issuance" in refused.value.detail


def test_building_needs_a_key_exactly_for_owned_kinds() -> None:
    with pytest.raises(AccountIdInvalid):
        build(AccountKind.BALL)
    with pytest.raises(AccountIdInvalid):
        build(AccountKind.ISSUANCE, "x")
    with pytest.raises(AccountIdInvalid):
        prefix(AccountKind.EXPIRED)


def test_reading_an_id_as_another_kind_fails_loudly() -> None:
    with pytest.raises(AccountIdInvalid, match="is a ball account, not a participant one"):
        key_of("ball:a1", AccountKind.PARTICIPANT)
    with pytest.raises(AccountIdInvalid):
        key_of("issuance", AccountKind.ISSUANCE)


awkward_keys = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    [":", "::", "a:b", ":x:", "issuance", "user:u1", "ball:", "%", "_", " ", "\x00", "树:1"]
)


@given(kind=st.sampled_from(sorted(OWNED_KINDS)), key=awkward_keys)
def test_an_owned_id_reads_back_as_built(kind: AccountKind, key: str) -> None:
    built = build(kind, key)

    assert parse(built) == AccountId(kind, key)
    assert str(parse(built)) == built
    assert key_of(built, kind) == key
    assert built.startswith(prefix(kind))


@given(kind=st.sampled_from(sorted(SYSTEM_KINDS)))
def test_a_system_id_reads_back_as_built(kind: AccountKind) -> None:
    assert parse(build(kind)) == AccountId(kind)


@given(
    a=st.sampled_from(sorted(OWNED_KINDS)), b=st.sampled_from(sorted(OWNED_KINDS)), key=awkward_keys
)
def test_two_accounts_never_share_an_id(a: AccountKind, b: AccountKind, key: str) -> None:
    assert (build(a, key) == build(b, key)) == (a is b)
    assert build(a, key) not in {build(kind) for kind in SYSTEM_KINDS}
