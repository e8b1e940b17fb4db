"""Envelope encryption with AES-256-GCM: KEKs wrap per-record data keys, data keys seal fields.

Why envelope encryption: rotating a KEK only rewraps 32-byte data keys (fast), and destroying
one record's data key erases that record without touching anything else.

Every blob starts with a 17-byte header that is also authenticated as associated data::

    offset 0   1 byte   format   0x4B 'K' wrapped data key | 0x50 'P' padded text field
                                 | 0x46 'F' text field (unpadded, before issue 15) | 0x42 'B' bytes
    offset 1   4 bytes  version  uint32 big-endian: KEK version ('K') or data-key version ('F'/'B')
    offset 5  12 bytes  nonce    random (os.urandom)
    offset 17  n+16     AES-GCM ciphertext followed by the 16-byte tag

AAD = context.aad() + header, so the ciphertext is bound to its table/field/record (or the
data key to its owner), to its format, and to the version number it claims. Distinct format
bytes stop a text blob being decrypted as bytes or a wrapped key as a field.

Text fields are padded before encryption (format 'P'), so a ciphertext's length tells a bucket,
not the exact UTF-8 length of a name: the plaintext is followed by 0x80 and zero bytes up to a
multiple of 32 bytes while it is shorter than 256 bytes (names and short fields), else a
multiple of 256 (long texts). The padding is inside the AES-GCM plaintext, so it is
authenticated, and it is checked on decryption. Format 'F' blobs (unpadded, written before)
still decrypt.

Nonces are random 96-bit values: safe up to about 2**32 encryptions per key. Data keys are
per record, and each KEK wraps one data key per record per rotation, far below that bound.

``AESGCM`` objects are built per call (about 2 microseconds) rather than cached, so no cache
keeps key material alive after the caller drops it.
"""

from __future__ import annotations

import os
import struct
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hrd_cases.crypto.context import DataKeyContext, EncryptionContext
from hrd_cases.crypto.errors import DecryptionError, UnknownKeyVersion
from hrd_cases.crypto.keyring import KEY_SIZE, MAX_KEY_VERSION, Keyring

WRAPPED_KEY_FORMAT: Final = 0x4B  # "K"
FIELD_TEXT_FORMAT: Final = 0x46  # "F": unpadded, read only (written before padding existed)
FIELD_PADDED_TEXT_FORMAT: Final = 0x50  # "P"
SHORT_BUCKET: Final = 32
LONG_BUCKET: Final = 256
FIELD_BYTES_FORMAT: Final = 0x42  # "B"
NONCE_SIZE: Final = 12
TAG_SIZE: Final = 16
_HEADER = struct.Struct(">BI12s")
HEADER_SIZE: Final = _HEADER.size  # 17
WRAPPED_KEY_SIZE: Final = HEADER_SIZE + KEY_SIZE + TAG_SIZE  # 65

Blob = bytes | bytearray | memoryview  # database drivers may hand back any of these

_FORMAT_NAMES: Final = {
    WRAPPED_KEY_FORMAT: "wrapped data key",
    FIELD_TEXT_FORMAT: "text field ciphertext",
    FIELD_PADDED_TEXT_FORMAT: "text field ciphertext",
    FIELD_BYTES_FORMAT: "bytes field ciphertext",
}


def new_data_key() -> bytes:
    """A fresh random 32-byte data key (one per record)."""
    return os.urandom(KEY_SIZE)


def _require_key(key: object, what: str) -> bytes:
    if not isinstance(key, bytes | bytearray) or len(key) != KEY_SIZE:
        raise ValueError(f"{what} must be {KEY_SIZE} bytes")
    return bytes(key)


def _require_version(version: object, what: str) -> int:
    if isinstance(version, bool) or not isinstance(version, int):
        raise TypeError(f"{what} must be an int")
    if not 1 <= version <= MAX_KEY_VERSION:
        raise ValueError(f"{what} must be between 1 and {MAX_KEY_VERSION}")
    return version


def _as_bytes(blob: object, what: str) -> bytes:
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise TypeError(f"{what} must be bytes, not {type(blob).__name__}")
    return bytes(blob)


def _seal(key: bytes, format_byte: int, version: int, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_SIZE)
    header = _HEADER.pack(format_byte, version, nonce)
    return header + AESGCM(key).encrypt(nonce, plaintext, aad + header)


