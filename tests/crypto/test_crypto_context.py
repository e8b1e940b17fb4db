"""Associated-data encoding: canonical, unambiguous and domain-separated."""

from __future__ import annotations

import pytest

from hrd_cases.crypto import DataKeyContext, EncryptionContext


def test_length_prefixing_keeps_boundaries_apart() -> None:
    assert EncryptionContext("ab", "c", "1").aad() != EncryptionContext("a", "bc", "1").aad()
    assert EncryptionContext("t", "ab", "c").aad() != EncryptionContext("t", "a", "bc").aad()
    assert DataKeyContext("ab", "c").aad() != DataKeyContext("a", "bc").aad()


def test_aad_is_deterministic_and_labelled() -> None:
    ctx = EncryptionContext("persons", "name", "42")
    assert ctx.aad() == EncryptionContext("persons", "name", "42").aad()
    assert b"hrd-cases/field/v1" in ctx.aad()
    assert b"hrd-cases/dek/v1" in DataKeyContext("persons", "42").aad()


def test_field_and_data_key_domains_never_collide() -> None:
    # Same strings, different purpose: the labels must keep the encodings distinct.
    assert EncryptionContext("persons", "42", "x").aad() != DataKeyContext("persons", "42").aad()


@pytest.mark.parametrize(
    ("table", "field", "record_id"),
    [
        ("", "name", "1"),
        ("persons", "", "1"),
        ("persons", "name", ""),
        ("per\x00sons", "name", "1"),
        ("persons", "name", "1\x00"),
        ("persons", "name", "\ud800"),
    ],
)
def test_invalid_parts_are_rejected(table: str, field: str, record_id: str) -> None:
    with pytest.raises(ValueError):
        EncryptionContext(table, field, record_id)


def test_non_string_parts_are_rejected() -> None:
    with pytest.raises(TypeError):
        EncryptionContext("persons", "name", 42)
    with pytest.raises(ValueError):
        DataKeyContext("persons", "")
    with pytest.raises(ValueError):
        DataKeyContext("\x00", "1")


def test_str_names_location_only() -> None:
    assert str(EncryptionContext("cases", "narrative", "42")) == "cases.narrative#42"
    assert str(DataKeyContext("persons", "7")) == "persons#7"
