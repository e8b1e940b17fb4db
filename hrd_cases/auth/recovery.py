"""One-time recovery codes: the way back in when the authenticator device is lost or seized.

Codes are shown to the user once; only their hashes are stored. Each code is usable once: the
caller marks the exact hash returned by `find_matching_code` as used.

Why salted SHA-256 and not Argon2: Argon2's cost exists to slow down guessing of low-entropy,
human-chosen secrets. A recovery code is 16 symbols drawn uniformly by `secrets` from 31,
about 79 bits, so there is no dictionary to try and exhausting even a 2**60 fraction of the
space is out of reach of an offline attacker. Argon2 with real parameters would instead cost
every sign-in attempt ten slow hashes (one per stored code), an easy denial-of-service lever.
A random 128-bit salt per hash (plus a domain-separation prefix) stops an attacker who has the
database from attacking all users' codes at once: each hash has to be brute-forced alone.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import unicodedata
from collections.abc import Iterable

# Digits and lower-case letters without the look-alikes 0/o, 1/l/i (I after case-folding).
RECOVERY_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_CODE_GROUPS = 4
RECOVERY_CODE_GROUP_LENGTH = 4
RECOVERY_CODE_LENGTH = RECOVERY_CODE_GROUPS * RECOVERY_CODE_GROUP_LENGTH
RECOVERY_CODE_ENTROPY_BITS = RECOVERY_CODE_LENGTH * math.log2(len(RECOVERY_CODE_ALPHABET))
DEFAULT_RECOVERY_CODE_COUNT = 10
MAX_RECOVERY_CODE_COUNT = 100

# Stored form: "rc1$<32 hex salt>$<64 hex sha256>", 101 characters.
_HASH_SCHEME = "rc1"
_SALT_BYTES = 16
_DOMAIN_PREFIX = b"hrd_cases/recovery-code/v1\x00"
# Generous room for spacing and hyphens; longer input is refused before normalising it.
_MAX_CANDIDATE_INPUT_LENGTH = 64
# Hyphen-like characters a code copied from a PDF or word processor may arrive with.
_IGNORED_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
_ALPHABET_SET = frozenset(RECOVERY_CODE_ALPHABET)


def generate_recovery_codes(count: int = DEFAULT_RECOVERY_CODE_COUNT) -> list[str]:
    """`count` distinct codes like "k7mq-3xhp-9rtd-wc2e", to show to the user once."""
    if not 1 <= count <= MAX_RECOVERY_CODE_COUNT:
        raise ValueError(f"count must be between 1 and {MAX_RECOVERY_CODE_COUNT}")
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < count:  # a repeat is astronomically unlikely, but must not happen
        code = _new_code()
        if code not in seen:
            seen.add(code)
            codes.append(code)
    return codes


def normalise_recovery_code(text: str) -> str:
    """The canonical form that is hashed: lower case, no whitespace, no hyphens.

    Users retype codes from paper, so case, spacing and dashes must not matter.
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(
        char for char in folded if not char.isspace() and char not in _IGNORED_SEPARATORS
    )


def hash_recovery_code(code: str) -> str:
    """The value to store for one code (salted, so equal codes hash differently).

    Raises ValueError for input that is not a well-formed code, so nothing low-entropy can be
    stored as a recovery code by mistake. The message does not repeat the input.
    """
    normalised = normalise_recovery_code(code)
    if not _is_well_formed(normalised):
        raise ValueError("not a well-formed recovery code")
    salt = secrets.token_bytes(_SALT_BYTES)
    return f"{_HASH_SCHEME}${salt.hex()}${_digest(salt, normalised).hex()}"


def find_matching_code(candidate: str, stored_hashes: Iterable[str]) -> str | None:
    """The stored hash the candidate matches, or None, so the caller can burn exactly that one.

    Every stored hash is checked with a constant-time comparison, with no early exit, so the
    time taken does not reveal which of the codes (if any) matched. Raises ValueError if a
    stored hash is malformed: that is corrupted data, not a wrong guess.
    """
    hashes = list(stored_hashes)
    parsed = [_parse_stored_hash(stored) for stored in hashes]
    if not isinstance(candidate, str) or len(candidate) > _MAX_CANDIDATE_INPUT_LENGTH:
        return None
    normalised = normalise_recovery_code(candidate)
    if not _is_well_formed(normalised):
        return None
    match: str | None = None
    for stored, (salt, expected_digest) in zip(hashes, parsed, strict=True):
        if hmac.compare_digest(_digest(salt, normalised), expected_digest) and match is None:
            match = stored
    return match


def _new_code() -> str:
    groups = (
        "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_GROUP_LENGTH))
        for _ in range(RECOVERY_CODE_GROUPS)
    )
    return "-".join(groups)


def _is_well_formed(normalised: str) -> bool:
    return len(normalised) == RECOVERY_CODE_LENGTH and set(normalised) <= _ALPHABET_SET


def _digest(salt: bytes, normalised: str) -> bytes:
    return hashlib.sha256(_DOMAIN_PREFIX + salt + normalised.encode("ascii")).digest()


def _parse_stored_hash(stored: str) -> tuple[bytes, bytes]:
    parts = stored.split("$") if isinstance(stored, str) else []
    if len(parts) != 3 or parts[0] != _HASH_SCHEME:
        raise ValueError("malformed stored recovery-code hash")
    try:
        salt, digest = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
    except ValueError:
        raise ValueError("malformed stored recovery-code hash") from None
    if len(salt) != _SALT_BYTES or len(digest) != hashlib.sha256().digest_size:
        raise ValueError("malformed stored recovery-code hash")
    return salt, digest
