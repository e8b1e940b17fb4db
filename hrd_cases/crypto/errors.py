"""Exception types raised by :mod:`hrd_cases.crypto`.

Why a hierarchy: callers must tell "this one record cannot be decrypted" (show an error for
that record, keep serving the rest) apart from "the keyring is unusable" (refuse to start).
Messages never contain plaintext or key bytes, so they are safe to log and to show operators;
table, field and record ids are not personal data and may appear.
"""

from __future__ import annotations


class CryptoError(Exception):
    """Base class for every error raised by this package."""


class DecryptionError(CryptoError):
    """A ciphertext or wrapped data key is malformed or does not authenticate."""


class UnknownKeyVersion(DecryptionError):
    """A blob names a key version that is not (or no longer) available."""


class ErasedError(DecryptionError):
    """The record's data key was destroyed on purpose (crypto-erasure), so it is gone."""

    def __init__(self, message: str = "record was erased") -> None:
        super().__init__(message)


class KeyringError(CryptoError):
    """The keyring cannot be loaded, parsed or saved; the message is one line for operators."""


class TamperedRelation(DecryptionError):
    """A relation row (a case's link to a defender) fails its MAC: it was changed outside the
    application. The message names the relation and references, never personal data."""
