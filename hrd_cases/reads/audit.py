"""The audit log as the viewer, the CSV export, the API and "who accessed this case" read it.

Filtering and paging happen in SQL: a page is the newest ``limit`` entries older than a
cursor (keyset paging on the sequence number, so page 1,000 costs what page 1 costs), and
each filter has a composite index ending in ``seq`` (migration a19c0de5e7a1). Entries hold
identifiers and categories only, never case content.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import Session

from hrd_cases.audit.log import AuditProblem, verify_chain
from hrd_cases.db import write_transaction
from hrd_cases.models import AuditChainHead, AuditCheckpoint, AuditEntry, User
from hrd_cases.models.audit import GENESIS_HASH

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Entries that record someone reading a case: a view, an export, a download.
CASE_ACCESS_ACTIONS = ("case.view",)
CASE_ACCESS_PATTERNS = ("%download%", "%export%")
CSV_COLUMNS = (
    "seq",
    "at",
    "actor_id",
    "actor",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "details",
    "entry_hash",
)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: str | None = None  # an account's email, or its numeric id
    action: str | None = None  # exact, or a prefix ending in "." (e.g. "user.")
    case_reference: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    seq: int
    at: datetime
    actor_id: int | None
    actor: str | None  # the actor's email (accounts are not personal data of defenders)
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str
    details: dict[str, object]
    entry_hash: str


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: list[AuditRow]
    next_before: int | None  # cursor of the next (older) page, None on the last one


@dataclass(frozen=True, slots=True)
class ChainState:
    entries: int  # entries in the log (from the chain head)
    verified_up_to: int  # every entry up to this one links and matches its hash
    problem: AuditProblem | None  # the first broken entry found, if any
    last_full_walk: datetime | None  # when the chain was last checked from its first entry


def _actor_id(session: Session, actor: str) -> int | None:
    actor = actor.strip()
    if actor.isdigit():
        return int(actor)
    return session.scalar(select(User.id).where(User.email == actor.lower()))


def _first_seq_at_or_after(session: Session, moment: datetime) -> int | None:
    """The first entry written at or after ``moment``: one probe of the ``at`` index.

    A date range becomes a range of sequence numbers, so a page is a backward walk of the
    primary key from the range's end (51 rows) instead of reading every entry of the range
    and sorting them (a week of 1,000,000 entries is ~19,000 rows: >200 ms on PostgreSQL).
    Sound because ``audit.record`` takes the time after the chain head's lock: entries are
    written in time order. The time predicates stay, so the page never shows an entry
    outside the range."""
    return session.scalar(
        select(AuditEntry.seq)
        .where(AuditEntry.at >= moment)
        .order_by(AuditEntry.at, AuditEntry.seq)
        .limit(1)
    )


def _filtered(session: Session, where: AuditFilter) -> Select[AuditEntry, str]:
    statement = select(AuditEntry, User.email).outerjoin(User, User.id == AuditEntry.actor_id)
    if where.actor:
        statement = statement.where(AuditEntry.actor_id == _actor_id(session, where.actor))
    if where.action:
        if where.action.endswith("."):
            statement = statement.where(AuditEntry.action.startswith(where.action, autoescape=True))
        else:
            statement = statement.where(AuditEntry.action == where.action)
    if where.case_reference:
        statement = statement.where(
            AuditEntry.object_type == "case", AuditEntry.object_id == where.case_reference
        )
    if where.since:
        statement = statement.where(AuditEntry.at >= where.since)
        first = _first_seq_at_or_after(session, where.since)
        # Nothing written since then: an empty page, without walking the whole log to say so.
        statement = statement.where(AuditEntry.seq >= first if first is not None else false())
    if where.until:
        statement = statement.where(AuditEntry.at < where.until)
        if (beyond := _first_seq_at_or_after(session, where.until)) is not None:
            statement = statement.where(AuditEntry.seq < beyond)
    if where.outcome:
        statement = statement.where(AuditEntry.outcome == where.outcome)
    return statement


def _row(entry: AuditEntry, email: str | None) -> AuditRow:
    return AuditRow(
        seq=entry.seq,
        at=entry.at,
        actor_id=entry.actor_id,
        actor=email,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        outcome=entry.outcome,
        details=dict(entry.details or {}),
        entry_hash=entry.entry_hash,
    )


def audit_page(
    session: Session, where: AuditFilter, *, before: int | None = None, limit: int = PAGE_SIZE
) -> AuditPage:
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    statement = _filtered(session, where)
    if before is not None:
        statement = statement.where(AuditEntry.seq < before)
    found = session.execute(statement.order_by(AuditEntry.seq.desc()).limit(limit + 1)).all()
    rows = [_row(entry, email) for entry, email in found[:limit]]
    next_before = rows[-1].seq if len(found) > limit else None
    return AuditPage(rows, next_before)


def audit_csv(session: Session, where: AuditFilter, *, batch: int = 5000) -> Iterator[str]:
    """The filtered log as CSV, newest first, read in keyset batches (never all at once)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    before = None
    while True:
        page = _csv_batch(session, where, before, batch)
        for r in page.rows:
            writer.writerow(
                (
                    r.seq,
                    r.at.isoformat(),
                    r.actor_id,
                    r.actor or "",
                    r.action,
                    r.object_type or "",
                    r.object_id or "",
                    r.outcome,
                    json.dumps(r.details, sort_keys=True),
                    r.entry_hash,
                )
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if page.next_before is None:
            return
        before = page.next_before


def _csv_batch(session: Session, where: AuditFilter, before: int | None, batch: int) -> AuditPage:
    statement = _filtered(session, where)
    if before is not None:
        statement = statement.where(AuditEntry.seq < before)
    found = session.execute(statement.order_by(AuditEntry.seq.desc()).limit(batch + 1)).all()
    rows = [_row(entry, email) for entry, email in found[:batch]]
    return AuditPage(rows, rows[-1].seq if len(found) > batch else None)


def chain_state(session: Session, *, full: bool = False) -> ChainState:
    """Check the entries after the last checkpoint (all of them when ``full``) and move the
    checkpoint forward if they are intact. A full walk reads every entry (about a second per
    100,000); the viewer's default check reads only what was appended since."""
    latest = (
        None
        if full
        else session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))
    )
    after_seq, after_hash = (latest.seq, latest.entry_hash) if latest else (0, GENESIS_HASH)
    checked, problem = verify_chain(session, after_seq=after_seq, after_hash=after_hash)
    verified = after_seq + checked
    if problem is None and (checked or full):
        with write_transaction(session):
            session.add(
                AuditCheckpoint(seq=verified, entry_hash=_hash_of(session, verified), full=full)
            )
    head = session.get(AuditChainHead, 1)
    last_full = session.scalar(
        select(AuditCheckpoint.verified_at)
        .where(AuditCheckpoint.full.is_(True))
        .order_by(AuditCheckpoint.id.desc())
        .limit(1)
    )
    return ChainState(
        entries=head.last_seq if head is not None else verified,
        verified_up_to=verified,
        problem=problem,
        last_full_walk=last_full,
    )


def _hash_of(session: Session, seq: int) -> str:
    if seq == 0:
        return GENESIS_HASH
    return session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == seq)) or ""


def case_access(session: Session, reference: str, *, limit: int = 500) -> list[AuditRow]:
    """Who viewed, exported or downloaded case ``reference``, and when (newest first). The
    caller has checked that the reader may ask; nothing of the case's content is read."""
    statement = (
        select(AuditEntry, User.email)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(
            or_(
                and_(
                    AuditEntry.object_type == "case",
                    AuditEntry.object_id == reference,
                    or_(
                        AuditEntry.action.in_(CASE_ACCESS_ACTIONS),
                        *(AuditEntry.action.like(p) for p in CASE_ACCESS_PATTERNS),
                    ),
                ),
                # An evidence file's download names its case in the details.
                and_(
                    AuditEntry.action == "attachment.download",
                    AuditEntry.details["case"].as_string() == reference,
                ),
            )
        )
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
    )
    return [_row(entry, email) for entry, email in session.execute(statement)]
