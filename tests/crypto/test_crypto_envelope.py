"""Envelope encryption: confidentiality, integrity, context binding, key versions."""

from __future__ import annotations

import pytest

from hrd_cases.crypto import (
    DataKeyContext,
    DecryptionError,
    EncryptionContext,
    Keyring,
    UnknownKeyVersion,
    decrypt_bytes,
    decrypt_field,
    encrypt_bytes,
    encrypt_field,
    field_key_version,
    new_data_key,
    rewrap_data_key,
    unwrap_data_key,
    wrap_data_key,
    wrapped_kek_version,
)
from hrd_cases.crypto.envelope import HEADER_SIZE, WRAPPED_KEY_SIZE

PERSON_NAME = "Ana Lucía Ñáñez"
CTX = EncryptionContext("persons", "name", "42")
OWNER = DataKeyContext("persons", "42")


def test_new_data_keys_are_random_32_bytes() -> None:
    first, second = new_data_key(), new_data_key()
    assert len(first) == 32
    assert first != second


def test_same_plaintext_twice_gives_different_ciphertexts_that_both_decrypt() -> None:
    dek = new_data_key()
    first = encrypt_field(dek, PERSON_NAME, CTX, dek_version=3)
    second = encrypt_field(dek, PERSON_NAME, CTX, dek_version=3)
    assert first != second
    assert first[5:17] != second[5:17]  # distinct nonces
    assert decrypt_field(dek, first, CTX) == PERSON_NAME
    assert decrypt_field(dek, second, CTX) == PERSON_NAME
    assert field_key_version(first) == field_key_version(second) == 3
    assert PERSON_NAME.encode() not in first


def test_empty_and_long_text_round_trip() -> None:
    dek = new_data_key()
    for text in ["", "x", "名前" * 5000]:
        assert decrypt_field(dek, encrypt_field(dek, text, CTX), CTX) == text


def test_memoryview_and_bytearray_blobs_are_accepted() -> None:
    dek = new_data_key()
    blob = encrypt_field(dek, PERSON_NAME, CTX)
    assert decrypt_field(dek, memoryview(blob), CTX) == PERSON_NAME
    assert decrypt_field(dek, bytearray(blob), CTX) == PERSON_NAME


@pytest.mark.parametrize(
    "moved_to",
    [
        EncryptionContext("persons", "name", "43"),
        EncryptionContext("persons", "alias", "42"),
        EncryptionContext("cases", "name", "42"),
    ],
    ids=["other-record", "other-field", "other-table"],
)
def test_ciphertext_moved_elsewhere_fails(moved_to: EncryptionContext) -> None:
    dek = new_data_key()
    blob = encrypt_field(dek, PERSON_NAME, CTX)
    with pytest.raises(DecryptionError) as caught:
        decrypt_field(dek, blob, moved_to)
    message = str(caught.value)
    assert str(moved_to) in message
    assert PERSON_NAME not in message
    assert dek.hex() not in message


def test_wrong_data_key_fails() -> None:
    blob = encrypt_field(new_data_key(), PERSON_NAME, CTX)
    with pytest.raises(DecryptionError):
        decrypt_field(new_data_key(), blob, CTX)


def test_every_flipped_bit_position_is_detected() -> None:
    dek = new_data_key()
    blob = encrypt_field(dek, "Ana", CTX, dek_version=1)
    for position in range(len(blob)):
        for mask in (0x01, 0x80):
            tampered = bytearray(blob)
            tampered[position] ^= mask
            with pytest.raises(DecryptionError) as caught:
                decrypt_field(dek, bytes(tampered), CTX)
            assert "Ana" not in str(caught.value)


def test_truncated_and_extended_blobs_fail() -> None:
    dek = new_data_key()
    blob = encrypt_field(dek, PERSON_NAME, CTX)
    for length in range(len(blob)):
        with pytest.raises(DecryptionError) as caught:
            decrypt_field(dek, blob[:length], CTX)
        assert PERSON_NAME not in str(caught.value)
    with pytest.raises(DecryptionError):
        decrypt_field(dek, blob + b"\x00", CTX)


def test_text_and_bytes_formats_cannot_be_swapped() -> None:
    dek = new_data_key()
    text_blob = encrypt_field(dek, "hello", CTX)
    bytes_blob = encrypt_bytes(dek, b"hello", CTX)
    assert decrypt_bytes(dek, bytes_blob, CTX) == b"hello"
    with pytest.raises(DecryptionError):
        decrypt_bytes(dek, text_blob, CTX)
    with pytest.raises(DecryptionError):
        decrypt_field(dek, bytes_blob, CTX)
    # Rewriting the format byte does not help either: the header is authenticated.
    forged = bytes([text_blob[0]]) + bytes_blob[1:]
    with pytest.raises(DecryptionError):
        decrypt_field(dek, forged, CTX)
    assert field_key_version(bytes_blob) == 1


