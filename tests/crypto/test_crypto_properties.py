"""Property-based checks over arbitrary Unicode (skipped if hypothesis is not installed)."""

from __future__ import annotations

import pytest

pytest.importorskip("hypothesis")

import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from hrd_cases.crypto import (
    BlindIndex,
    DecryptionError,
    EncryptionContext,
    decrypt_bytes,
    decrypt_field,
    encrypt_bytes,
    encrypt_field,
    matches,
    name_terms,
    new_data_key,
    normalise_name,
)

# Keep Hypothesis' caches out of the working tree (it defaults to ./.hypothesis).
_HYPOTHESIS_HOME = tempfile.TemporaryDirectory(prefix="hrd-crypto-hypothesis-")
set_hypothesis_home_dir(_HYPOTHESIS_HOME.name)

NO_DATABASE = settings(database=None, deadline=None, max_examples=300)
DEK = new_data_key()
identifier = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=12
)


@NO_DATABASE
@given(st.text(), identifier, identifier, identifier)
def test_text_round_trip(plaintext: str, table: str, field: str, record_id: str) -> None:
    ctx = EncryptionContext(table, field, record_id)
    assert decrypt_field(DEK, encrypt_field(DEK, plaintext, ctx), ctx) == plaintext


@NO_DATABASE
@given(st.binary(max_size=2048))
def test_bytes_round_trip(plaintext: bytes) -> None:
    ctx = EncryptionContext("attachments", "content", "1")
    assert decrypt_bytes(DEK, encrypt_bytes(DEK, plaintext, ctx), ctx) == plaintext


ascii_id = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)


@NO_DATABASE
@given(st.text(), ascii_id, ascii_id)
def test_any_other_record_id_fails(secret: str, record_id: str, other_id: str) -> None:
    if record_id == other_id:
        other_id += "x"
    plaintext = "PLAINTEXT-" + secret  # a marker that can only reach the message by leaking
    blob = encrypt_field(DEK, plaintext, EncryptionContext("t", "f", record_id))
    with pytest.raises(DecryptionError) as caught:
        decrypt_field(DEK, blob, EncryptionContext("t", "f", other_id))
    assert "PLAINTEXT-" not in str(caught.value)


@NO_DATABASE
@given(st.text())
def test_normalisation_is_idempotent_and_tidy(name: str) -> None:
    normalised = normalise_name(name)
    assert normalise_name(normalised) == normalised
    assert normalised == normalised.strip()
    assert "  " not in normalised
    assert all(term == normalise_name(term) for term in name_terms(name))


@NO_DATABASE
@given(st.text())
def test_every_stored_term_finds_the_name(name: str) -> None:
    index = BlindIndex(bytes(32 * [7]))
    stored = set(index.tokens_for_name(name))
    for term in name_terms(name):
        assert index.tokens_for_query(term)[0] in stored
        assert matches(term, name)
