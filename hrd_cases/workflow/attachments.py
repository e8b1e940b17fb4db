"""Evidence files on a case: add, remove, list and download, each guarded, audited and
committed with its timeline event. The bytes themselves go through hrd_cases.records."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.audit.log import Outcome
from hrd_cases.auth.permissions import Permission, case_for
from hrd_cases.crypto import ErasedError
from hrd_cases.db import begin_write
from hrd_cases.domain.errors import InvalidTransition, NotFound, ValidationFailed
from hrd_cases.domain.vocabulary import AttachmentCategory, AttachmentLink
from hrd_cases.models import Attachment, Case, Hearing, Referral, Statement, User
from hrd_cases.records import attachments as files
from hrd_cases.records.attachment_messages import Refusal, megabytes, message, removal_summary
from hrd_cases.records.vault import RecordVault
from hrd_cases.workflow.service import add_event

MAX_TITLE = 200
ERASED_PROBLEM = "erased (its case key was destroyed)"
MAX_FILENAME = 255


class AttachmentUnavailable(InvalidTransition):
    """The file failed its integrity check, or its key was erased: nothing is sent."""

    def __init__(self, key: str) -> None:
        super().__init__(message(key), rule=f"attachment.{key}")
        self.key = key


@dataclass(frozen=True, slots=True)
class NewAttachment:
    title: str
    filename: str
    category: AttachmentCategory
    link_kind: AttachmentLink = AttachmentLink.CASE
    link_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Download:
    filename: str
    content_type: str
    size: int
    chunks: Iterator[bytes]


def check_fields(new: NewAttachment) -> None:
    """Field errors before any byte is read (the form's fields precede its file)."""
    errors: dict[str, list[str]] = {}
    if not new.title.strip() or len(new.title) > MAX_TITLE:
        errors["title"] = [message("title")]
    if new.link_kind is AttachmentLink.NOTE:
        errors["link_kind"] = [message("link")]  # notes are not records yet (issue 16)
    if errors:
        raise ValidationFailed(errors)
    # Well-formed, but the pair does not name one record: a rule of the case, answered 409.
    if (new.link_kind is AttachmentLink.CASE) != (new.link_id is None):
        raise InvalidTransition(message("link"), rule="attachment.link")


def _check_link(session: Session, case: Case, new: NewAttachment) -> None:
    if new.link_kind is AttachmentLink.REFERRAL:
        found = session.scalar(
            select(Referral.id).where(Referral.id == new.link_id, Referral.case_id == case.id)
        )
    elif new.link_kind is AttachmentLink.HEARING:
        found = session.scalar(
            select(Hearing.id).where(Hearing.id == new.link_id, Hearing.case_id == case.id)
        )
    elif new.link_kind is AttachmentLink.STATEMENT:
        found = session.scalar(
            select(Statement.id).where(Statement.id == new.link_id, Statement.case_id == case.id)
        )
    else:
        return
    if found is None:
        raise InvalidTransition(message("link"), rule="attachment.link")


def add_attachment(
    session: Session,
    vault: RecordVault,
    actor: User,
    reference: str,
    new: NewAttachment | Callable[[], NewAttachment],
    pieces: Iterable[bytes],
    config: files.AttachmentConfig,
    *,
    first_look: NewAttachment | None = None,
) -> tuple[Attachment, str]:
    """Store one file; returns it and the sentence saying what metadata was removed.

    Scope, role and link are checked before a byte of the file is read; the file is then read
    to its end outside any transaction (a slow client must not hold the database's write lock
    or the case's row lock), and stored in one short write transaction under the case's lock.
    When form fields may follow the file, ``new`` is a callable that reads them: it is called
    once the file is staged (encrypted), and the fields are checked then; ``first_look``, the
    fields sent before the file, is checked before a byte of it is read.
    """
    known = new if isinstance(new, NewAttachment) else first_look
    if known is not None:
        check_fields(known)
    try:
        case = case_for(session, actor, reference, Permission.CASE_UPDATE)
        if known is not None:
            _check_link(session, case, known)
        used = files.case_bytes_used(session, case)
        # The file is sealed as it arrives, for an id chosen now, under the case's key.
        target = files.upload_target(vault, case, config.for_new())
    except ErasedError:
        raise AttachmentUnavailable("erased") from None
    finally:
        session.rollback()  # no transaction stays open while the file streams in
    try:
        staged = files.stage(pieces, config.limits, used, target, scratch_dir=config.scratch_dir)
    except Refusal as refusal:
        raise ValidationFailed({"file": [refusal.text]}) from None
    with staged:
        if not isinstance(new, NewAttachment):
            new = new()
            check_fields(new)
        begin_write(session)
        try:
            case = case_for(session, actor, reference, Permission.CASE_UPDATE, lock=True)
            _check_link(session, case, new)
            attachment = Attachment(
                id=target.attachment_id,
                case=case,
                case_id=case.id,
                category=new.category,
                link_kind=new.link_kind,
                link_id=new.link_id,
                created_by_id=actor.id,
            )
            filename = new.filename.replace("\\", "/").rsplit("/", 1)[-1][:MAX_FILENAME]
            vault.seal(attachment, {"title": new.title.strip(), "filename": filename or "file"})
            files.store(session, vault, attachment, staged, config.limits)
            add_event(
                session,
                case,
                actor,
                "attachment.added",
                subject_type="attachment",
                subject_id=attachment.id,
                details={"category": attachment.category.value, "size": attachment.size},
            )
            audit.record(
                session,
                "attachment.add",
                actor_id=actor.id,
                object_type="attachment",
                object_id=attachment.id,
                details={
                    "case": case.reference,
                    "category": attachment.category.value,
                    "content_type": attachment.content_type,
                    "size": attachment.size,
                },
            )
            session.commit()
            staged.keep()  # committed: the chunks are the attachment's now
        except Refusal as refusal:
            session.rollback()
            raise ValidationFailed({"file": [refusal.text]}) from None
        except ErasedError:
            session.rollback()
            raise AttachmentUnavailable("erased") from None
        except BaseException:
            session.rollback()
            raise
    return attachment, removal_summary(staged.removed)


def _attachment_of(session: Session, case: Case, attachment_id: uuid.UUID) -> Attachment:
    attachment = session.scalar(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.case_id == case.id)
    )
    if attachment is None:
        raise NotFound("no such attachment")
    return attachment


