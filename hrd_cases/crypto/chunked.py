"""Authenticated chunked encryption (AES-256-GCM), shared by backups and attachments.

Each chunk is sealed with a fresh 12-byte nonce; its associated data is
``binding | index (uint64) | final flag (1 byte)``. ``binding`` names what the stream belongs to
(a backup header's digest, an attachment's id and case), so a chunk moved to another stream, a
reordered or dropped chunk, a stream cut before its final chunk and a flipped byte all fail to
open. Pure: no Flask, no database, no I/O beyond the iterables it is given.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hrd_cases.crypto.errors import DecryptionError

CHUNK_SIZE: Final = 1 << 20
NONCE_SIZE: Final = 12
TAG_SIZE: Final = 16
SEALED_OVERHEAD: Final = NONCE_SIZE + TAG_SIZE
_CHUNK_AAD = struct.Struct(">QB")


class ChunkError(DecryptionError):
    """A chunk does not authenticate, or the stream is truncated or has extra chunks."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


def chunk_aad(binding: bytes, index: int, final: bool) -> bytes:
    return binding + _CHUNK_AAD.pack(index, final)


def with_final_flag(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Yield (chunk, is_last) with one chunk of look-ahead. An empty stream is one empty chunk."""
    previous: bytes | None = None
    for chunk in chunks:
        if previous is not None:
            yield previous, False
        previous = chunk
    yield (previous if previous is not None else b""), True


def rechunk(pieces: Iterable[bytes], size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Regroup pieces of any length into chunks of exactly ``size`` (the last may be shorter)."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


class ChunkSealer:
    """Seals one stream's chunks in order: ``nonce | ciphertext | tag`` each."""

    def __init__(self, key: bytes, binding: bytes) -> None:
        self._cipher = AESGCM(key)
        self._binding = binding
        self._index = 0
        self._finished = False

    def seal(self, chunk: bytes | bytearray | memoryview, *, final: bool) -> bytes:
        if self._finished:
            raise ValueError("the stream was already sealed with a final chunk")
        nonce = os.urandom(NONCE_SIZE)
        sealed = self._cipher.encrypt(nonce, chunk, chunk_aad(self._binding, self._index, final))
        self._index += 1
        self._finished = final
        return nonce + sealed


def seal_chunks(key: bytes, binding: bytes, chunks: Iterable[bytes]) -> Iterator[bytes]:
    sealer = ChunkSealer(key, binding)
    for chunk, final in with_final_flag(chunks):
        yield sealer.seal(chunk, final=final)


def open_chunk(cipher: AESGCM, binding: bytes, index: int, body: bytes) -> tuple[bytes, bool]:
    """Open one sealed chunk at ``index``; returns (plaintext, is_final)."""
    if len(body) < SEALED_OVERHEAD:
        raise ChunkError(f"chunk {index} is damaged", index)
    view = memoryview(body)  # slices without copying the (1 MiB) chunk
    nonce, sealed = view[:NONCE_SIZE], view[NONCE_SIZE:]
    for final in (False, True):
        try:
            return cipher.decrypt(nonce, sealed, chunk_aad(binding, index, final)), final
        except InvalidTag:
            continue
    raise ChunkError(f"chunk {index} does not authenticate (damaged, moved or reordered)", index)


def check_chunk(
    cipher: AESGCM, binding: bytes, index: int, body: bytes, scratch: bytearray
) -> bool:
    """Authenticate one sealed chunk at ``index`` without keeping its plaintext: it is
    decrypted into ``scratch`` (reused, at least CHUNK_SIZE long), which the caller overwrites
    with the next chunk. Returns whether it is the final chunk; raises ChunkError."""
    size = len(body) - SEALED_OVERHEAD
    if size < 0 or size > len(scratch):
        raise ChunkError(f"chunk {index} is damaged", index)
    view = memoryview(body)
    nonce, sealed, into = view[:NONCE_SIZE], view[NONCE_SIZE:], memoryview(scratch)[:size]
    for final in (False, True):
        try:
            cipher.decrypt_into(nonce, sealed, chunk_aad(binding, index, final), into)
        except InvalidTag:
            continue
        return final
    raise ChunkError(f"chunk {index} does not authenticate (damaged, moved or reordered)", index)


def open_chunks(key: bytes, binding: bytes, sealed_chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Authenticated plaintext chunks. Stops only after the final chunk has opened: a consumer
    that sees the end of the iterator has the whole stream."""
    cipher = AESGCM(key)
    index = 0
    finished = False
    for body in sealed_chunks:
        if finished:
            raise ChunkError("data after the final chunk", index)
        plaintext, finished = open_chunk(cipher, binding, index, body)
        yield plaintext
        index += 1
    if not finished:
        raise ChunkError("truncated: the final chunk is missing", index)
