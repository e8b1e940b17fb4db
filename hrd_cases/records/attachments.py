"""Evidence files: the only path between their plaintext and storage.

Upload: the first bytes are sniffed; text, audio and video are sealed as they arrive (their
chunks wait, sealed, in the storage's staging area until the storing transaction publishes
them), while images, PDFs and office files go through an encrypted scratch spool so their
metadata can be removed before anything is sealed. Every chunk is AES-256-GCM under the case's
data key, bound to (case id, attachment id, chunk index, final flag). Limits are counted as
bytes arrive. Download: every chunk is authenticated before the first byte is sent (so a damaged
file is a clean refusal, never half a file), then decrypted again chunk by chunk while
streaming; the database storage reads a few chunks per fetch of one query.
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
from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.orm import Session

from hrd_cases.crypto.chunked import (
    CHUNK_SIZE,
    SEALED_OVERHEAD,
    ChunkError,
    ChunkSealer,
    check_chunk,
    open_chunk,
)
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
# Sealed chunks travel in batches of this many (rows per INSERT, rows per fetch): a few MiB in
# memory at most, far fewer round trips than one statement per chunk.
BATCH_CHUNKS = 4


class ChunkWriter(Protocol):
    """Sealed chunks on their way into storage.

    ``write`` runs while an upload is staged, before any transaction is open; ``finish`` runs
    inside the storing transaction and makes the chunks part of it; ``abort`` undoes
    everything (called unless that transaction commits)."""

    def write(self, index: int, body: bytes) -> None: ...
    def finish(self, session: Session) -> None: ...
    def abort(self) -> None: ...


class AttachmentStorage(Protocol):
    """Where sealed chunks live. Chunks are opaque here: storage never sees plaintext."""

    name: str

    def writer(self, attachment_id: uuid.UUID, scratch_dir: Path | None) -> ChunkWriter: ...
    def read(self, session: Session, attachment_id: uuid.UUID) -> Iterator[bytes]: ...
    def delete(self, session: Session, attachment_id: uuid.UUID) -> None: ...


def _length_prefixed(stream: IO[bytes]) -> Iterator[bytes]:
    """Sealed chunks from a file of ``length | body`` records; a cut record ends the stream
    (it then shows up as a missing final chunk or a chunk that does not authenticate)."""
    while True:
        raw = stream.read(_LENGTH.size)
        if raw is None or len(raw) < _LENGTH.size:
            return
        (length,) = _LENGTH.unpack(raw)
        body = stream.read(min(length, CHUNK_SIZE + 64)) or b""
        yield body
        if len(body) < length:
            return


class _DatabaseWriter:
    """Stages sealed chunks in an unnamed scratch file (already ciphertext under the case's
    key), then inserts them as rows, a batch per statement, in the storing transaction: no
    database lock is held while a client sends its file, and the rows commit (or roll back)
    with the attachment row."""

    def __init__(self, attachment_id: uuid.UUID, scratch_dir: Path | None) -> None:
        self._attachment_id = attachment_id
        self._scratch: BinaryIO = tempfile.TemporaryFile(dir=scratch_dir, buffering=0)  # noqa: SIM115 - closed in finish/abort

    def write(self, index: int, body: bytes) -> None:
        self._scratch.write(_LENGTH.pack(len(body)))
        self._scratch.write(body)

    def finish(self, session: Session) -> None:
        try:
            self._scratch.seek(0)
            batch: list[dict[str, object]] = []
            for index, body in enumerate(_length_prefixed(self._scratch)):
                batch.append({"attachment_id": self._attachment_id, "index": index, "body": body})
                if len(batch) == BATCH_CHUNKS:
                    session.execute(insert(AttachmentChunk), batch)
                    batch = []
            if batch:
                session.execute(insert(AttachmentChunk), batch)
        finally:
            self._scratch.close()

    def abort(self) -> None:
        """The caller's rollback removes any rows; the scratch file goes with its handle."""
        self._scratch.close()


def _rows(connection: Connection, attachment_id: uuid.UUID) -> Iterator[tuple[int, bytes]]:
    result = connection.execute(
        select(AttachmentChunk.index, AttachmentChunk.body)
        .where(AttachmentChunk.attachment_id == attachment_id)
        .order_by(AttachmentChunk.index)
        .execution_options(yield_per=BATCH_CHUNKS)
    )
    with result:
        for row in result:
            yield row[0], row[1]


# PostgreSQL sends bytea as hex text unless the cursor asks for binary results, which
# SQLAlchemy's driver layer does not: a named (server-side) psycopg cursor with binary=True
# returns each chunk's bytes as they are, a batch per FETCH, in the session's transaction.
_CHUNKS_SQL = (
    'SELECT "index", body FROM attachment_chunks WHERE attachment_id = %s ORDER BY "index"'
)


