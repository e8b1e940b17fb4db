"""Evidence files: the only path between their plaintext and storage.

Upload: the first bytes are sniffed; text, audio and video stream straight into sealed chunks,
while images, PDFs and office files go through an encrypted scratch spool so their metadata can
be removed before anything is sealed. Every chunk is AES-256-GCM under the case's data key,
bound to (case id, attachment id, chunk index, final flag). Limits are counted as bytes arrive.
Download: every chunk is authenticated before the first byte is sent (so a damaged file is a
clean refusal, never half a file), then decrypted again chunk by chunk while streaming.
"""

from __future__ import annotations

import os
import struct
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Protocol, cast

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from hrd_cases.crypto.chunked import CHUNK_SIZE, ChunkError, ChunkSealer, open_chunk, rechunk
from hrd_cases.crypto.context import attachment_binding
from hrd_cases.crypto.spool import EncryptedSpool
from hrd_cases.models import Attachment, AttachmentChunk, Case
from hrd_cases.records import attachment_content as content
from hrd_cases.records.attachment_messages import Refusal, megabytes
from hrd_cases.records.vault import RecordVault

_LENGTH = struct.Struct(">I")


@dataclass(frozen=True, slots=True)
class Limits:
    file_bytes: int
    case_bytes: int


class DamagedAttachment(Exception):
    """A chunk failed authentication, or chunks are missing or extra."""

    def __init__(self, reason: str, chunk: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.chunk = chunk


# Storage ---------------------------------------------------------------------------------
class ChunkWriter(Protocol):
    def write(self, index: int, body: bytes) -> None: ...
    def finish(self) -> None: ...
    def abort(self) -> None: ...


class AttachmentStorage(Protocol):
    """Where sealed chunks live. Chunks are opaque here: storage never sees plaintext."""

    name: str

    def writer(self, session: Session, attachment_id: uuid.UUID) -> ChunkWriter: ...
    def read(self, session: Session, attachment_id: uuid.UUID) -> Iterator[bytes]: ...
    def delete(self, session: Session, attachment_id: uuid.UUID) -> None: ...


class _DatabaseWriter:
    def __init__(self, session: Session, attachment_id: uuid.UUID) -> None:
        self._session = session
        self._attachment_id = attachment_id

    def write(self, index: int, body: bytes) -> None:
        # A Core insert per chunk: no ORM object keeps the chunk alive after it is written.
        self._session.execute(
            insert(AttachmentChunk).values(
                attachment_id=self._attachment_id, index=index, body=body
            )
        )

    def finish(self) -> None:
        """The rows commit with the attachment row, in the caller's transaction."""

    def abort(self) -> None:
        """The caller's rollback removes the rows."""


class DatabaseStorage:
    """Chunks as rows: one SQLite file, every app server reads them, backups include them."""

    name = "database"

    def writer(self, session: Session, attachment_id: uuid.UUID) -> ChunkWriter:
        return _DatabaseWriter(session, attachment_id)

    def read(self, session: Session, attachment_id: uuid.UUID) -> Iterator[bytes]:
        # One row per query: memory stays at one chunk whatever the driver buffers.
        index = 0
        while True:
            body = session.scalar(
                select(AttachmentChunk.body).where(
                    AttachmentChunk.attachment_id == attachment_id, AttachmentChunk.index == index
                )
            )
            if body is None:
                return
            yield bytes(body)
            index += 1

    def delete(self, session: Session, attachment_id: uuid.UUID) -> None:
        session.execute(
            delete(AttachmentChunk).where(AttachmentChunk.attachment_id == attachment_id)
        )


class _FileWriter:
    def __init__(self, final_path: Path) -> None:
        self._final = final_path
        self._partial = final_path.with_suffix(".partial")
        self._file: BinaryIO = open(self._partial, "xb")  # noqa: SIM115 - closed in finish/abort
        os.chmod(self._partial, 0o600)

    def write(self, index: int, body: bytes) -> None:
        self._file.write(_LENGTH.pack(len(body)) + body)

    def finish(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._partial, self._final)

    def abort(self) -> None:
        self._file.close()
        self._partial.unlink(missing_ok=True)
        self._final.unlink(missing_ok=True)


class FilesystemStorage:
    """One file per attachment in a directory (mode 0700): length-prefixed sealed chunks."""

    name = "filesystem"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, attachment_id: uuid.UUID) -> Path:
        return self.directory / f"{attachment_id.hex}.chunks"

    def writer(self, session: Session, attachment_id: uuid.UUID) -> ChunkWriter:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return _FileWriter(self._path(attachment_id))

    def read(self, session: Session, attachment_id: uuid.UUID) -> Iterator[bytes]:
        try:
            stream = open(self._path(attachment_id), "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            return
        with stream:
            while True:
                raw = stream.read(_LENGTH.size)
                if len(raw) < _LENGTH.size:
                    return  # a cut file shows up as a missing final chunk
                (length,) = _LENGTH.unpack(raw)
                body = stream.read(min(length, CHUNK_SIZE + 64))
                yield body
                if len(body) < length:
                    return

    def delete(self, session: Session, attachment_id: uuid.UUID) -> None:
        self._path(attachment_id).unlink(missing_ok=True)


def storage_named(name: str, directory: Path) -> AttachmentStorage:
    if name == "database":
        return DatabaseStorage()
    if name == "filesystem":
        return FilesystemStorage(directory)
    raise ValueError(f"unknown attachment storage {name!r} (database or filesystem)")


@dataclass(frozen=True, slots=True)
class AttachmentConfig:
    """Where new files go, where filesystem files live, and the limits (from settings)."""

    storage: str
    directory: Path
    limits: Limits
    scratch_dir: Path | None = None

    def for_new(self) -> AttachmentStorage:
        return storage_named(self.storage, self.directory)

    def holding(self, attachment: Attachment) -> AttachmentStorage:
        """The storage a file was written to (the setting may have changed since)."""
        return storage_named(attachment.storage, self.directory)


# Upload ----------------------------------------------------------------------------------
class _Counter:
    """Counts bytes as they arrive and refuses the first byte over a limit."""

    def __init__(self, limits: Limits, case_used: int) -> None:
        self._limits = limits
        self._case_used = case_used
        self.count = 0

    def add(self, size: int) -> None:
        self.count += size
        if self.count > self._limits.file_bytes:
            raise Refusal("too_large", file_limit=megabytes(self._limits.file_bytes))
        if self._case_used + self.count > self._limits.case_bytes:
            raise Refusal("case_full", case_limit=megabytes(self._limits.case_bytes))


def case_bytes_used(session: Session, case: Case) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Attachment.size), 0)).where(Attachment.case_id == case.id)
        )
        or 0
    )


