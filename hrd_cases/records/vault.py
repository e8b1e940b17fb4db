"""RecordVault: seal and open the encrypted fields of records, create and erase data keys."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Protocol

from hrd_cases.crypto import (
    BlindIndex,
    DataKeyContext,
    EncryptionContext,
    ErasedError,
    KeyProvider,
    Keyring,
    RelationMac,
    UnknownKeyVersion,
    decrypt_field,
    encrypt_field,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
)
from hrd_cases.db import utcnow
from hrd_cases.domain.errors import ValidationFailed
from hrd_cases.domain.text_input import TextRejected, clean_record_fields
from hrd_cases.models.keys import DataKey

# The keyring file is re-read this often, so a rotation done by `hrd-cases keys rotate` reaches
# running workers without a restart (new data keys then go to the new primary KEK).
KEYRING_REFRESH_SECONDS = 10.0


class EncryptedRecord(Protocol):
    """What a model offers the vault: a table, an id, its encrypted fields and its data key."""

    # Read-only members, so that ORM columns (Mapped[...]) and plain attributes both fit;
    # a user's id is an int, every other record's a UUID.
    @property
    def __tablename__(self) -> str: ...
    @property
    def encrypted_fields(self) -> tuple[str, ...]: ...
    @property
    def id(self) -> uuid.UUID | int: ...

    def key_holder(self) -> DataKey: ...


class FieldCipher(Protocol):
    def encrypt(self, dek: bytes, plaintext: str, context: EncryptionContext) -> bytes: ...
    def decrypt(self, dek: bytes, blob: bytes, context: EncryptionContext) -> str: ...


class AesGcmFieldCipher:
    """The real cipher: AES-256-GCM bound to (table, field, record id)."""

    def encrypt(self, dek: bytes, plaintext: str, context: EncryptionContext) -> bytes:
        return encrypt_field(dek, plaintext, context)

    def decrypt(self, dek: bytes, blob: bytes, context: EncryptionContext) -> str:
        return decrypt_field(dek, blob, context)


def data_key_context_for(data_key_id: uuid.UUID | str) -> DataKeyContext:
    """A wrapped data key is bound to its own row: copied to another row, it fails to unwrap."""
    return DataKeyContext("data_keys", str(data_key_id))


def field_context(record: EncryptedRecord, field: str) -> EncryptionContext:
    return EncryptionContext(record.__tablename__, field, str(record.id))


class RecordVault:
    def __init__(
        self, provider: KeyProvider, *, index_bits: int, cipher: FieldCipher | None = None
    ) -> None:
        self._provider = provider
        self._index_bits = index_bits
        self._cipher: FieldCipher = cipher or AesGcmFieldCipher()
        self._lock = threading.Lock()
        # The keyring and the blind index derived from it, swapped together on reload.
        self._state_cache: tuple[Keyring, BlindIndex] | None = None
        self._loaded_at = 0.0
        self._relation_mac: tuple[bytes, RelationMac] | None = None

    # Keyring -------------------------------------------------------------------------------
    @property
    def provider(self) -> KeyProvider:
        return self._provider

    def keyring(self) -> Keyring:
        return self._state()[0]

    @property
    def blind_index(self) -> BlindIndex:
        return self._state()[1]

    @property
    def relation_mac(self) -> RelationMac:
        """MACs over relation rows, keyed from the keyring's root (index) key, which rotation
        of KEKs leaves alone: links need no re-signing when KEKs rotate."""
        index_key = self.keyring().index_key
        cached = self._relation_mac
        if cached is None or cached[0] != index_key:
            cached = (index_key, RelationMac(index_key))
            self._relation_mac = cached
        return cached[1]

    def reload(self) -> None:
        with self._lock:
            keyring = self._provider.load()
            if self._state_cache is None or keyring.index_key != self._state_cache[0].index_key:
                index = BlindIndex(keyring.index_key, bits=self._index_bits)
            else:
                index = self._state_cache[1]
            self._state_cache, self._loaded_at = (keyring, index), time.monotonic()

    def _state(self) -> tuple[Keyring, BlindIndex]:
        state = self._state_cache
        if state is None or time.monotonic() - self._loaded_at > KEYRING_REFRESH_SECONDS:
            self.reload()
            state = self._state_cache
        if state is None:
            raise RuntimeError("keyring reload left no state")  # reload() always sets it
        return state

    # Data keys -----------------------------------------------------------------------------
    def create_data_key(self, purpose: str) -> DataKey:
        # Always the current primary: a key wrapped under a stale, about-to-be-retired version
        # would become unreadable when that version is retired (reading the file is ~0.1 ms).
        self.reload()
        keyring = self.keyring()
        data_key = DataKey(id=uuid.uuid4(), purpose=purpose, kek_version=keyring.primary)
        data_key.wrapped_key = wrap_data_key(
            keyring, new_data_key(), data_key_context_for(data_key.id)
        )
        return data_key

    def _unwrap(self, data_key: DataKey, where: str) -> bytes:
        if data_key.wrapped_key is None:
            raise ErasedError(f"{where} was erased")
        try:
            return unwrap_data_key(
                self.keyring(), data_key.wrapped_key, data_key_context_for(data_key.id)
            )
        except UnknownKeyVersion:
            self.reload()  # rotated by another process since we last looked
            return unwrap_data_key(
                self.keyring(), data_key.wrapped_key, data_key_context_for(data_key.id)
            )

    def record_key(self, record: EncryptedRecord) -> bytes:
        """A record's data key itself, for content sealed in chunks rather than fields (a
        case's attachments). Stays inside hrd_cases.records; raises ErasedError once erased."""
        return self._unwrap(record.key_holder(), f"{record.__tablename__}#{record.id}")

    @staticmethod
    def erase_data_key(data_key: DataKey) -> None:
        """Crypto-shredding: without the wrapped key, nothing it protected can be decrypted,
        whatever keyring is at hand. The caller audits and commits."""
        data_key.wrapped_key = None
        data_key.erased_at = utcnow()

    # Fields --------------------------------------------------------------------------------
    def seal(self, record: EncryptedRecord, values: Mapping[str, str | None]) -> None:
        """Encrypt ``values`` into the record's ciphertext columns (None clears a field).

        Every text passes the input policy here, whichever face or service it came from; the
        stored form is the normalised one (NFC), so search and decryption agree on it.
        """
        _check_fields(record, values)
        values = clean_texts(record.__tablename__, values)
        if record.id is None:
            record.id = uuid.uuid4()  # the id is part of each ciphertext's associated data
        dek = self._unwrap(record.key_holder(), f"{record.__tablename__}#{record.id}")
        for field, value in values.items():
            blob = (
                None
                if value is None
                else self._cipher.encrypt(dek, value, field_context(record, field))
            )
            setattr(record, f"{field}_ciphertext", blob)

    def open(
        self, record: EncryptedRecord, fields: Iterable[str] | None = None
    ) -> dict[str, str | None]:
        """Decrypt fields of a record. Raises ErasedError if its data key was destroyed."""
        wanted = tuple(fields) if fields is not None else record.encrypted_fields
        _check_fields(record, wanted)
        dek = self._unwrap(record.key_holder(), f"{record.__tablename__}#{record.id}")
        opened: dict[str, str | None] = {}
        for field in wanted:
            blob = getattr(record, f"{field}_ciphertext")
            opened[field] = (
                None
                if blob is None
                else self._cipher.decrypt(dek, bytes(blob), field_context(record, field))
            )
        return opened

    def open_field(self, record: EncryptedRecord, field: str) -> str | None:
        return self.open(record, (field,))[field]


def clean_texts(table: str, values: Mapping[str, str | None]) -> dict[str, str | None]:
    """The input policy (``domain.text_input``) as a service error: 422 on both faces."""
    try:
        return clean_record_fields(table, values)
    except TextRejected as exc:
        raise ValidationFailed({exc.field or "text": [exc.message]}) from None


def _check_fields(record: EncryptedRecord, fields: Iterable[str]) -> None:
    unknown = set(fields) - set(record.encrypted_fields)
    if unknown:
        raise ValueError(
            f"{record.__tablename__} has no encrypted field(s) {', '.join(sorted(unknown))}"
        )
