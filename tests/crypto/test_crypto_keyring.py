"""Keyring: immutability, rotation steps, strict serialisation without leaking keys."""

from __future__ import annotations

import base64
import json

import pytest

from hrd_cases.crypto import Keyring, KeyringError, UnknownKeyVersion


def _document(keyring: Keyring) -> dict[str, object]:
    document: dict[str, object] = json.loads(keyring.to_json())
    return document


def _secrets_of(keyring: Keyring) -> list[str]:
    keys = [*keyring.keks.values(), keyring.index_key]
    return [base64.b64encode(k).decode() for k in keys] + [k.hex() for k in keys]


def test_generate_serialise_parse_round_trip() -> None:
    keyring = Keyring.generate()
    assert keyring.primary == 1
    assert keyring.versions() == (1,)
    assert len(keyring.kek(1)) == 32
    assert len(keyring.index_key) == 32
    assert keyring.kek(1) != keyring.index_key
    parsed = Keyring.from_json(keyring.to_json())
    assert parsed == keyring
    assert parsed != Keyring.generate()
    document = _document(keyring)
    assert document["format"] == "hrd-cases-keyring/1"
    assert set(document) == {"format", "primary", "keks", "index_key"}


def test_rotated_keyring_round_trips() -> None:
    keyring = Keyring.generate().with_new_primary().with_new_primary().without_version(2)
    assert keyring.versions() == (1, 3)
    assert keyring.primary == 3
    assert Keyring.from_json(keyring.to_json()) == keyring


def test_keyring_is_immutable_and_repr_hides_keys() -> None:
    keyring = Keyring.generate()
    with pytest.raises(AttributeError):
        keyring.primary = 2
    with pytest.raises(TypeError):
        keyring.keks[2] = b"\x00" * 32
    text = repr(keyring)
    assert "redacted" in text
    for secret in _secrets_of(keyring):
        assert secret not in text
    assert keyring.kek(1) not in text.encode()


def test_with_new_primary_keeps_index_key_and_old_versions() -> None:
    keyring = Keyring.generate()
    rotated = keyring.with_new_primary()
    assert rotated.primary == 2
    assert rotated.kek(1) == keyring.kek(1)
    assert rotated.kek(2) != keyring.kek(1)
    assert rotated.index_key == keyring.index_key
    assert keyring.versions() == (1,)  # original untouched


def test_without_primary_is_refused() -> None:
    keyring = Keyring.generate().with_new_primary()
    with pytest.raises(KeyringError, match="primary"):
        keyring.without_version(2)
    with pytest.raises(KeyringError):
        keyring.without_version(7)


def test_kek_unknown_version() -> None:
    with pytest.raises(UnknownKeyVersion):
        Keyring.generate().kek(2)


@pytest.mark.parametrize(
    ("keks", "primary", "index_key"),
    [
        ({}, 1, b"i" * 32),
        ({1: b"a" * 31}, 1, b"i" * 32),
        ({1: b"a" * 32}, 2, b"i" * 32),
        ({0: b"a" * 32}, 0, b"i" * 32),
        ({1: b"a" * 32}, True, b"i" * 32),
        ({1: b"a" * 32}, 1, b"i" * 16),
        ({1: b"a" * 32, 2: b"a" * 32}, 2, b"i" * 32),
        ({1: b"a" * 32}, 1, b"a" * 32),
        ({2**32: b"a" * 32}, 2**32, b"i" * 32),
    ],
)
def test_invalid_keyrings_are_refused(
    keks: dict[int, bytes], primary: int, index_key: bytes
) -> None:
    with pytest.raises(KeyringError):
        Keyring(keks=keks, primary=primary, index_key=index_key)


def _valid_document() -> dict[str, object]:
    return _document(Keyring.generate().with_new_primary())


def _mutations() -> list[tuple[str, object]]:
    def drop(field: str) -> object:
        def apply(doc: dict[str, object]) -> None:
            del doc[field]

        return apply

    def setter(field: str, value: object) -> object:
        def apply(doc: dict[str, object]) -> None:
            doc[field] = value

        return apply

    def set_kek(version: str, value: object) -> object:
        def apply(doc: dict[str, object]) -> None:
            doc["keks"][version] = value

        return apply

    short_key = base64.b64encode(b"k" * 16).decode()
    return [
        ("missing format", drop("format")),
        ("missing primary", drop("primary")),
        ("missing keks", drop("keks")),
        ("missing index_key", drop("index_key")),
        ("extra field", setter("comment", "hello")),
        ("wrong format", setter("format", "hrd-cases-keyring/2")),
        ("primary as string", setter("primary", "2")),
        ("primary as float", setter("primary", 2.0)),
        ("primary as bool", setter("primary", True)),
        ("primary not present", setter("primary", 9)),
        ("keks not object", setter("keks", ["x"])),
        ("keks empty", setter("keks", {})),
        ("index_key not base64", setter("index_key", "not base64!!")),
        ("index_key short", setter("index_key", short_key)),
        ("index_key number", setter("index_key", 5)),
        ("kek short", set_kek("1", short_key)),
        ("kek version zero", set_kek("0", base64.b64encode(b"z" * 32).decode())),
        ("kek version padded", set_kek("01", base64.b64encode(b"z" * 32).decode())),
        ("kek version words", set_kek("one", base64.b64encode(b"z" * 32).decode())),
        ("kek null", set_kek("1", None)),
    ]


@pytest.mark.parametrize(("label", "mutate"), _mutations(), ids=[m[0] for m in _mutations()])
def test_malformed_documents_fail_without_leaking_keys(label: str, mutate: object) -> None:
    document = _valid_document()
    mutate(document)
    text = json.dumps(document)
    with pytest.raises(KeyringError) as caught:
        Keyring.from_json(text, source="keyring file /x/keyring.json")
    message = str(caught.value)
    assert message.startswith("keyring file /x/keyring.json: ")
    assert "\n" not in message
    assert "k" * 16 not in message
    for field in ("keks", "index_key"):
        value = document.get(field)
        secrets = value.values() if isinstance(value, dict) else [value]
        for secret in secrets:
            if isinstance(secret, str) and len(secret) > 20:
                assert secret not in message, label


@pytest.mark.parametrize(
    "text",
    ["", "{", "[]", "null", '"keyring"', "{'format': 1}", "NaN", '{"a": NaN}', "\x00"],
)
def test_non_keyring_json_is_refused(text: str) -> None:
    with pytest.raises(KeyringError):
        Keyring.from_json(text)


def test_duplicate_fields_are_refused() -> None:
    document = Keyring.generate().to_json()
    duplicated = document.replace('"primary": 1', '"primary": 1, "primary": 1')
    with pytest.raises(KeyringError, match="duplicate"):
        Keyring.from_json(duplicated)


def test_truncated_document_message_is_positional_only() -> None:
    text = Keyring.generate().to_json()
    with pytest.raises(KeyringError) as caught:
        Keyring.from_json(text[: len(text) // 2])
    message = str(caught.value)
    assert "line" in message
    assert '"index_key"' not in message
    assert "\n" not in message