def _parse_header(blob: bytes, format_byte: int, where: str | None) -> tuple[int, bytes]:
    """Return (version, nonce) or raise DecryptionError naming the blob kind and location."""
    kind = _FORMAT_NAMES[format_byte] + (f" for {where}" if where else "")
    if len(blob) < HEADER_SIZE + TAG_SIZE:
        raise DecryptionError(f"{kind} is truncated ({len(blob)} bytes)")
    found_format, version, nonce = _HEADER.unpack_from(blob)
    if found_format != format_byte:
        raise DecryptionError(
            f"{kind} has format byte 0x{found_format:02x}, expected 0x{format_byte:02x}"
        )
    if version == 0:
        raise DecryptionError(f"{kind} has invalid key version 0")
    return version, nonce


def _open(key: bytes, blob: bytes, format_byte: int, aad: bytes, where: str) -> bytes:
    _, nonce = _parse_header(blob, format_byte, where)
    header = blob[:HEADER_SIZE]
    try:
        return AESGCM(key).decrypt(nonce, blob[HEADER_SIZE:], aad + header)
    except InvalidTag:
        raise DecryptionError(
            f"{_FORMAT_NAMES[format_byte]} does not authenticate for {where}"
        ) from None


# --- data keys under KEKs -------------------------------------------------------------------


def wrapped_kek_version(wrapped: Blob) -> int:
    """The KEK version a wrapped data key claims (header only; not authenticated yet)."""
    version, _ = _parse_header(_as_bytes(wrapped, "wrapped"), WRAPPED_KEY_FORMAT, None)
    return version


def wrap_data_key(keyring: Keyring, dek: bytes, ctx: DataKeyContext) -> bytes:
    """Wrap ``dek`` for its owner under the keyring's primary KEK."""
    if not isinstance(ctx, DataKeyContext):
        raise TypeError("ctx must be a DataKeyContext")
    dek = _require_key(dek, "data key")
    return _seal(keyring.primary_kek, WRAPPED_KEY_FORMAT, keyring.primary, dek, ctx.aad())


def unwrap_data_key(keyring: Keyring, wrapped: Blob, ctx: DataKeyContext) -> bytes:
    """Recover a data key; UnknownKeyVersion if its KEK was retired, else DecryptionError."""
    if not isinstance(ctx, DataKeyContext):
        raise TypeError("ctx must be a DataKeyContext")
    blob = _as_bytes(wrapped, "wrapped")
    where = str(ctx)
    version, _ = _parse_header(blob, WRAPPED_KEY_FORMAT, where)
    if version not in keyring.keks:
        raise UnknownKeyVersion(
            f"wrapped data key for {where} uses KEK version {version}, which is not in the "
            f"keyring (versions {', '.join(map(str, keyring.versions()))})"
        )
    kek = keyring.kek(version)
    dek = _open(kek, blob, WRAPPED_KEY_FORMAT, ctx.aad(), where)
    if len(dek) != KEY_SIZE:
        raise DecryptionError(f"wrapped data key for {where} does not hold a {KEY_SIZE}-byte key")
    return dek


def rewrap_data_key(keyring: Keyring, wrapped: Blob, ctx: DataKeyContext) -> bytes:
    """Move a wrapped data key to the primary KEK (KEK rotation).

    Returns the input unchanged (not re-authenticated) if it is already on the primary, so a
    rotation job can be re-run cheaply.
    """
    blob = _as_bytes(wrapped, "wrapped")
    if wrapped_kek_version(blob) == keyring.primary:
        return blob
    return wrap_data_key(keyring, unwrap_data_key(keyring, blob, ctx), ctx)


class Rewrapper:
    """Re-wraps many data keys under the primary KEK: rotation's hot loop.

    Same checks and output as :func:`rewrap_data_key`, but one cipher object per KEK version
    for the whole run instead of two per key (the KEKs are in memory anyway, in the keyring).
    """

    def __init__(self, keyring: Keyring) -> None:
        self._primary_version = keyring.primary
        self._ciphers = {version: AESGCM(kek) for version, kek in keyring.keks.items()}
        self._primary = self._ciphers[keyring.primary]
        self._versions = keyring.versions()

    def rewrap(self, wrapped: Blob, ctx: DataKeyContext) -> bytes:
        blob = _as_bytes(wrapped, "wrapped")
        version, nonce = _parse_header(blob, WRAPPED_KEY_FORMAT, None)
        if version == self._primary_version:
            return blob
        cipher = self._ciphers.get(version)
        if cipher is None:
            raise UnknownKeyVersion(
                f"wrapped data key for {ctx} uses KEK version {version}, which is not in the "
                f"keyring (versions {', '.join(map(str, self._versions))})"
            )
        aad = ctx.aad()
        try:
            dek = cipher.decrypt(nonce, blob[HEADER_SIZE:], aad + blob[:HEADER_SIZE])
        except InvalidTag:
            raise DecryptionError(f"wrapped data key does not authenticate for {ctx}") from None
        if len(dek) != KEY_SIZE:
            raise DecryptionError(f"wrapped data key for {ctx} does not hold a {KEY_SIZE}-byte key")
        new_nonce = os.urandom(NONCE_SIZE)
        header = _HEADER.pack(WRAPPED_KEY_FORMAT, self._primary_version, new_nonce)
        return header + self._primary.encrypt(new_nonce, dek, aad + header)


