"""The encrypted backup container: a snapshot stream sealed in AES-256-GCM chunks.

Layout::

    magic      16 bytes  b"HRDCASES-BACKUP\\0"
    length      4 bytes  uint32 big-endian: length of the header
    header      JSON     format version, backend, backup id, KEK version, wrapped backup key...
    chunks, each:
      length    4 bytes  uint32: length of nonce + ciphertext + tag
      nonce    12 bytes  random
      sealed             AES-256-GCM(backup key, plaintext chunk), 16-byte tag at the end

Each chunk's associated data is SHA-256(magic | length | header) | index (uint64) | final flag
(1 byte): a changed header, a reordered, dropped or duplicated chunk, a truncated file (no
chunk flagged final) or bytes after the final chunk all fail to open. The backup key is random
per backup and stored only wrapped by the keyring's primary KEK, bound to the backup id, so the
file alone (without the keyring) opens nothing. Pure: no Flask, no database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, BinaryIO, Final

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hrd_cases.crypto import (
    DataKeyContext,
    DecryptionError,
    Keyring,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
    wrapped_kek_version,
)
from hrd_cases.crypto.chunked import (
    CHUNK_SIZE,
    NONCE_SIZE,
    TAG_SIZE,
    ChunkError,
    ChunkSealer,
    open_chunk,
    with_final_flag,
)

MAGIC: Final = b"HRDCASES-BACKUP\x00"
FORMAT_VERSION: Final = 1
MAX_HEADER: Final = 64 * 1024
_LENGTH = struct.Struct(">I")


# Operator-facing, one line: why a backup that needs a retired KEK cannot be restored.
RETIRED_KEY_REFUSAL: Final = (
    "refusing to restore: this backup (taken {created_at}) needs key version(s) {missing}, "
    "which are no longer in the keyring (versions {present}); a key version is retired after "
    "an erasure so that no copy made before it can be read again, so this backup is "
    "unreadable by design"
)


class BackupFormatError(DecryptionError):
    """The file is not a backup, is damaged or truncated, or does not match the keyring."""


@dataclass(frozen=True, slots=True)
class BackupHeader:
    backend: str
    backup_id: str
    created_at: str
    kek_version: int
    wrapped_key: bytes
    revision: str | None
    # The KEK versions that wrap the data keys inside the snapshot: restore needs them all.
    kek_versions: tuple[int, ...] = ()

    def needed_versions(self) -> list[int]:
        return sorted({self.kek_version, *self.kek_versions})

    def to_bytes(self) -> bytes:
        document = {
            "format": FORMAT_VERSION,
            "backend": self.backend,
            "backup_id": self.backup_id,
            "created_at": self.created_at,
            "kek_version": self.kek_version,
            "wrapped_key": base64.b64encode(self.wrapped_key).decode("ascii"),
            "revision": self.revision,
            "chunk_size": CHUNK_SIZE,
            "kek_versions": list(self.kek_versions),
        }
        return json.dumps(document, sort_keys=True).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> BackupHeader:
        try:
            document = json.loads(raw.decode("utf-8"))
            if document["format"] != FORMAT_VERSION:
                raise BackupFormatError(
                    f"backup format {document['format']!r} is not supported "
                    f"(this version reads format {FORMAT_VERSION})"
                )
            return cls(
                backend=str(document["backend"]),
                backup_id=str(uuid.UUID(document["backup_id"])),
                created_at=str(document["created_at"]),
                kek_version=int(document["kek_version"]),
                wrapped_key=base64.b64decode(document["wrapped_key"], validate=True),
                revision=document.get("revision"),
                kek_versions=tuple(int(v) for v in document.get("kek_versions", ())),
            )
        except BackupFormatError:
            raise
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise BackupFormatError("backup header is damaged") from None


def _key_context(backup_id: str) -> DataKeyContext:
    return DataKeyContext("backups", backup_id)


def new_header(
    keyring: Keyring,
    *,
    backend: str,
    created_at: str,
    revision: str | None,
    kek_versions: tuple[int, ...] = (),
) -> tuple[BackupHeader, bytes]:
    """A header with a fresh backup key wrapped under the primary KEK; returns (header, key)."""
    backup_id = str(uuid.uuid4())
    key = new_data_key()
    wrapped = wrap_data_key(keyring, key, _key_context(backup_id))
    header = BackupHeader(
        backend, backup_id, created_at, keyring.primary, wrapped, revision, kek_versions
    )
    return header, key


def _header_digest(header_bytes: bytes) -> bytes:
    return hashlib.sha256(MAGIC + _LENGTH.pack(len(header_bytes)) + header_bytes).digest()


def read_chunks(stream: IO[bytes], size: int = CHUNK_SIZE) -> Iterator[bytes]:
    while True:
        chunk = stream.read(size)
        if not chunk:
            return
        yield chunk


def write_backup(
    out: BinaryIO,
    header: BackupHeader,
    key: bytes,
    plaintext_chunks: Iterable[bytes],
    on_progress: Callable[[int], None] | None = None,
) -> None:
    """Seal ``plaintext_chunks`` into ``out``; ``on_progress`` gets plaintext byte counts."""
    header_bytes = header.to_bytes()
    out.write(MAGIC + _LENGTH.pack(len(header_bytes)) + header_bytes)
    sealer = ChunkSealer(key, _header_digest(header_bytes))
    for chunk, final in with_final_flag(plaintext_chunks):
        body = sealer.seal(chunk, final=final)
        out.write(_LENGTH.pack(len(body)) + body)
        if on_progress:
            on_progress(len(chunk))


def read_header(stream: BinaryIO) -> tuple[BackupHeader, bytes]:
    """Parse the header (unauthenticated until the first chunk opens); returns its bytes too."""
    if stream.read(len(MAGIC)) != MAGIC:
        raise BackupFormatError("not an hrd_cases backup file")
    raw_length = stream.read(_LENGTH.size)
    if len(raw_length) != _LENGTH.size:
        raise BackupFormatError("backup file is truncated (no header)")
    (length,) = _LENGTH.unpack(raw_length)
    if length > MAX_HEADER:
        raise BackupFormatError("backup header is damaged")
    header_bytes = stream.read(length)
    if len(header_bytes) != length:
        raise BackupFormatError("backup file is truncated (header)")
    return BackupHeader.from_bytes(header_bytes), header_bytes


def open_backup(stream: BinaryIO, keyring: Keyring) -> tuple[BackupHeader, Iterator[bytes]]:
    """The header and an iterator of authenticated plaintext chunks.

    The iterator raises BackupFormatError on any damage, and only after the final chunk has
    authenticated does it stop: a consumer that sees StopIteration has the whole snapshot.
    """
    header, header_bytes = read_header(stream)
    needed = sorted({wrapped_kek_version(header.wrapped_key), *header.needed_versions()})
    missing = [version for version in needed if version not in keyring.versions()]
    if missing:
        raise BackupFormatError(
            RETIRED_KEY_REFUSAL.format(
                missing=", ".join(map(str, missing)),
                created_at=header.created_at,
                present=", ".join(map(str, keyring.versions())),
            )
        )
    try:
        key = unwrap_data_key(keyring, header.wrapped_key, _key_context(header.backup_id))
    except DecryptionError:
        raise BackupFormatError(
            "the backup key does not open with this keyring (another instance's keyring?)"
        ) from None
    return header, _open_chunks(stream, key, _header_digest(header_bytes))


def _open_chunks(stream: BinaryIO, key: bytes, digest: bytes) -> Iterator[bytes]:
    cipher = AESGCM(key)
    index = 0
    while True:
        raw_length = stream.read(_LENGTH.size)
        if len(raw_length) != _LENGTH.size:
            raise BackupFormatError("backup file is truncated (its final chunk is missing)")
        (length,) = _LENGTH.unpack(raw_length)
        if not NONCE_SIZE + TAG_SIZE <= length <= NONCE_SIZE + CHUNK_SIZE + TAG_SIZE:
            raise BackupFormatError(f"backup chunk {index} is damaged")
        body = stream.read(length)
        if len(body) != length:
            raise BackupFormatError("backup file is truncated (inside a chunk)")
        try:
            plaintext, final = open_chunk(cipher, digest, index, body)
        except ChunkError:
            raise BackupFormatError(
                f"backup chunk {index} does not authenticate (damaged, reordered or altered)"
            ) from None
        yield plaintext
        if final:
            if stream.read(1):
                raise BackupFormatError("backup file has data after its final chunk")
            return
        index += 1
