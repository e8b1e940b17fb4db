"""Referral to a protection mechanism: draft -> requested -> approved | rejected -> delivered
-> closed. Approval needs the number of distinct protection officers the case's template
names, none of whom requested (or drafted) the referral: four-eyes, enforced here."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.auth.permissions import Permission, case_for
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain import states
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.domain.states import ReferralState
from hrd_cases.domain.vocabulary import (
    ActionType,
    AssistanceType,
    Mechanism,
)
from hrd_cases.models import (
    Referral,
    ReferralAssistance,
    ReferralDecision,
    User,
)
from hrd_cases.records import RecordVault
from hrd_cases.workflow.service import (
    add_event,
    apply_decision,
    check_required,
    ensure_open,
    locked_action,
    record_step,
    template_of,
)
from hrd_cases.workflow.templates import StrategyCatalogue


@dataclass(frozen=True, slots=True)
class ReferralInput:
    mechanism: Mechanism
    assistance_types: Iterable[AssistanceType] = field(default_factory=tuple)
    amount_eur: int | None = None
    justification: str | None = None


def create_referral(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    actor: User,
    reference: str,
    data: ReferralInput,
    *,
    submit: bool = True,
) -> Referral:
    """Draft a referral, and request it at once unless ``submit`` is False."""
    with write_transaction(session):
        case = case_for(session, actor, reference, Permission.REFERRAL_REQUEST, lock=True)
        ensure_open(case)
        template = template_of(catalogue, case)
        rules = template.rules(ActionType.REFERRAL)
        if not rules.enabled:
            raise InvalidTransition(
                f"the {template.name} template does not enable referrals", rule="referral.disabled"
            )
        assistance = sorted(set(data.assistance_types))
        check_required(
            template,
            ActionType.REFERRAL,
            {
                "mechanism": data.mechanism,
                "assistance_types": assistance,
                "amount_eur": data.amount_eur,
                "justification": data.justification,
            },
        )
        if data.mechanism not in template.mechanisms:
            raise InvalidTransition(
                f"the {template.name} template does not use the mechanism {data.mechanism.value}",
                rule="referral.mechanism_not_allowed",
            )
        if data.amount_eur is not None and data.amount_eur < 0:
            raise InvalidTransition(
                "a grant amount cannot be negative", rule="referral.amount_negative"
            )
        if data.amount_eur is not None and data.amount_eur > template.max_grant_eur:
            raise InvalidTransition(
                f"a grant of EUR {data.amount_eur:,} is above the {template.name} maximum of "
                f"EUR {template.max_grant_eur:,}",
                rule="referral.max_grant",
            )
        now = utcnow()
        referral = Referral(
            id=uuid.uuid4(),
            case=case,
            mechanism=data.mechanism,
            amount_eur=data.amount_eur,
            state=ReferralState.DRAFT,
            approvals_required=rules.approvals_required,
            created_by_id=actor.id,
            created_at=now,
        )
        referral.assistance = [ReferralAssistance(assistance_type=a) for a in assistance]
        vault.seal(referral, {"justification": data.justification})
        session.add(referral)
        session.flush()
        add_event(
            session,
            case,
            actor,
            "referral.drafted",
            subject_type="referral",
            subject_id=referral.id,
            details={"mechanism": data.mechanism.value},
        )
        if submit:
            _request(session, actor, referral)
        audit.record(
            session,
            "referral.create",
            actor_id=actor.id,
            object_type="referral",
            object_id=referral.id,
            details={"case": case.reference, "state": referral.state.value},
        )
    return referral


def _request(session: Session, actor: User, referral: Referral) -> None:
    states.check("referral", states.REFERRAL_TRANSITIONS, referral.state, ReferralState.REQUESTED)
    referral.state = ReferralState.REQUESTED
    referral.requested_by_id, referral.requested_at = actor.id, utcnow()
    add_event(
        session,
        referral.case,
        actor,
        "referral.requested",
        subject_type="referral",
        subject_id=referral.id,
        details={"approvals_required": referral.approvals_required},
    )


def _referral_for(
    session: Session, actor: User, referral_id: uuid.UUID, permission: Permission
) -> Referral:
    """The referral and its case, row-locked for the transaction, if the case is in scope."""
    return locked_action(session, actor, Referral, referral_id, permission)


def submit_referral(session: Session, actor: User, referral_id: uuid.UUID) -> Referral:
    with write_transaction(session):
        referral = _referral_for(session, actor, referral_id, Permission.REFERRAL_REQUEST)
        ensure_open(referral.case)
        _request(session, actor, referral)
        audit.record(
            session,
            "referral.request",
            actor_id=actor.id,
            object_type="referral",
            object_id=referral.id,
        )
    return referral


def decide_referral(
    session: Session,
    actor: User,
    referral_id: uuid.UUID,
    *,
    approve: bool,
    reason: str | None = None,
    vault: RecordVault | None = None,
) -> Referral:
    """One officer's decision. A rejection rejects; enough distinct approvals approve.

    The referral row is locked (PostgreSQL) or the database write-locked (SQLite) for the
    transaction, so two officers deciding at once are serialised: never two transitions.
    """
    with write_transaction(session):
        referral = _referral_for(session, actor, referral_id, Permission.REFERRAL_DECIDE)
        ensure_open(referral.case)
        apply_decision(
            session,
            actor,
            referral,
            kind="referral",
            approve=approve,
            make_decision=ReferralDecision,
            requester_ids=(referral.requested_by_id, referral.created_by_id),
            transitions=states.REFERRAL_TRANSITIONS,
            awaiting=ReferralState.REQUESTED,
            approved=ReferralState.APPROVED,
            rejected=ReferralState.REJECTED,
            vault=vault,
            reason=reason,
        )
    return referral


def mark_delivered(session: Session, actor: User, referral_id: uuid.UUID) -> Referral:
    with write_transaction(session):
        referral = _referral_for(session, actor, referral_id, Permission.REFERRAL_REQUEST)
        ensure_open(referral.case)
        states.check(
            "referral", states.REFERRAL_TRANSITIONS, referral.state, ReferralState.DELIVERED
        )
        referral.state, referral.delivered_at = ReferralState.DELIVERED, utcnow()
        record_step(
            session,
            referral.case,
            actor,
            "referral.delivered",
            "referral.deliver",
            item=("referral", referral.id),
        )
    return referral


def close_referral(session: Session, actor: User, referral_id: uuid.UUID) -> Referral:
    """A delivered or rejected referral is closed: nothing more is expected of it."""
    with write_transaction(session):
        referral = locked_action(session, actor, Referral, referral_id, Permission.REFERRAL_REQUEST)
        ensure_open(referral.case)
        states.check("referral", states.REFERRAL_TRANSITIONS, referral.state, ReferralState.CLOSED)
        referral.state, referral.closed_at = ReferralState.CLOSED, utcnow()
        record_step(
            session,
            referral.case,
            actor,
            "referral.closed",
            "referral.close",
            item=("referral", referral.id),
        )
    return referral
