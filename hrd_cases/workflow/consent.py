"""The defender's recorded, scoped consent: no statement without it (do no harm)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from hrd_cases.auth.permissions import Permission, case_for
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain import refusals
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.domain.vocabulary import ConsentScope
from hrd_cases.models import Case, Consent, ConsentScopeGrant, User
from hrd_cases.records import RecordVault
from hrd_cases.workflow.service import ensure_open, locked_action, record_step


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
                "a consent record needs at least one scope",
                rule="consent.scope",
                fields={"scopes": refusals.CONSENT_SCOPE},
            )
        if given_on > utcnow():
            raise InvalidTransition(
                "consent cannot be dated in the future",
                rule="consent.date",
                fields={"given_on": refusals.CONSENT_DATE_FUTURE},
            )
        consent = Consent(id=uuid.uuid4(), case=case, given_on=given_on, recorded_by_id=actor.id)
        consent.scope_rows = [ConsentScopeGrant(scope=s) for s in wanted]
        vault.seal(consent, {"notes": notes})
        session.add(consent)
        session.flush()
        record_step(
            session,
            case,
            actor,
            "consent.recorded",
            "consent.record",
            item=("consent", consent.id),
            event_details={"scopes": ",".join(s.value for s in wanted)},
            audit_details={"case": case.reference},
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
        record_step(
            session,
            consent.case,
            actor,
            "consent.revoked",
            "consent.revoke",
            item=("consent", consent.id),
        )
    return consent
