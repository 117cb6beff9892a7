"""The energy ledger: one example per result code, then properties over random batches.

Properties: after any batch Σ balances = 0 and no must-not-go-negative account is below 0; an id
moves energy at most once; a refused transfer changes nothing; re-posting what was applied
changes nothing. A state machine checks ``post`` against a model a reader can verify by eye.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from saxaul.domain.ledger import (
    Account,
    AccountFlags,
    AccountKind,
    Balances,
    Transfer,
    TransferCode,
    TransferKind,
    TransferResult,
    check_invariants,
    post,
)

AT = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
ACCOUNTS = {
    account.id: account
    for account in (
        Account("issuance", AccountKind.ISSUANCE),
        Account("ball:b1", AccountKind.BALL, "u1"),
        Account("user:u1", AccountKind.PARTICIPANT, "u1"),
        Account("user:u2", AccountKind.PARTICIPANT, "u2"),
        Account("planted", AccountKind.PLANTED),
        Account("debt", AccountKind.DEBT),
    )
}


def transfer(
    id: str, debit: str, credit: str, amount_g: int, kind: TransferKind = TransferKind.AWARD
) -> Transfer:
    return Transfer(id, debit, credit, amount_g, kind, AT, reference="ball:b1")


def codes(results: Sequence[TransferResult]) -> list[TransferCode]:
    return [result.code for result in results]


def post_fresh(*transfers: Transfer) -> tuple[Balances, Mapping[str, Transfer], list[TransferCode]]:
    balances, applied, results = post(Balances(), transfers, ACCOUNTS, {})
    return balances, applied, codes(results)


# --- examples -------------------------------------------------------------------------------


def test_the_module_docstring_example() -> None:
    t1 = transfer("t1", "issuance", "ball:b1", 15)
    balances, applied, got = post_fresh(
        t1,
        transfer("t2", "ball:b1", "user:u1", 15, TransferKind.COLLECT),
        transfer("t3", "ball:b1", "user:u2", 5, TransferKind.STEAL),
        t1,
        dataclasses.replace(t1, amount_g=16),
    )
    assert got == [
        TransferCode.OK,
        TransferCode.OK,
        TransferCode.EXCEEDS_BALANCE,
        TransferCode.EXISTS,
        TransferCode.EXISTS_WITH_DIFFERENT_FIELDS,
    ]
    assert balances == {"issuance": -15, "user:u1": 15}
    assert set(applied) == {"t1", "t2"}
    assert check_invariants(balances, ACCOUNTS) == []


def test_a_resent_id_is_exists_across_batches() -> None:
    t1 = transfer("t1", "issuance", "user:u1", 10)
    balances, applied, _ = post_fresh(t1)
    again, applied_again, results = post(balances, [t1], ACCOUNTS, applied)
    assert codes(results) == [TransferCode.EXISTS]
    assert (again, applied_again) == (balances, applied)


@pytest.mark.parametrize(
    "changed",
    [
        {"amount_g": 11},
        {"credit_account": "user:u2"},
        {"kind": TransferKind.GIFT},
        {"at": AT + dt.timedelta(seconds=1)},
        {"reference": "ball:b2"},
    ],
)
def test_a_resent_id_with_any_field_changed_is_a_conflict(changed: dict[str, object]) -> None:
    t1 = transfer("t1", "issuance", "user:u1", 10)
    balances, _, got = post_fresh(t1, dataclasses.replace(t1, **changed))  # type: ignore[arg-type]
    assert got == [TransferCode.OK, TransferCode.EXISTS_WITH_DIFFERENT_FIELDS]
    assert balances == {"issuance": -10, "user:u1": 10}


@pytest.mark.parametrize(
    ("debit", "credit", "amount_g", "code"),
    [
        ("issuance", "user:u1", 0, TransferCode.AMOUNT_MUST_BE_POSITIVE),
        ("issuance", "user:u1", -5, TransferCode.AMOUNT_MUST_BE_POSITIVE),
        ("issuance", "issuance", 5, TransferCode.SAME_ACCOUNT),
        ("nowhere", "user:u1", 5, TransferCode.ACCOUNTS_MUST_EXIST),
        ("issuance", "nowhere", 5, TransferCode.ACCOUNTS_MUST_EXIST),
        ("user:u1", "planted", 5, TransferCode.EXCEEDS_BALANCE),
        ("ball:b1", "user:u1", 1, TransferCode.EXCEEDS_BALANCE),
    ],
)
def test_each_refusal_moves_nothing(debit: str, credit: str, amount_g: int, code: str) -> None:
    balances, applied, got = post_fresh(transfer("t1", debit, credit, amount_g))
    assert got == [code]
    assert (balances, dict(applied)) == (Balances(), {})


def test_refusals_follow_precedence() -> None:
    # Non-positive before same-account before missing accounts before balance.
    _, _, got = post_fresh(
        transfer("t1", "nowhere", "nowhere", 0),
        transfer("t2", "nowhere", "nowhere", 5),
        transfer("t3", "user:u1", "nowhere", 5),
    )
    assert got == [
        TransferCode.AMOUNT_MUST_BE_POSITIVE,
        TransferCode.SAME_ACCOUNT,
        TransferCode.ACCOUNTS_MUST_EXIST,
    ]


def test_a_transfer_may_spend_what_an_earlier_one_in_the_batch_brought() -> None:
    balances, _, got = post_fresh(
        transfer("t1", "issuance", "ball:b1", 20),
        transfer("t2", "ball:b1", "user:u1", 20, TransferKind.COLLECT),
        transfer("t3", "user:u1", "planted", 20, TransferKind.PLANT),
        transfer("t4", "user:u1", "planted", 1, TransferKind.PLANT),
    )
    assert got == [TransferCode.OK] * 3 + [TransferCode.EXCEEDS_BALANCE]
    assert balances == {"issuance": -20, "planted": 20}


def test_a_refused_id_is_not_spent_and_may_succeed_once_the_balance_allows() -> None:
    plant = transfer("t1", "user:u1", "planted", 5, TransferKind.PLANT)
    balances, applied, got = post_fresh(plant, transfer("t2", "issuance", "user:u1", 5))
    assert got == [TransferCode.EXCEEDS_BALANCE, TransferCode.OK]
    balances, applied, results = post(balances, [plant], ACCOUNTS, applied)
    assert codes(results) == [TransferCode.OK]
    assert balances == {"issuance": -5, "planted": 5}


def test_source_accounts_may_go_negative_and_others_may_not() -> None:
    guarded = {kind for kind in AccountKind if Account("a", kind).must_not_go_negative}
    assert guarded == {
        AccountKind.PARTICIPANT,
        AccountKind.BALL,
        AccountKind.EXPIRED,
        AccountKind.PLANTED,
        AccountKind.TREE,
        AccountKind.HOLD,
        AccountKind.FORFEITED,
    }
    assert Account("debt", AccountKind.DEBT).flags is AccountFlags.NONE


def test_balances_drop_zeros_and_apply_returns_a_new_value() -> None:
    empty = Balances({"ball:b1": 0})
    assert len(empty) == 0 and empty.get("ball:b1", 0) == 0
    moved = empty.apply([transfer("t1", "issuance", "ball:b1", 7)])
    assert moved == {"issuance": -7, "ball:b1": 7}
    assert empty == Balances()
    with pytest.raises(TypeError):
        moved["ball:b1"] = 0  # type: ignore[index]


def test_check_invariants_names_each_broken_rule() -> None:
    broken = Balances({"user:u1": -3, "issuance": 4, "ghost": 1})
    assert check_invariants(broken, ACCOUNTS) == [
        "balances sum to 2 g, not 0",
        "account user:u1 (participant) is at -3 g but must not go negative",
        "account ghost holds 1 g but is not open",
    ]


# --- properties -----------------------------------------------------------------------------

IDS = tuple(f"a{i}" for i in range(5))
TRANSFER_IDS = tuple(f"t{i}" for i in range(8))
accounts_st = st.dictionaries(st.sampled_from(IDS), st.sampled_from(AccountKind), min_size=2).map(
    lambda kinds: {
        id: Account(id, kind, "u" if kind is AccountKind.PARTICIPANT else None)
        for id, kind in kinds.items()
    }
)
transfer_st = st.builds(
    Transfer,
    id=st.sampled_from(TRANSFER_IDS),
    debit_account=st.sampled_from((*IDS, "ghost")),
    credit_account=st.sampled_from((*IDS, "ghost")),
    amount_g=st.integers(-2, 40),
    kind=st.sampled_from(TransferKind),
    at=st.sampled_from((AT, AT + dt.timedelta(hours=1))),
    reference=st.sampled_from(("", "ball:b1")),
)


@st.composite
def batches(draw: st.DrawFn) -> list[Transfer]:
    """Random transfers, with exact re-sends and re-sends of an id with one field mutated."""
    batch = draw(st.lists(transfer_st, max_size=25))
    for original in draw(st.lists(st.sampled_from(batch), max_size=5)) if batch else ():
        copy = draw(st.sampled_from((original, dataclasses.replace(original, amount_g=3))))
        batch.insert(draw(st.integers(0, len(batch))), copy)
    return batch


def ok_transfers(batch: Sequence[Transfer], results: Sequence[TransferResult]) -> list[Transfer]:
    assert [result.transfer_id for result in results] == [t.id for t in batch]
    return [t for t, result in zip(batch, results, strict=True) if result.code is TransferCode.OK]


@given(accounts=accounts_st, history=batches(), batch=batches())
def test_post_keeps_the_ledger_sound(
    accounts: dict[str, Account], history: list[Transfer], batch: list[Transfer]
) -> None:
    before, applied_before, _ = post(Balances(), history, accounts, {})
    balances, applied, results = post(before, batch, accounts, applied_before)
    assert check_invariants(balances, accounts) == []
    accepted = ok_transfers(batch, results)
    ids = [t.id for t in accepted]
    assert len(set(ids)) == len(ids) and not set(ids) & set(applied_before)
    assert dict(applied) == {**applied_before, **{t.id: t for t in accepted}}
    assert balances == before.apply(accepted)


@given(accounts=accounts_st, batch=batches())
def test_a_refused_transfer_changes_nothing(
    accounts: dict[str, Account], batch: list[Transfer]
) -> None:
    balances, applied, results = post(Balances(), batch, accounts, {})
    step_balances, step_applied = Balances(), dict[str, Transfer]()
    for t, result in zip(batch, results, strict=True):
        after, after_applied, (step_result,) = post(step_balances, [t], accounts, step_applied)
        assert step_result == result
        if result.code is not TransferCode.OK:
            assert (after, dict(after_applied)) == (step_balances, step_applied)
        step_balances, step_applied = after, dict(after_applied)
    assert (step_balances, step_applied) == (balances, dict(applied))


@given(accounts=accounts_st, batch=batches())
def test_posting_again_moves_nothing_that_moved(
    accounts: dict[str, Account], batch: list[Transfer]
) -> None:
    balances, applied, results = post(Balances(), batch, accounts, {})
    accepted = ok_transfers(batch, results)
    again, applied_again, results_again = post(balances, accepted, accounts, applied)
    assert codes(results_again) == [TransferCode.EXISTS] * len(accepted)
    assert (again, applied_again) == (balances, applied)
    # The whole batch again: what moved is ``exists``; only a transfer refused for want of
    # balance can move now (its id was not spent), so without one nothing changes at all.
    again, applied_again, results_again = post(balances, batch, accounts, applied)
    for first, second in zip(results, results_again, strict=True):
        if first.code is TransferCode.OK:
            assert second.code is TransferCode.EXISTS
    if TransferCode.EXCEEDS_BALANCE not in codes(results):
        assert TransferCode.OK not in codes(results_again)
        assert (again, applied_again) == (balances, applied)


# --- state machine against a model ----------------------------------------------------------

MACHINE_ACCOUNTS = {
    account.id: account
    for account in (
        Account("a0", AccountKind.ISSUANCE),
        Account("a1", AccountKind.BALL, "u1"),
        Account("a2", AccountKind.PARTICIPANT, "u1"),
        Account("a3", AccountKind.PARTICIPANT, "u2"),
        Account("a4", AccountKind.PLANTED),
    )
}
NEVER_NEGATIVE = ("a1", "a2", "a3", "a4")


class LedgerMachine(RuleBasedStateMachine):
    """``post`` against a dict of balances and a dict of applied transfers, rule by rule."""

    def __init__(self) -> None:
        super().__init__()
        self.balances = Balances()
        self.applied: Mapping[str, Transfer] = {}
        self.model_g = dict.fromkeys(MACHINE_ACCOUNTS, 0)
        self.model_applied: dict[str, Transfer] = {}

    def expect(self, t: Transfer) -> TransferCode:
        if t.id in self.model_applied:
            if self.model_applied[t.id] == t:
                return TransferCode.EXISTS
            return TransferCode.EXISTS_WITH_DIFFERENT_FIELDS
        if t.amount_g <= 0:
            return TransferCode.AMOUNT_MUST_BE_POSITIVE
        if t.debit_account == t.credit_account:
            return TransferCode.SAME_ACCOUNT
        if t.debit_account not in self.model_g or t.credit_account not in self.model_g:
            return TransferCode.ACCOUNTS_MUST_EXIST
        if t.debit_account in NEVER_NEGATIVE and self.model_g[t.debit_account] < t.amount_g:
            return TransferCode.EXCEEDS_BALANCE
        self.model_g[t.debit_account] -= t.amount_g
        self.model_g[t.credit_account] += t.amount_g
        self.model_applied[t.id] = t
        return TransferCode.OK

    def post_and_compare(self, batch: Sequence[Transfer]) -> None:
        self.balances, self.applied, results = post(
            self.balances, batch, MACHINE_ACCOUNTS, self.applied
        )
        assert codes(results) == [self.expect(t) for t in batch]

    @rule(batch=st.lists(transfer_st, max_size=6))
    def post_batch(self, batch: list[Transfer]) -> None:
        self.post_and_compare(batch)

    @precondition(lambda self: bool(self.model_applied))
    @rule(data=st.data())
    def resend_applied(self, data: st.DataObject) -> None:
        earlier = data.draw(st.sampled_from(sorted(self.model_applied.values(), key=str)))
        resent = data.draw(st.sampled_from((earlier, dataclasses.replace(earlier, reference="x"))))
        self.post_and_compare([resent])

    @invariant()
    def matches_the_model(self) -> None:
        assert self.balances == Balances(self.model_g)
        assert dict(self.applied) == self.model_applied

    @invariant()
    def stays_sound(self) -> None:
        assert check_invariants(self.balances, MACHINE_ACCOUNTS) == []
        assert all(self.model_g[account_id] >= 0 for account_id in NEVER_NEGATIVE)


TestLedgerMachine = LedgerMachine.TestCase
TestLedgerMachine.settings = settings(max_examples=50, stateful_step_count=25, deadline=None)