def _dek(vault: RecordVault, case: Case) -> bytes:
    return vault.record_key(case)


@dataclass
class Staged:
    """An upload read to its end, checked and cleaned, waiting in an encrypted spool: no
    database transaction is open while a client sends its file, however slowly."""

    spool: EncryptedSpool
    content_type: str
    size: int
    removed: tuple[str, ...]

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, *exc: object) -> None:
        self.spool.close()


def stage(
    pieces: Iterable[bytes], limits: Limits, case_used: int, *, scratch_dir: Path | None = None
) -> Staged:
    """Read an upload: sniff its first bytes, refuse the first byte over a limit, remove the
    metadata of images, PDFs and office files. Raises Refusal (and keeps nothing)."""
    counter = _Counter(limits, case_used)
    incoming = iter(pieces)
    head = bytearray()
    for piece in incoming:
        counter.add(len(piece))
        head += piece
        if len(head) >= content.SNIFF_BYTES:
            break
    content_type = content.sniff(bytes(head))
    spool = EncryptedSpool(tempfile.TemporaryFile(dir=scratch_dir))  # noqa: SIM115 - closed by Staged
    try:
        if content_type in content.STREAMED:
            for piece in _counted(bytes(head), incoming, counter, content_type):
                spool.write(piece)
            return Staged(spool, content_type, spool.size, ())
        with EncryptedSpool(tempfile.TemporaryFile(dir=scratch_dir)) as original:
            for piece in _chain(bytes(head), incoming, counter):
                original.write(piece)
            cleaned = content.remove_metadata(
                cast(IO[bytes], original), cast(IO[bytes], spool), content_type, limits.file_bytes
            )
        if spool.size > limits.file_bytes:
            raise Refusal("too_large", file_limit=megabytes(limits.file_bytes))
        return Staged(spool, cleaned.content_type, spool.size, cleaned.removed)
    except BaseException:
        spool.close()
        raise


