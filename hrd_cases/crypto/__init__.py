"""Field-level encryption, key management and blind indexes for hrd_cases.

Pure by design (stdlib + ``cryptography`` only, no Flask, database or logging) so that the code
protecting the names of people at risk can be reviewed and tested in isolation.
"""

from __future__ import annotations

from hrd_cases.crypto.blind_index import (
    BlindIndex,
    NameQuery,
    matches,
    name_terms,
    normalise_name,
)
from hrd_cases.crypto.context import DataKeyContext, EncryptionContext
from hrd_cases.crypto.envelope import (
    Rewrapper,
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
from hrd_cases.crypto.errors import (
    CryptoError,
    DecryptionError,
    ErasedError,
    KeyringError,
    TamperedRelation,
    UnknownKeyVersion,
)
from hrd_cases.crypto.keyring import (
    EnvKeyProvider,
    FileKeyProvider,
    KeyProvider,
    Keyring,
    load_provider,
)
from hrd_cases.crypto.relation_mac import RelationMac

__all__ = [
    "BlindIndex",
    "CryptoError",
    "DataKeyContext",
    "DecryptionError",
    "EncryptionContext",
    "EnvKeyProvider",
    "ErasedError",
    "FileKeyProvider",
    "KeyProvider",
    "Keyring",
    "KeyringError",
    "NameQuery",
    "RelationMac",
    "Rewrapper",
    "TamperedRelation",
    "UnknownKeyVersion",
    "decrypt_bytes",
    "decrypt_field",
    "encrypt_bytes",
    "encrypt_field",
    "field_key_version",
    "load_provider",
    "matches",
    "name_terms",
    "new_data_key",
    "normalise_name",
    "rewrap_data_key",
    "unwrap_data_key",
    "wrap_data_key",
    "wrapped_kek_version",
]
