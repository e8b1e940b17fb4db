"""Blind indexes: normalisation, term semantics, keyed tokens, collision handling."""

from __future__ import annotations

import itertools
import os

import pytest

from hrd_cases.crypto import BlindIndex, matches, name_terms, normalise_name

INDEX_KEY = bytes(range(32))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  José   María O'Neil-Gómez ", "jose maria o neil gomez"),
        ("JOSÉ MARÍA O\u2019NEIL GÓMEZ", "jose maria o neil gomez"),
        ("Jose\tMaria\nO.Neil_Gomez", "jose maria o neil gomez"),
        ("Straße", "strasse"),
        ("STRASSE", "strasse"),
        ("Søren Łukasz Đorđe Þór Ærø Œuvre", "soren lukasz dorde thor aero oeuvre"),
        ("İstanbul", "istanbul"),
        ("Ｊｏｓé", "jose"),  # full-width letters
        ("Jo\u00adse\u200b", "jose"),  # soft hyphen and zero-width space vanish
        ("Mykola\u02bc", "mykola"),  # modifier-letter apostrophe
        ("Nguyễn Thị Minh Khai", "nguyen thi minh khai"),
        ("", ""),
        (" -'. ", ""),
    ],
)
def test_normalise_name_examples(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Йосиф Сталин", "йосиф сталин"),  # Cyrillic keeps й (not folded to и)
        ("Ἀθηνᾶ", "ἀθηνᾶ"),  # Greek keeps its marks
        ("مُحَمَّد", "محمد"),  # optional Arabic vowel marks are dropped
        ("محـــمد", "محمد"),  # tatweel is dropped
        ("أحمد", "احمد"),  # alef-hamza is merged with bare alef (how names get typed)
        ("刘晓波", "刘晓波"),
        ("김 대중", "김 대중"),  # Hangul recomposed
        ("अमित", "अमित"),  # Devanagari vowel signs kept
    ],
)
def test_non_latin_scripts_keep_their_letters(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


def test_name_terms_are_full_name_then_parts_then_ordered_pairs_deduplicated() -> None:
    assert name_terms("José María Gómez") == [
        "jose maria gomez",
        "jose",
        "maria",
        "gomez",
        "jose maria",
        "jose gomez",
        "maria gomez",
    ]
    assert name_terms("Ana Ana") == ["ana ana", "ana"]
    assert name_terms("Ana") == ["ana"]
    assert name_terms(" - ") == []


def test_variants_give_the_same_token() -> None:
    index = BlindIndex(INDEX_KEY)
    variants = [
        "José María O'Neil-Gómez",
        "jose maria o neil gomez",
        "JOSE  MARIA O NEIL GOMEZ",
        "Jose-Maria O.Neil Gomez",
        " josé\tmaría o\u2019neil gómez ",
    ]
    tokens = {index.token(v) for v in variants}
    assert len(tokens) == 1
    assert len(next(iter(tokens))) == 4


def test_full_name_and_each_part_match_but_others_do_not() -> None:
    index = BlindIndex(INDEX_KEY)
    stored = set(index.tokens_for_name("José María O'Neil-Gómez"))
    assert len(stored) == 1 + 5 + 10  # whole name, five parts, ten ordered pairs
    for query in ["josé maría o'neil-gómez", "Gómez", "MARIA", "neil", "José Gómez", "O'Neil"]:
        [token] = index.tokens_for_query(query)
        assert token in stored, query
        assert matches(query, "José María O'Neil-Gómez"), query
    for query in ["Gomes", "Gómez José", "maria jose", "jose maria gomez", "Ana"]:
        [token] = index.tokens_for_query(query)
        assert token not in stored, query
        assert not matches(query, "José María O'Neil-Gómez"), query


def test_empty_query_searches_nothing() -> None:
    index = BlindIndex(INDEX_KEY)
    assert index.tokens_for_query(" -- ") == []
    assert index.tokens_for_name("") == []
    assert not matches("", "Ana")
    with pytest.raises(ValueError):
        index.token("'")


def test_tokens_depend_on_the_index_key_and_width() -> None:
    name = "Ana Pérez"
    assert BlindIndex(INDEX_KEY).token(name) != BlindIndex(os.urandom(32)).token(name)
    wide = BlindIndex(INDEX_KEY, bits=64).token(name)
    assert len(wide) == 8
    assert BlindIndex(INDEX_KEY, bits=16).token(name) == wide[:2]


def test_token_is_not_a_plain_hash_of_the_key_or_name() -> None:
    import hashlib
    import hmac

    token = BlindIndex(INDEX_KEY, bits=64).token("ana")
    assert token != hmac.digest(INDEX_KEY, b"ana", "sha256")[:8]  # uses a derived subkey
    assert token != hashlib.sha256(b"ana").digest()[:8]


@pytest.mark.parametrize("bits", [0, 8, 15, 17, 20, 72, 256, -16])
def test_invalid_widths_are_refused(bits: int) -> None:
    with pytest.raises(ValueError):
        BlindIndex(INDEX_KEY, bits=bits)


def test_invalid_index_keys_are_refused() -> None:
    with pytest.raises(ValueError):
        BlindIndex(INDEX_KEY[:16])
    with pytest.raises(TypeError):
        BlindIndex(INDEX_KEY, bits=True)


@pytest.mark.parametrize("bits", [16, 24, 32, 40, 48, 56, 64])
def test_valid_widths(bits: int) -> None:
    assert len(BlindIndex(INDEX_KEY, bits=bits).token("ana")) == bits // 8


def test_repr_hides_the_key() -> None:
    index = BlindIndex(INDEX_KEY)
    assert INDEX_KEY.hex() not in repr(index)
    assert "redacted" in repr(index)


def test_matches_drops_a_truncation_collision() -> None:
    index = BlindIndex(INDEX_KEY, bits=16)
    seen: dict[bytes, str] = {}
    collision: tuple[str, str] | None = None
    for number in itertools.count():
        name = f"person{number}"
        token = index.token(name)
        if token in seen:
            collision = (seen[token], name)
            break
        seen[token] = name
        assert number < 100_000  # birthday bound for 16 bits is ~300
    assert collision is not None
    stored_name, other_query = collision
    # The blind index says "candidate" ...
    assert index.tokens_for_query(other_query)[0] in index.tokens_for_name(stored_name)
    # ... and the exact check after decryption says no.
    assert not matches(other_query, stored_name)
    assert matches(stored_name, stored_name)


def test_arabic_alef_hamza_forms_are_merged() -> None:
    assert normalise_name("أحمد") == normalise_name("احمد") == normalise_name("إحمد")
    assert normalise_name("آمنة") == normalise_name("امنة")
    assert normalise_name("ٱلله") == normalise_name("الله")


def test_pairs_are_bounded_for_very_long_names() -> None:
    terms = name_terms(" ".join(f"part{i}" for i in range(20)))
    assert len(terms) == 1 + 20 + 28