def _binary_rows(connection: Connection, attachment_id: uuid.UUID) -> Iterator[tuple[int, bytes]]:
    driver = connection.connection.driver_connection
    if driver is None:  # a live connection always has one
        raise RuntimeError("no driver connection to read chunks with")
    with driver.cursor(name=f"chunks_{uuid.uuid4().hex}", binary=True) as cursor:
        cursor.execute(_CHUNKS_SQL, (attachment_id,))
        while rows := cursor.fetchmany(BATCH_CHUNKS):
            yield from rows


class DatabaseStorage:
    """Chunks as rows: one SQLite file, every app server reads them, backups include them."""

    name = "database"

    def writer(self, attachment_id: uuid.UUID, scratch_dir: Path | None) -> ChunkWriter:
        return _DatabaseWriter(attachment_id, scratch_dir)

    def read(self, session: Session, attachment_id: uuid.UUID) -> Iterator[bytes]:
        # One query, fetched a few rows at a time, so memory stays at a few chunks. Rows come
        # in index order; the first gap ends the stream (it then reads as truncated).
        connection = session.connection()
        rows = (
            _binary_rows(connection, attachment_id)
            if connection.dialect.name == "postgresql"
            else _rows(connection, attachment_id)
        )
        for expected, (index, body) in enumerate(rows):
            if index != expected:
                return
            yield bytes(body)

    def delete(self, session: Session, attachment_id: uuid.UUID) -> None:
        session.execute(
            delete(AttachmentChunk).where(AttachmentChunk.attachment_id == attachment_id)
        )


class _FileWriter:
    """Writes ``<id>.partial`` beside the final file (as the chunks are sealed, before any
    transaction), then fsyncs and renames it into place inside the storing transaction."""

    def __init__(self, final_path: Path) -> None:
        self._final = final_path
        self._partial = final_path.with_suffix(".partial")
        self._file: BinaryIO = open(self._partial, "xb", buffering=0)  # noqa: SIM115 - closed in finish/abort
        os.chmod(self._partial, 0o600)

    def write(self, index: int, body: bytes) -> None:
        self._file.write(_LENGTH.pack(len(body)))
        self._file.write(body)

    def finish(self, session: Session) -> None:
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

    def writer(self, attachment_id: uuid.UUID, scratch_dir: Path | None) -> ChunkWriter:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return _FileWriter(self._path(attachment_id))

    def read(self, session: Session, attachment_id: uuid.UUID) -> Iterator[bytes]:
        try:
            # Unbuffered: each chunk is read straight into its own bytes, no copy in between.
            stream = open(self._path(attachment_id), "rb", buffering=0)  # noqa: SIM115 - closed below
        except FileNotFoundError:
            return
        with stream:
            yield from _length_prefixed(stream)

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


@dataclass(frozen=True, slots=True)
class UploadTarget:
    """What a new file is sealed for, fixed before its first byte is read: its id, its case,
    the case's data key and the storage its chunks go to."""

    attachment_id: uuid.UUID
    case_id: uuid.UUID
    key: bytes
    storage: AttachmentStorage

    @property
    def binding(self) -> bytes:
        return attachment_binding(str(self.case_id), str(self.attachment_id))


def upload_target(vault: RecordVault, case: Case, storage: AttachmentStorage) -> UploadTarget:
    """A fresh attachment id on ``case``; raises ErasedError if the case's key is gone."""
    return UploadTarget(uuid.uuid4(), case.id, _dek(vault, case), storage)


@dataclass
class Staged:
    """An upload read to its end, checked, cleaned and sealed, its chunks waiting in the
    storage's staging area (an unnamed scratch file, or the directory's ``.partial`` file): no
    database transaction is open while a client sends its file, however slowly. Unless
    :meth:`keep` is called once the storing transaction has committed, leaving the ``with``
    block removes everything it wrote."""

    target: UploadTarget
    sealed: ChunkWriter
    content_type: str
    size: int
    chunk_count: int
    removed: tuple[str, ...]
    _kept: bool = False

    def keep(self) -> None:
        self._kept = True

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._kept:
            self.sealed.abort()


