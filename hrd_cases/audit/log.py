"""Append-only, hash-chained audit log.

Each entry's hash covers a canonical serialisation of its fields and the previous entry's hash,
so editing, deleting or reordering any row breaks the chain from that row on. Entries are added
inside the caller's transaction: the change and its audit entry commit together or not at all.
Details carry identifiers and categories only, never personal data.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.models.audit import GENESIS_HASH, AuditChainHead, AuditEntry

HEAD_ID = 1
DetailValue = str | int | bool | None


class Outcome(enum.StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    REFUSED = "refused"


def canonical_bytes(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    object_type: str | None,
    object_id: str | None,
    outcome: str,
    details: Mapping[str, object],
    prev_hash: str,
) -> bytes:
    document = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "outcome": outcome,
        "details": dict(details),
        "prev_hash": prev_hash,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def entry_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical).hexdigest()


def record(
    session: Session,
    action: str,
    *,
    actor_id: int | None = None,
    object_type: str | None = None,
    object_id: object = None,
    outcome: Outcome | str = Outcome.SUCCESS,
    details: Mapping[str, DetailValue] | None = None,
) -> int:
    """Append an entry in the session's transaction and return its sequence number.

    The caller commits. The chain head is updated first so that concurrent appenders queue on
    its lock instead of forking the chain.
    """
    details = dict(details or {})
    for key, value in details.items():
        if not isinstance(value, DetailValue):
            raise TypeError(f"audit detail {key!r} must be str, int, bool or None")
    row = session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(last_seq=AuditChainHead.last_seq + 1)
        .returning(AuditChainHead.last_seq, AuditChainHead.last_hash)
    ).one_or_none()
    if row is None:
        ensure_chain_head(session)
        return record(
            session,
            action,
            actor_id=actor_id,
            object_type=object_type,
            object_id=object_id,
            outcome=outcome,
            details=details,
        )
    seq, prev_hash = row
    at = utcnow()
    fields: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "outcome": str(outcome),
        "details": details,
    }
    digest = entry_hash(
        prev_hash,
        canonical_bytes(
            seq=seq,
            at=at,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=fields["object_id"],
            outcome=fields["outcome"],
            details=details,
            prev_hash=prev_hash,
        ),
    )
    session.execute(insert(AuditEntry).values(**fields, prev_hash=prev_hash, entry_hash=digest))
    session.execute(
        update(AuditChainHead).where(AuditChainHead.id == HEAD_ID).values(last_hash=digest)
    )
    return seq


def ensure_chain_head(session: Session) -> None:
    """Create the chain head row if it is missing (fresh database)."""
    if session.get(AuditChainHead, HEAD_ID) is None:
        session.add(AuditChainHead(id=HEAD_ID, last_seq=0, last_hash=GENESIS_HASH))
        session.flush()


_ENTRY_COLUMNS = (
    AuditEntry.seq,
    AuditEntry.at,
    AuditEntry.actor_id,
    AuditEntry.action,
    AuditEntry.object_type,
    AuditEntry.object_id,
    AuditEntry.outcome,
    AuditEntry.details,
    AuditEntry.prev_hash,
    AuditEntry.entry_hash,
)


@dataclass(frozen=True, slots=True)
class AuditProblem:
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = f"entry {self.seq}" if self.seq is not None else "chain head"
        return f"{where}: {self.reason}"


def verify_chain(session: Session, *, batch_size: int = 5000) -> tuple[int, AuditProblem | None]:
    """Walk the chain in sequence order; return (entries checked, first problem or None)."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    last_seen = 0
    while True:
        # Plain rows, not ORM objects: the identity map stays small however long the chain.
        entries = session.execute(
            select(*_ENTRY_COLUMNS)
            .where(AuditEntry.seq > last_seen)
            .order_by(AuditEntry.seq)
            .limit(batch_size)
        ).all()
        if not entries:
            break
        for entry in entries:
            if entry.seq != expected_seq:
                return checked, AuditProblem(expected_seq, f"missing; next entry is {entry.seq}")
            if entry.prev_hash != prev_hash:
                return checked, AuditProblem(entry.seq, "does not link to the previous entry")
            canonical = canonical_bytes(
                seq=entry.seq,
                at=entry.at,
                actor_id=entry.actor_id,
                action=entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
                outcome=entry.outcome,
                details=entry.details or {},
                prev_hash=entry.prev_hash,
            )
            if entry_hash(prev_hash, canonical) != entry.entry_hash:
                return checked, AuditProblem(entry.seq, "content does not match its hash")
            prev_hash, expected_seq, checked = entry.entry_hash, expected_seq + 1, checked + 1
            last_seen = entry.seq
    head = session.get(AuditChainHead, HEAD_ID)
    if head is not None and (head.last_seq != checked or head.last_hash != prev_hash):
        return checked, AuditProblem(None, f"records {head.last_seq} entries; found {checked}")
    return checked, None