# --- fields under data keys -----------------------------------------------------------------


def field_key_version(blob: Blob) -> int:
    """The data-key version a field ciphertext (text or bytes) claims, from its header."""
    data = _as_bytes(blob, "blob")
    if data[:1] == bytes([FIELD_BYTES_FORMAT]):
        version, _ = _parse_header(data, FIELD_BYTES_FORMAT, None)
    elif data[:1] == bytes([FIELD_PADDED_TEXT_FORMAT]):
        version, _ = _parse_header(data, FIELD_PADDED_TEXT_FORMAT, None)
    else:
        version, _ = _parse_header(data, FIELD_TEXT_FORMAT, None)
    return version


def padded_length(length: int) -> int:
    """The bucket a plaintext of ``length`` bytes is padded to (at least one padding byte)."""
    step = SHORT_BUCKET if length < LONG_BUCKET else LONG_BUCKET
    return (length // step + 1) * step


def pad(plaintext: bytes) -> bytes:
    """ISO/IEC 7816-4 padding: 0x80 then zeros, to the length's bucket."""
    return plaintext + b"\x80" + bytes(padded_length(len(plaintext)) - len(plaintext) - 1)


def unpad(padded: bytes, where: str) -> bytes:
    end = padded.rfind(b"\x80")
    if end < 0 or padded[end + 1 :].count(0) != len(padded) - end - 1:
        raise DecryptionError(f"text field ciphertext for {where} has invalid padding")
    if len(padded) != padded_length(end):
        raise DecryptionError(f"text field ciphertext for {where} has invalid padding")
    return padded[:end]


def encrypt_field(
    dek: bytes, plaintext: str, ctx: EncryptionContext, dek_version: int = 1
) -> bytes:
    """Encrypt a text field for ``ctx`` under a record's data key."""
    if not isinstance(plaintext, str):
        raise TypeError("plaintext must be a str")
    try:
        encoded = plaintext.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("plaintext is not valid Unicode (lone surrogates)") from None
    return _encrypt(dek, FIELD_PADDED_TEXT_FORMAT, pad(encoded), ctx, dek_version)


def decrypt_field(dek: bytes, blob: Blob, ctx: EncryptionContext) -> str:
    """Decrypt a text field; any tampering, truncation or misplacement raises DecryptionError.

    Padded ('P') and, from before padding existed, unpadded ('F') blobs both decrypt.
    """
    data = _as_bytes(blob, "blob")
    if data[:1] == bytes([FIELD_TEXT_FORMAT]):
        plaintext = _decrypt(dek, FIELD_TEXT_FORMAT, data, ctx)
    else:
        padded = _decrypt(dek, FIELD_PADDED_TEXT_FORMAT, data, ctx)
        plaintext = unpad(padded, str(ctx))
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:  # authenticated, so only a buggy writer could cause this
        raise DecryptionError(f"text field ciphertext for {ctx} is not UTF-8") from None


def encrypt_bytes(
    dek: bytes, plaintext: Blob, ctx: EncryptionContext, dek_version: int = 1
) -> bytes:
    """Encrypt binary content (e.g. an attachment held in memory, < 2 GiB) for ``ctx``."""
    return _encrypt(dek, FIELD_BYTES_FORMAT, _as_bytes(plaintext, "plaintext"), ctx, dek_version)


def decrypt_bytes(dek: bytes, blob: Blob, ctx: EncryptionContext) -> bytes:
    """Decrypt binary content produced by :func:`encrypt_bytes`."""
    return _decrypt(dek, FIELD_BYTES_FORMAT, blob, ctx)


def _encrypt(
    dek: bytes, format_byte: int, plaintext: bytes, ctx: EncryptionContext, dek_version: int
) -> bytes:
    if not isinstance(ctx, EncryptionContext):
        raise TypeError("ctx must be an EncryptionContext")
    key = _require_key(dek, "data key")
    version = _require_version(dek_version, "dek_version")
    return _seal(key, format_byte, version, plaintext, ctx.aad())


def _decrypt(dek: bytes, format_byte: int, blob: Blob, ctx: EncryptionContext) -> bytes:
    if not isinstance(ctx, EncryptionContext):
        raise TypeError("ctx must be an EncryptionContext")
    key = _require_key(dek, "data key")
    return _open(key, _as_bytes(blob, "blob"), format_byte, ctx.aad(), str(ctx))