def test_field_key_version_rejects_garbage() -> None:
    with pytest.raises(DecryptionError):
        field_key_version(b"\x46\x00\x00")
    with pytest.raises(DecryptionError):
        field_key_version(b"\x00" * 40)


def test_invalid_arguments_are_programming_errors() -> None:
    dek = new_data_key()
    with pytest.raises(ValueError):
        encrypt_field(dek[:16], "x", CTX)
    with pytest.raises(ValueError):
        encrypt_field(dek, "x", CTX, dek_version=0)
    with pytest.raises(TypeError):
        encrypt_field(dek, b"x", CTX)
    with pytest.raises(TypeError):
        encrypt_field(dek, "x", OWNER)
    with pytest.raises(ValueError) as caught:
        encrypt_field(dek, "secret\ud800", CTX)
    assert "secret" not in str(caught.value)


# --- wrapped data keys ------------------------------------------------------------------


def test_wrap_unwrap_round_trip_and_version() -> None:
    keyring = Keyring.generate()
    dek = new_data_key()
    first = wrap_data_key(keyring, dek, OWNER)
    second = wrap_data_key(keyring, dek, OWNER)
    assert first != second
    assert len(first) == WRAPPED_KEY_SIZE
    assert dek not in first
    assert unwrap_data_key(keyring, first, OWNER) == dek
    assert unwrap_data_key(keyring, second, OWNER) == dek
    assert wrapped_kek_version(first) == 1


def test_wrapped_key_moved_to_another_owner_fails() -> None:
    keyring = Keyring.generate()
    wrapped = wrap_data_key(keyring, new_data_key(), OWNER)
    for other in (DataKeyContext("persons", "43"), DataKeyContext("cases", "42")):
        with pytest.raises(DecryptionError) as caught:
            unwrap_data_key(keyring, wrapped, other)
        assert str(other) in str(caught.value)


def test_wrapped_key_tampering_is_detected_at_every_byte() -> None:
    keyring = Keyring.generate()
    wrapped = wrap_data_key(keyring, new_data_key(), OWNER)
    for position in range(len(wrapped)):
        tampered = bytearray(wrapped)
        tampered[position] ^= 0x01
        with pytest.raises(DecryptionError):  # includes UnknownKeyVersion for header bytes
            unwrap_data_key(keyring, bytes(tampered), OWNER)


def test_wrapped_key_under_another_keyring_fails() -> None:
    wrapped = wrap_data_key(Keyring.generate(), new_data_key(), OWNER)
    with pytest.raises(DecryptionError):
        unwrap_data_key(Keyring.generate(), wrapped, OWNER)


def test_unknown_kek_version() -> None:
    rotated = Keyring.generate().with_new_primary()
    wrapped = wrap_data_key(rotated, new_data_key(), OWNER)
    assert wrapped_kek_version(wrapped) == 2
    only_old = Keyring(keks={1: rotated.kek(1)}, primary=1, index_key=rotated.index_key)
    with pytest.raises(UnknownKeyVersion) as caught:
        unwrap_data_key(only_old, wrapped, OWNER)
    assert "version 2" in str(caught.value)
    assert "persons#42" in str(caught.value)


def test_field_blob_is_not_a_wrapped_key() -> None:
    keyring = Keyring.generate()
    blob = encrypt_field(keyring.kek(1), "x" * 32, CTX)
    with pytest.raises(DecryptionError):
        unwrap_data_key(keyring, blob, OWNER)


def test_rotation_rewraps_then_old_version_can_be_dropped() -> None:
    keyring = Keyring.generate()
    dek = new_data_key()
    wrapped = wrap_data_key(keyring, dek, OWNER)
    field = encrypt_field(dek, PERSON_NAME, CTX)

    rotated = keyring.with_new_primary()
    assert rotated.primary == 2
    assert rotated.versions() == (1, 2)
    assert unwrap_data_key(rotated, wrapped, OWNER) == dek  # old version still readable
    rewrapped = rewrap_data_key(rotated, wrapped, OWNER)
    assert wrapped_kek_version(rewrapped) == 2
    assert rewrap_data_key(rotated, rewrapped, OWNER) is rewrapped  # already on primary

    retired = rotated.without_version(1)
    assert retired.versions() == (2,)
    recovered = unwrap_data_key(retired, rewrapped, OWNER)
    assert decrypt_field(recovered, field, CTX) == PERSON_NAME
    with pytest.raises(UnknownKeyVersion):
        unwrap_data_key(retired, wrapped, OWNER)