def stage(
    pieces: Iterable[bytes],
    limits: Limits,
    case_used: int,
    target: UploadTarget,
    *,
    scratch_dir: Path | None = None,
) -> Staged:
    """Read an upload: sniff its first bytes, refuse the first byte over a limit, remove the
    metadata of images, PDFs and office files, and seal it for ``target``. Text, audio and
    video are sealed as they arrive (no plaintext copy anywhere); the others are cleaned
    through an encrypted spool first. Raises Refusal (and keeps nothing)."""
    counter = _Counter(limits, case_used)
    incoming = iter(pieces)
    head = bytearray()
    for piece in incoming:
        counter.add(len(piece))
        head += piece
        if len(head) >= content.SNIFF_BYTES:
            break
    content_type = content.sniff(bytes(head))
    sealer = ChunkSealer(target.key, target.binding)
    writer = target.storage.writer(target.attachment_id, scratch_dir)
    try:
        if content_type in content.STREAMED:
            size, count = _seal_stream(
                writer, sealer, _counted(bytes(head), incoming, counter, content_type)
            )
            return Staged(target, writer, content_type, size, count, ())
        with (
            EncryptedSpool(tempfile.TemporaryFile(dir=scratch_dir)) as original,
            EncryptedSpool(tempfile.TemporaryFile(dir=scratch_dir)) as spool,
        ):
            for piece in _chain(bytes(head), incoming, counter):
                original.write(piece)
            cleaned = content.remove_metadata(
                cast(IO[bytes], original), cast(IO[bytes], spool), content_type, limits.file_bytes
            )
            if spool.size > limits.file_bytes:
                raise Refusal("too_large", file_limit=megabytes(limits.file_bytes))
            spool.seek(0)
            size, count = _seal_stream(writer, sealer, iter(lambda: spool.read(CHUNK_SIZE), b""))
            if size != spool.size:  # the spool is ours: a mismatch is a bug, never stored
                raise RuntimeError("staged upload changed size")
        return Staged(target, writer, cleaned.content_type, size, count, cleaned.removed)
    except BaseException:
        writer.abort()
        raise


def store(
    session: Session,
    vault: RecordVault,
    attachment: Attachment,
    staged: Staged,
    limits: Limits,
) -> None:
    """Publish a staged upload as the new ``attachment`` (its case, id and sealed names set,
    the id and case those of the staged target) in the caller's write transaction, which
    holds the case's lock: the case limit is checked again here, against what other uploads
    have added meanwhile, and the case's key must still exist. On any failure the caller rolls
    back and leaving the ``with staged`` block removes the chunks: nothing is left half-stored."""
    case = attachment.case
    if attachment.id != staged.target.attachment_id or case.id != staged.target.case_id:
        raise RuntimeError("a staged upload is stored only as the attachment it was sealed for")
    if case_bytes_used(session, case) + staged.size > limits.case_bytes:
        raise Refusal("case_full", case_limit=megabytes(limits.case_bytes))
    _dek(vault, case)  # erased while the file streamed in: ErasedError, nothing stored
    attachment.content_type = staged.content_type
    attachment.size = staged.size
    attachment.chunk_count = staged.chunk_count
    attachment.storage = staged.target.storage.name
    session.add(attachment)
    session.flush()  # the row first: chunks refer to it
    staged.sealed.finish(session)


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
    """Seal pieces of any length as CHUNK_SIZE chunks. Pieces are copied once, into one
    reused chunk buffer, which is sealed in place; a full chunk is sealed as not final only
    once more data has arrived, so the last chunk (full or not) carries the final flag."""
    buffer = bytearray(CHUNK_SIZE)
    chunk = memoryview(buffer)
    filled = size = index = 0
    for piece in pieces:
        data = memoryview(piece)
        offset, length = 0, len(data)
        size += length
        while offset < length:
            if filled == CHUNK_SIZE:
                writer.write(index, sealer.seal(chunk, final=False))
                index += 1
                filled = 0
            taken = min(CHUNK_SIZE - filled, length - offset)
            chunk[filled : filled + taken] = data[offset : offset + taken]
            filled += taken
            offset += taken
    writer.write(index, sealer.seal(chunk[:filled], final=True))
    return size, index + 1


# Reading ---------------------------------------------------------------------------------
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
) -> bytes | None:
    """Authenticate every chunk (raises DamagedAttachment or ErasedError). Each chunk is
    decrypted into one reused buffer, wiped at the end; a file of a single chunk (up to
    1 MiB) comes back as its plaintext, so a download can send it without a second pass,
    holding no more than the one chunk a streamed download holds. Otherwise None."""
    cipher = AESGCM(_dek(vault, attachment.case))
    binding = attachment_binding(str(attachment.case_id), str(attachment.id))
    scratch = bytearray(CHUNK_SIZE)
    final = False
    index = 0
    size = 0
    try:
        for index, body in enumerate(storage.read(session, attachment.id)):
            if final:
                raise DamagedAttachment("data after the final chunk", index)
            try:
                final = check_chunk(cipher, binding, index, body, scratch)
            except ChunkError:
                raise DamagedAttachment("chunk does not authenticate", index) from None
            size = len(body) - SEALED_OVERHEAD
        if not final:
            raise DamagedAttachment("truncated: the final chunk is missing", index)
        return bytes(scratch[:size]) if index == 0 else None
    finally:
        scratch[:] = bytes(CHUNK_SIZE)


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
    "UploadTarget",
    "case_bytes_used",
    "plaintext_chunks",
    "stage",
    "storage_named",
    "store",
    "upload_target",
    "verify",
]