def store(
    session: Session,
    vault: RecordVault,
    storage: AttachmentStorage,
    attachment: Attachment,
    staged: Staged,
    limits: Limits,
) -> None:
    """Seal a staged upload for the new ``attachment`` (its case, id and sealed names set)
    into ``storage``, in the caller's write transaction, which holds the case's lock: the case
    limit is checked again here, against what other uploads have added meanwhile. On any
    failure the written chunks go (the caller rolls back): nothing is left half-stored."""
    case = attachment.case
    if case_bytes_used(session, case) + staged.size > limits.case_bytes:
        raise Refusal("case_full", case_limit=megabytes(limits.case_bytes))
    attachment.content_type = staged.content_type
    attachment.size = staged.size
    attachment.chunk_count = 0
    attachment.storage = storage.name
    session.add(attachment)
    session.flush()  # the row first: chunks refer to it
    sealer = ChunkSealer(_dek(vault, case), attachment_binding(str(case.id), str(attachment.id)))
    writer = storage.writer(session, attachment.id)
    try:
        staged.spool.seek(0)
        size, count = _seal_stream(writer, sealer, iter(lambda: staged.spool.read(CHUNK_SIZE), b""))
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    if size != staged.size:  # the spool is ours: a mismatch is a bug, never stored
        raise RuntimeError("staged upload changed size")
    attachment.chunk_count = count


def _counted(
    head: bytes, rest: Iterator[bytes], counter: _Counter, content_type: str
) -> Iterator[bytes]:
    validator = content.TextValidator() if content_type == content.TEXT else None
    for piece in _chain(head, rest, counter):
        if validator:
            validator.feed(piece)
        yield piece
    if validator:
        validator.feed(b"", final=True)


def _chain(head: bytes, rest: Iterator[bytes], counter: _Counter) -> Iterator[bytes]:
    yield head
    for piece in rest:
        counter.add(len(piece))
        yield piece


def _seal_stream(
    writer: ChunkWriter, sealer: ChunkSealer, pieces: Iterable[bytes]
) -> tuple[int, int]:
    size = 0
    index = 0
    pending: bytes | None = None
    for chunk in rechunk(pieces):
        if pending is not None:
            writer.write(index, sealer.seal(pending, final=False))
            index += 1
        pending = chunk
        size += len(chunk)
    writer.write(index, sealer.seal(pending or b"", final=True))
    return size, index + 1


# Reading ---------------------------------------------------------------------------------
def _opened(
    session: Session, vault: RecordVault, storage: AttachmentStorage, attachment: Attachment
) -> Iterator[bytes]:
    # Key, binding and id are taken now: the stream may run after the ORM object is gone.
    cipher = AESGCM(_dek(vault, attachment.case))
    binding = attachment_binding(str(attachment.case_id), str(attachment.id))
    return _authenticated(storage.read(session, attachment.id), cipher, binding)


def _authenticated(sealed: Iterable[bytes], cipher: AESGCM, binding: bytes) -> Iterator[bytes]:
    final = False
    index = 0
    for index, body in enumerate(sealed):
        if final:
            raise DamagedAttachment("data after the final chunk", index)
        try:
            plaintext, final = open_chunk(cipher, binding, index, body)
        except ChunkError:
            raise DamagedAttachment("chunk does not authenticate", index) from None
        yield plaintext
    if not final:
        raise DamagedAttachment("truncated: the final chunk is missing", index)


def verify(
    session: Session, vault: RecordVault, storage: AttachmentStorage, attachment: Attachment
) -> None:
    """Authenticate every chunk (raises DamagedAttachment or ErasedError); keeps no plaintext."""
    for _ in _opened(session, vault, storage, attachment):
        pass


def plaintext_chunks(
    open_session: Callable[[], AbstractContextManager[Session]],
    vault: RecordVault,
    storage: AttachmentStorage,
    attachment: Attachment,
) -> Iterator[bytes]:
    """The content, one chunk at a time, read in a session of its own: the response streams
    after the request's session is gone, and the session closes with the stream (finished or
    abandoned). Call :func:`verify` first to refuse damage cleanly."""
    cipher = AESGCM(_dek(vault, attachment.case))
    binding = attachment_binding(str(attachment.case_id), str(attachment.id))
    attachment_id = attachment.id

    def stream() -> Iterator[bytes]:
        with open_session() as reading:
            yield from _authenticated(storage.read(reading, attachment_id), cipher, binding)

    return stream()


__all__ = [
    "AttachmentConfig",
    "AttachmentStorage",
    "DamagedAttachment",
    "DatabaseStorage",
    "FilesystemStorage",
    "Limits",
    "Staged",
    "case_bytes_used",
    "plaintext_chunks",
    "stage",
    "storage_named",
    "store",
    "verify",
]
