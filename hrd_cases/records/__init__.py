"""The only path between plaintext and the database.

Models declare their ``encrypted_fields``; this package turns plaintext into ciphertext columns
and back, manages data keys (rotation, erasure) and the blind index. Code elsewhere handles
plaintext values or ORM objects, never ciphertext.
"""

from hrd_cases.records.vault import AesGcmFieldCipher, EncryptedRecord, FieldCipher, RecordVault

__all__ = [
    "AesGcmFieldCipher",
    "EncryptedRecord",
    "FieldCipher",
    "RecordVault",
]