def remove_attachment(
    session: Session,
    actor: User,
    reference: str,
    attachment_id: uuid.UUID,
    config: files.AttachmentConfig,
) -> None:
    begin_write(session)
    try:
        case = case_for(session, actor, reference, Permission.CASE_UPDATE, lock=True)
        attachment = _attachment_of(session, case, attachment_id)
        store = config.holding(attachment)
        if isinstance(store, files.DatabaseStorage):
            store.delete(session, attachment.id)  # in this transaction, with the row
        session.delete(attachment)
        add_event(
            session,
            case,
            actor,
            "attachment.removed",
            subject_type="attachment",
            subject_id=attachment_id,
            details={"category": attachment.category.value},
        )
        audit.record(
            session,
            "attachment.remove",
            actor_id=actor.id,
            object_type="attachment",
            object_id=attachment_id,
            details={"case": case.reference},
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    if not isinstance(store, files.DatabaseStorage):
        # Only once the row is gone: a failed commit must not leave a row without its file.
        store.delete(session, attachment_id)


def open_download(
    session: Session,
    vault: RecordVault,
    actor: User,
    reference: str,
    attachment_id: uuid.UUID,
    config: files.AttachmentConfig,
    open_session: Callable[[], AbstractContextManager[Session]],
) -> Download:
    """Check every chunk, audit the download (or the failed check), then hand back a
    stream that decrypts chunk by chunk (a file of one chunk: the plaintext the check
    opened, with no second read)."""
    case = case_for(session, actor, reference)
    attachment = _attachment_of(session, case, attachment_id)
    store = config.holding(attachment)
    failure: str | None = None
    details: dict[str, str | int | bool | None] = {"case": case.reference}
    single_chunk: bytes | None = None
    try:
        single_chunk = files.verify(session, vault, store, attachment)
        filename = vault.open_field(attachment, "filename") or "file"
    except files.DamagedAttachment as damage:
        failure = "tampered"
        details.update({"reason": damage.reason, "chunk": damage.chunk})
    except ErasedError:
        failure = "erased"
        details["reason"] = "erased"
    session.rollback()  # end the read transaction before writing the audit entry
    begin_write(session)
    audit.record(
        session,
        "attachment.download",
        actor_id=actor.id,
        object_type="attachment",
        object_id=attachment.id,
        outcome=Outcome.FAILURE if failure else Outcome.SUCCESS,
        details=details,
    )
    session.commit()
    if failure:
        raise AttachmentUnavailable(failure)
    return Download(
        filename=filename,
        content_type=attachment.content_type,
        size=attachment.size,
        chunks=(
            iter((single_chunk,))
            if single_chunk is not None
            else files.plaintext_chunks(open_session, vault, store, attachment)
        ),
    )


def verify_all(
    session: Session, vault: RecordVault, config: files.AttachmentConfig
) -> Iterator[tuple[str, str, str | None]]:
    """(case reference, attachment id, problem or None) for every attachment."""
    rows = session.execute(
        select(Attachment, Case.reference).join(Case).order_by(Case.reference, Attachment.id)
    ).all()
    for attachment, reference in rows:
        store = config.holding(attachment)
        try:
            files.verify(session, vault, store, attachment)
            yield reference, str(attachment.id), None
        except files.DamagedAttachment as damage:
            yield reference, str(attachment.id), f"chunk {damage.chunk}: {damage.reason}"
        except ErasedError:
            yield reference, str(attachment.id), ERASED_PROBLEM


def too_large_message(config: files.AttachmentConfig) -> str:
    return message("too_large", file_limit=megabytes(config.limits.file_bytes))
