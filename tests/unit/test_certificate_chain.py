"""The pure parts of a certificate: FIFO attribution of a share's energy, pseudonyms, and the
canonical JSON the signature covers (``domain.certificates``, ``domain.canonical_json``)."""

from __future__ import annotations

import pytest

from saxaul.domain.canonical_json import NotCanonicalValue, canonical, parse_strict
from saxaul.domain.certificates import UNATTRIBUTED, Entry, Portion, attribute, pseudonym

ME = "user:u1"


def credit(seq: int, grams: int, source: str = "ball:7", kind: str = "collect") -> Entry:
    return Entry(seq, kind, source, ME, grams, seq * 10)


def debit(seq: int, grams: int, to: str = "planted", kind: str = "plant") -> Entry:
    return Entry(seq, kind, ME, to, grams, seq * 10)


def test_a_share_spends_the_earliest_unspent_credits_first() -> None:
    entries = [credit(3, 156, "ball:7"), credit(9, 20_000, "ball:8"), debit(12, 17_900)]

    spent = attribute(ME, entries, {12})

    assert spent == {
        12: (Portion(3, "collect", "7", 156, 30), Portion(9, "collect", "8", 17_744, 90))
    }


def test_earlier_debits_use_up_credits_before_the_share() -> None:
    entries = [
        credit(1, 100, "ball:1"),
        credit(2, 50, "user:u2", kind="water"),
        debit(3, 120, "user:u3", kind="water"),  # spends ball 1 and 20 g of the water
        credit(4, 80, "ball:2", kind="steal"),
        debit(5, 60, "tree:t9", kind="pool"),
    ]

    spent = attribute(ME, entries, {5})

    assert spent[5] == (Portion(2, "water", None, 30, 20), Portion(4, "steal", "2", 30, 40))


def test_several_shares_of_one_planter_and_transfers_of_others_are_skipped() -> None:
    other = Entry(2, "collect", "ball:9", "user:u2", 500, 20)
    entries = [
        credit(1, 100),
        other,
        debit(3, 40, "tree:t", "pool"),
        debit(4, 60, "tree:t", "pool"),
    ]

    spent = attribute(ME, entries, [3, 4])

    assert [p.grams for p in spent[3]] == [40] and [p.grams for p in spent[4]] == [60]
    assert {p.credit_seq for p in (*spent[3], *spent[4])} == {1}


def test_a_debit_no_credit_covers_is_named_unattributed() -> None:
    spent = attribute(ME, [credit(1, 10), debit(2, 25)], {2})

    assert spent[2][1] == Portion(0, UNATTRIBUTED, None, 15, 20)


def test_the_replay_stops_after_the_last_share() -> None:
    def entries():  # type: ignore[no-untyped-def]
        yield credit(1, 100)
        yield debit(2, 100)
        raise AssertionError("read past the last share")

    assert attribute(ME, entries(), {2})[2][0].grams == 100


def test_a_pseudonym_is_stable_keyed_and_short() -> None:
    a = pseudonym(b"k" * 32, "u1")

    assert a == pseudonym(b"k" * 32, "u1") and a.startswith("px_") and len(a) == 23
    assert a != pseudonym(b"j" * 32, "u1") and a != pseudonym(b"k" * 32, "u2")
    assert "u1" not in a[3:]


def test_canonical_json_sorts_keys_and_has_no_whitespace() -> None:
    value = {"b": [1, True, None], "a": '梭梭\n"', "é": {"z": -3, "y": ""}}

    data = canonical(value)

    assert data == '{"a":"梭梭\\n\\"","b":[1,true,null],"é":{"y":"","z":-3}}'.encode()
    assert parse_strict(data) == value


@pytest.mark.parametrize("value", [1.5, 2**53, {"a": float("nan")}, "\ud800", {1: 2}, b"x"])
def test_canonical_json_refuses_what_has_no_canonical_form(value: object) -> None:
    with pytest.raises(NotCanonicalValue):
        canonical(value)


def test_canonical_keys_follow_utf16_code_units() -> None:
    # U+1F600 is D83D DE00 in UTF-16, before U+FF5E; code-point order would put it after
    assert canonical({"\uff5e": 1, "\U0001f600": 2}) == '{"😀":2,"～":1}'.encode()


@pytest.mark.parametrize("text", [b'{"a":1,"a":2}', b'{"a":1.0}', b'{"a":NaN}', b"\xff"])
def test_strict_parsing_refuses_duplicates_fractions_and_bad_utf8(text: bytes) -> None:
    with pytest.raises((NotCanonicalValue, UnicodeDecodeError)):
        parse_strict(text)