def test_rewrap_refuses_a_wrapped_key_for_another_owner() -> None:
    keyring = Keyring.generate()
    wrapped = wrap_data_key(keyring, new_data_key(), OWNER)
    with pytest.raises(DecryptionError):
        rewrap_data_key(keyring.with_new_primary(), wrapped, DataKeyContext("persons", "43"))


def test_header_layout() -> None:
    keyring = Keyring.generate().with_new_primary().with_new_primary()
    wrapped = wrap_data_key(keyring, new_data_key(), OWNER)
    assert wrapped[0] == 0x4B
    assert int.from_bytes(wrapped[1:5], "big") == 3
    blob = encrypt_field(new_data_key(), "abc", CTX, dek_version=258)
    assert blob[0] == 0x50  # "P": padded text
    assert blob[1:5] == b"\x00\x00\x01\x02"
    assert len(blob) == HEADER_SIZE + 32 + 16  # "abc" padded to the 32-byte bucket


def test_rewrapper_matches_rewrap_data_key_and_refuses_what_it_refuses() -> None:
    from hrd_cases.crypto import DataKeyContext as Ctx
    from hrd_cases.crypto import (
        DecryptionError,
        Keyring,
        Rewrapper,
        UnknownKeyVersion,
        new_data_key,
        unwrap_data_key,
        wrap_data_key,
    )
    from hrd_cases.crypto import wrapped_kek_version as version_of

    old = Keyring.generate()
    new = old.with_new_primary()
    ctx, other = Ctx("data_keys", "a"), Ctx("data_keys", "b")
    dek = new_data_key()
    wrapped = wrap_data_key(old, dek, ctx)
    moved = Rewrapper(new).rewrap(wrapped, ctx)
    assert version_of(moved) == new.primary
    assert unwrap_data_key(new, moved, ctx) == dek
    assert Rewrapper(new).rewrap(moved, ctx) == moved  # already on the primary: unchanged
    with pytest.raises(DecryptionError):
        Rewrapper(new).rewrap(wrapped, other)  # moved to another row
    tampered = bytearray(wrapped)
    tampered[-1] ^= 1
    with pytest.raises(DecryptionError):
        Rewrapper(new).rewrap(bytes(tampered), ctx)
    with pytest.raises(UnknownKeyVersion):
        Rewrapper(new.without_version(old.primary)).rewrap(wrapped, ctx)


# Padding: a ciphertext's length tells a bucket, not a name's length (issue 15) ---------------
@pytest.mark.parametrize(
    ("length", "bucket"),
    [(0, 32), (1, 32), (31, 32), (32, 64), (200, 224), (255, 256), (256, 512), (700, 768)],
)
def test_padded_lengths_follow_the_buckets(length: int, bucket: int) -> None:
    from hrd_cases.crypto.envelope import padded_length

    assert padded_length(length) == bucket
    blob = encrypt_field(new_data_key(), "x" * length, CTX)
    assert len(blob) == HEADER_SIZE + bucket + 16


def test_names_of_different_lengths_in_one_bucket_give_equal_lengths() -> None:
    key = new_data_key()
    names = ["Ana Li", "Wanjiru Mwangi", "Ngũgĩ wa Thiong'o", "Leyla Şahin-Demir"]
    blobs = [encrypt_field(key, name, CTX) for name in names]
    assert len({len(name.encode()) for name in names}) == len(names)
    assert len({len(blob) for blob in blobs}) == 1
    assert [decrypt_field(key, blob, CTX) for blob in blobs] == names


def test_unpadded_ciphertexts_from_before_padding_still_decrypt() -> None:
    from hrd_cases.crypto.envelope import FIELD_TEXT_FORMAT, _encrypt

    key = new_data_key()
    legacy = _encrypt(key, FIELD_TEXT_FORMAT, "José Ramírez".encode(), CTX, 1)
    assert legacy[0] == 0x46 and len(legacy) == HEADER_SIZE + len("José Ramírez".encode()) + 16
    assert decrypt_field(key, legacy, CTX) == "José Ramírez"
    assert field_key_version(legacy) == 1


@pytest.mark.parametrize(
    "padded",
    [b"abc" + bytes(29), b"abc\x80" + bytes(27) + b"\x01", b"abc\x80" + bytes(60), b"abc\x80"],
)
def test_bad_padding_is_refused_even_when_authentic(padded: bytes) -> None:
    """Only the writer's own padding is accepted: no 0x80 marker, a non-zero byte after it,
    or a length that is not the bucket of the text all fail loudly."""
    from hrd_cases.crypto.envelope import FIELD_PADDED_TEXT_FORMAT, _encrypt

    key = new_data_key()
    blob = _encrypt(key, FIELD_PADDED_TEXT_FORMAT, padded, CTX, 1)
    with pytest.raises(DecryptionError, match="invalid padding"):
        decrypt_field(key, blob, CTX)
