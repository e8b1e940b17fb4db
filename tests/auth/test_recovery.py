"""Recovery codes: unguessable, forgiving to retype, and each one burns exactly one hash."""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest

from hrd_cases.auth import recovery
from hrd_cases.auth.recovery import (
    RECOVERY_CODE_ALPHABET,
    find_matching_code,
    generate_recovery_codes,
    hash_recovery_code,
    normalise_recovery_code,
)

CODE_FORMAT = re.compile(
    r"^[23456789abcdefghjkmnpqrstuvwxyz]{4}(?:-[23456789abcdefghjkmnpqrstuvwxyz]{4})+$"
)


def test_ten_distinct_codes_in_the_documented_format() -> None:
    codes = generate_recovery_codes()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    for code in codes:
        assert CODE_FORMAT.fullmatch(code), code


def test_alphabet_has_no_look_alike_characters() -> None:
    assert not set(RECOVERY_CODE_ALPHABET) & set("0Oo1lIi")
    assert RECOVERY_CODE_ALPHABET.islower()
    assert len(set(RECOVERY_CODE_ALPHABET)) == len(RECOVERY_CODE_ALPHABET)


def test_each_code_carries_at_least_60_bits() -> None:
    # Estimated from what a generated code actually looks like, not from the module's constant.
    code = generate_recovery_codes(1)[0]
    random_symbols = len(code.replace("-", ""))
    assert random_symbols * math.log2(len(RECOVERY_CODE_ALPHABET)) >= 60


def test_every_alphabet_symbol_turns_up() -> None:
    # 3,200 draws over 31 symbols: a generator that used a subset would be caught here.
    drawn = Counter("".join(generate_recovery_codes(100) + generate_recovery_codes(100)))
    del drawn["-"]
    assert set(drawn) == set(RECOVERY_CODE_ALPHABET)


@pytest.mark.parametrize("count", [0, -1, 101])
def test_unreasonable_counts_are_refused(count: int) -> None:
    with pytest.raises(ValueError):
        generate_recovery_codes(count)


def variants(code: str) -> list[str]:
    bare = code.replace("-", "")
    return [
        code,
        code.upper(),
        bare,
        bare.upper(),
        code.replace("-", " "),
        " ".join(bare),
        f"  {code}\n",
        code.replace("-", "\u2013"),  # en dash, as word processors "correct" hyphens
    ]


def test_normalise_ignores_case_spaces_and_hyphens() -> None:
    code = generate_recovery_codes(1)[0]
    expected = code.replace("-", "")
    for variant in variants(code):
        assert normalise_recovery_code(variant) == expected


def test_round_trip_matches_every_retyped_variant() -> None:
    code = generate_recovery_codes(1)[0]
    stored = hash_recovery_code(code)
    for variant in variants(code):
        assert find_matching_code(variant, [stored]) == stored, variant
    # Hashing a retyped form gives a hash the canonical code also matches.
    assert find_matching_code(code, [hash_recovery_code(code.upper().replace("-", " "))])


def test_a_code_matches_exactly_its_own_hash() -> None:
    codes = generate_recovery_codes()
    hashes = [hash_recovery_code(code) for code in codes]
    for code, own_hash in zip(codes, hashes, strict=True):
        assert find_matching_code(code, hashes) == own_hash
        assert sum(find_matching_code(code, [h]) is not None for h in hashes) == 1


def test_a_wrong_code_matches_nothing() -> None:
    codes = generate_recovery_codes()
    hashes = [hash_recovery_code(code) for code in codes]
    (stranger,) = generate_recovery_codes(1)
    assert stranger not in codes
    assert find_matching_code(stranger, hashes) is None
    first = codes[0]
    replacement = "2" if first[0] != "2" else "3"
    assert find_matching_code(replacement + first[1:], hashes) is None
    assert find_matching_code(first[:-1], hashes) is None
    assert find_matching_code("", hashes) is None
    assert find_matching_code(first * 10, hashes) is None


def test_no_stored_hashes_means_no_match() -> None:
    assert find_matching_code(generate_recovery_codes(1)[0], []) is None


def test_any_iterable_of_hashes_is_accepted() -> None:
    codes = generate_recovery_codes(3)
    hashes = [hash_recovery_code(code) for code in codes]
    assert find_matching_code(codes[2], iter(hashes)) == hashes[2]


def test_every_stored_hash_is_checked_even_after_a_match(monkeypatch: pytest.MonkeyPatch) -> None:
    codes = generate_recovery_codes()
    hashes = [hash_recovery_code(code) for code in codes]
    calls = 0
    real_digest = recovery._digest

    def counting_digest(salt: bytes, normalised: str) -> bytes:
        nonlocal calls
        calls += 1
        return real_digest(salt, normalised)

    monkeypatch.setattr(recovery, "_digest", counting_digest)
    assert find_matching_code(codes[0], hashes) == hashes[0]
    assert calls == len(hashes)


def test_hashes_are_salted_and_do_not_contain_the_code() -> None:
    code = generate_recovery_codes(1)[0]
    first, second = hash_recovery_code(code), hash_recovery_code(code)
    assert first != second
    for stored in (first, second):
        assert normalise_recovery_code(code) not in stored
        assert code not in stored
        assert len(stored) <= 128


@pytest.mark.parametrize("not_a_code", ["", "password", "aaaa-bbbb-cccc-ddd0", "aaaa-bbbb-cccc"])
def test_only_well_formed_codes_can_be_hashed(not_a_code: str) -> None:
    with pytest.raises(ValueError) as raised:
        hash_recovery_code(not_a_code)
    if not_a_code:
        assert not_a_code not in str(raised.value)


@pytest.mark.parametrize(
    "corrupt",
    ["", "plain", "rc1$zz$00", "rc2$" + "00" * 16 + "$" + "00" * 32, "rc1$" + "00" * 16 + "$00"],
)
def test_corrupt_stored_hash_is_an_error_not_a_silent_mismatch(corrupt: str) -> None:
    code = generate_recovery_codes(1)[0]
    with pytest.raises(ValueError):
        find_matching_code(code, [hash_recovery_code(code), corrupt])
