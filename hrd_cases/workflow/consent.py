"""The defender's recorded, scoped consent: no statement without it (do no harm)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.auth.permissions import Permission, case_for
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.domain.vocabulary import ConsentScope
from hrd_cases.models import Case, Consent, ConsentScopeGrant, User
from hrd_cases.records import RecordVault
from hrd_cases.workflow.service import add_event, ensure_open, locked_action


def active_consent_covers(case: Case, scope: ConsentScope) -> bool:
    return any(c.is_active and scope in c.scopes for c in case.consents)


def record_consent(
    session: Session,
    vault: RecordVault,
    actor: User,
    reference: str,
    *,
    scopes: Iterable[ConsentScope],
    given_on: datetime,
    notes: str | None = None,
) -> Consent:
    wanted = sorted(set(scopes))
    with write_transaction(session):
        case = case_for(session, actor, reference, Permission.CONSENT_RECORD, lock=True)
        ensure_open(case)
        if not wanted:
            raise InvalidTransition(
                "a consent record needs at least one scope", rule="consent.scope"
            )
        if given_on > utcnow():
            raise InvalidTransition("consent cannot be dated in the future", rule="consent.date")
        consent = Consent(id=uuid.uuid4(), case=case, given_on=given_on, recorded_by_id=actor.id)
        consent.scope_rows = [ConsentScopeGrant(scope=s) for s in wanted]
        vault.seal(consent, {"notes": notes})
        session.add(consent)
        session.flush()
        add_event(
            session,
            case,
            actor,
            "consent.recorded",
            subject_type="consent",
            subject_id=consent.id,
            details={"scopes": ",".join(s.value for s in wanted)},
        )
        audit.record(
            session,
            "consent.record",
            actor_id=actor.id,
            object_type="consent",
            object_id=consent.id,
            details={"case": case.reference},
        )
    return consent


def revoke_consent(session: Session, actor: User, consent_id: uuid.UUID) -> Consent:
    """Revocation is immediate: a statement not yet published can no longer be."""
    with write_transaction(session):
        # Locks the case first: a publication in progress on the same case finishes before
        # the revocation, or sees it.
        consent = locked_action(session, actor, Consent, consent_id, Permission.CONSENT_RECORD)
        if consent.revoked_at is not None:
            raise InvalidTransition("this consent is already revoked", rule="consent.transition")
        consent.revoked_at = utcnow()
        add_event(
            session,
            consent.case,
            actor,
            "consent.revoked",
            subject_type="consent",
            subject_id=consent.id,
        )
        audit.record(
            session,
            "consent.revoke",
            actor_id=actor.id,
            object_type="consent",
            object_id=consent.id,
        )
    return consent
