"""Keyed MACs over relation rows, so a row re-pointed in the database fails loudly.

A ``case_defenders`` row says "this defender is concerned by this case". Encryption binds each
ciphertext to its own row, but the link itself is two clear ids: someone who can write to the
database could point a case at another defender, and the application would show that
defender's (authentic) name under the wrong case. The MAC binds the relation's name and both
ids under a key derived from the keyring's root key (HKDF, its own label), and is checked on
every read of the link.
"""

from __future__ import annotations

import hmac
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hrd_cases.crypto.context import _length_prefixed
from hrd_cases.crypto.keyring import KEY_SIZE

RELATION_MAC_INFO: Final = b"hrd-cases/relation-mac/v1"
RELATION_MAC_SIZE: Final = 32


class RelationMac:
    """HMAC-SHA256 of (relation, ids...) under a derived subkey."""

    def __init__(self, root_key: bytes) -> None:
        if not isinstance(root_key, bytes | bytearray) or len(root_key) != KEY_SIZE:
            raise ValueError(f"root_key must be {KEY_SIZE} bytes")
        self._key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=RELATION_MAC_INFO
        ).derive(bytes(root_key))

    def __repr__(self) -> str:
        return "RelationMac(key=<redacted>)"

    def mac(self, relation: str, *ids: str) -> bytes:
        return hmac.digest(self._key, _length_prefixed(relation.encode(), ids), "sha256")

    def verify(self, mac: bytes | bytearray | memoryview | None, relation: str, *ids: str) -> bool:
        """True only for the MAC this key gives; a missing MAC never verifies."""
        if mac is None:
            return False
        return hmac.compare_digest(bytes(mac), self.mac(relation, *ids))
