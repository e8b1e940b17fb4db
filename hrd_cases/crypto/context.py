"""Associated data (AAD) that binds every ciphertext to where it belongs.

Why: AES-GCM authenticates the AAD, so a ciphertext copied into another record, field or table
(or a wrapped data key copied to another owner) fails to decrypt instead of silently showing one
person's data under another person's record. The encoding is canonical and unambiguous: a
domain-separation label followed by length-prefixed UTF-8 parts, so ("ab", "c") and ("a", "bc")
never collide, and field AAD can never equal data-key AAD.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Final

FIELD_AAD_LABEL: Final = b"hrd-cases/field/v1"
DATA_KEY_AAD_LABEL: Final = b"hrd-cases/dek/v1"


def _length_prefixed(label: bytes, parts: tuple[str, ...]) -> bytes:
    """Encode label and parts as (uint32 big-endian length, bytes) pairs."""
    chunks = [len(label).to_bytes(4, "big"), label]
    for part in parts:
        encoded = part.encode("utf-8")
        chunks.append(len(encoded).to_bytes(4, "big"))
        chunks.append(encoded)
    return b"".join(chunks)


def _require_identifier(name: str, value: object) -> None:
    """Reject values that would make the AAD ambiguous or unencodable."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    if "\x00" in value:
        raise ValueError(f"{name} must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{name} must be valid Unicode (no lone surrogates)") from None


@dataclass(frozen=True, slots=True)
class EncryptionContext:
    """Where an encrypted field lives: ``table.field`` of the row ``record_id``."""

    table: str
    field: str
    record_id: str
    _aad: bytes = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _require_identifier("table", self.table)
        _require_identifier("field", self.field)
        _require_identifier("record_id", self.record_id)
        encoded = _length_prefixed(FIELD_AAD_LABEL, (self.table, self.field, self.record_id))
        object.__setattr__(self, "_aad", encoded)  # computed once: contexts are reused per op

    def aad(self) -> bytes:
        """Canonical associated data for field encryption."""
        return self._aad

    def __str__(self) -> str:
        return f"{self.table}.{self.field}#{self.record_id}"


@dataclass(frozen=True, slots=True)
class DataKeyContext:
    """Who owns a wrapped data key: the row ``owner_id`` of ``owner_table``."""

    owner_table: str
    owner_id: str
    _aad: bytes = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _require_identifier("owner_table", self.owner_table)
        _require_identifier("owner_id", self.owner_id)
        encoded = _length_prefixed(DATA_KEY_AAD_LABEL, (self.owner_table, self.owner_id))
        object.__setattr__(self, "_aad", encoded)

    def aad(self) -> bytes:
        """Canonical associated data for wrapping a data key under a KEK."""
        return self._aad

    def __str__(self) -> str:
        return f"{self.owner_table}#{self.owner_id}"


ATTACHMENT_AAD_LABEL: Final = b"hrd-cases/attachment/v1"


def attachment_binding(case_id: str, attachment_id: str) -> bytes:
    """What every chunk of an attachment is bound to: its case and its own id, so a chunk
    moved into another file, or a file moved to another case, fails to open."""
    _require_identifier("case_id", case_id)
    _require_identifier("attachment_id", attachment_id)
    return _length_prefixed(ATTACHMENT_AAD_LABEL, (case_id, attachment_id))
