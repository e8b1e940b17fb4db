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
from hrd_cases.domain import refusals, states
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
from hrd_cases.workflow.templates import StrategyCatalogue, StrategyVersion


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
        assistance = _check_input(template, data)
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


def _check_input(template: StrategyVersion, data: ReferralInput) -> list[AssistanceType]:
    """The template's rules for what a referral asks: required fields, the mechanisms it
    uses, the maximum grant. Returns the assistance types, sorted and without repeats."""
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
    strategy = refusals.strategy_phrase(template.code, template.name)
    mechanism = refusals.MECHANISM_NAMES[data.mechanism.value]
    if data.mechanism not in template.mechanisms:
        raise InvalidTransition(
            f"the {template.name} template does not use the mechanism {data.mechanism.value}",
            rule="referral.mechanism_not_allowed",
            fields={
                "mechanism": refusals.MECHANISM_NOT_ALLOWED.format(
                    strategy=strategy, mechanism=mechanism
                )
            },
        )
    if data.amount_eur is not None and data.amount_eur < 0:
        raise InvalidTransition(
            "a grant amount cannot be negative",
            rule="referral.amount_negative",
            fields={"amount_eur": refusals.AMOUNT_NEGATIVE},
        )
    if data.amount_eur is not None and data.amount_eur > template.max_grant_eur:
        raise InvalidTransition(
            f"a grant of EUR {data.amount_eur:,} is above the {template.name} maximum of "
            f"EUR {template.max_grant_eur:,}",
            rule="referral.max_grant",
            fields={
                "amount_eur": refusals.MAX_GRANT.format(
                    mechanism=mechanism,
                    maximum=template.max_grant_eur,
                    strategy_lower=refusals.lower_first(strategy),
                )
            },
        )
    return assistance


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
    confirmed_amount_eur: int | None = None,
) -> Referral:
    """One officer's decision. A rejection rejects; enough distinct approvals approve.

    The page asks an officer approving a grant to confirm its amount and mechanism in a
    second step, which sends ``confirmed_amount_eur``: if the referral was revised in the
    meantime, the amount differs and the approval is refused rather than given to an amount
    the officer never saw. API clients may send it for the same protection.
    The referral row is locked (PostgreSQL) or the database write-locked (SQLite) for the
    transaction, so two officers deciding at once are serialised: never two transitions.
    """
    with write_transaction(session):
        referral = _referral_for(session, actor, referral_id, Permission.REFERRAL_DECIDE)
        ensure_open(referral.case)
        if (
            approve
            and confirmed_amount_eur is not None
            and confirmed_amount_eur != referral.amount_eur
        ):
            raise InvalidTransition(
                "the amount confirmed is not the referral's amount (it may have been "
                "revised since): look at the referral again",
                rule="referral.amount_unconfirmed",
                fields={"confirmed_amount_eur": refusals.CONFIRM_AMOUNT},
            )
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


def return_referral(
    session: Session, vault: RecordVault, actor: User, referral_id: uuid.UUID, *, reason: str
) -> Referral:
    """An officer sends a requested referral back to its requester for revision, with the
    reason (encrypted). That officer can no longer approve it."""
    with write_transaction(session):
        referral = _referral_for(session, actor, referral_id, Permission.REFERRAL_DECIDE)
        ensure_open(referral.case)
        apply_decision(
            session,
            actor,
            referral,
            kind="referral",
            approve=False,
            make_decision=ReferralDecision,
            requester_ids=(referral.requested_by_id, referral.created_by_id),
            transitions=states.REFERRAL_TRANSITIONS,
            awaiting=ReferralState.REQUESTED,
            approved=ReferralState.APPROVED,
            rejected=ReferralState.REJECTED,
            vault=vault,
            reason=reason,
            send_back_to=ReferralState.RETURNED,
        )
    return referral


# Fields whose change a revision's timeline event names (never their values).
_REVISABLE = ("mechanism", "assistance_types", "amount_eur", "justification")


def revise_referral(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    actor: User,
    referral_id: uuid.UUID,
    data: ReferralInput,
    *,
    submit: bool = True,
) -> Referral:
    """Edit a referral not yet decided (a draft, a request, or one returned for revision)
    and, unless ``submit`` is False, request it again. The edit starts a new revision: the
    approvals given so far no longer count, and its editor may never approve it."""
    with write_transaction(session):
        referral = _referral_for(session, actor, referral_id, Permission.REFERRAL_REQUEST)
        ensure_open(referral.case)
        if referral.state not in (
            ReferralState.DRAFT,
            ReferralState.REQUESTED,
            ReferralState.RETURNED,
        ):
            raise InvalidTransition(
                f"a referral in state {referral.state.value} cannot be edited "
                "(only before its decision)",
                rule="referral.transition",
            )
        template = template_of(catalogue, referral.case)
        assistance = _check_input(template, data)
        before = {
            "mechanism": referral.mechanism,
            "assistance_types": referral.assistance_types,
            "amount_eur": referral.amount_eur,
            "justification": vault.open_field(referral, "justification"),
        }
        after = {
            "mechanism": data.mechanism,
            "assistance_types": assistance,
            "amount_eur": data.amount_eur,
            "justification": data.justification,
        }
        changed = [f for f in _REVISABLE if before[f] != after[f]]
        referral.mechanism, referral.amount_eur = data.mechanism, data.amount_eur
        # Rows kept where the type stays: delete-and-insert of one key in a flush would clash.
        kept = [row for row in referral.assistance if row.assistance_type in assistance]
        held = {row.assistance_type for row in kept}
        referral.assistance = kept + [
            ReferralAssistance(assistance_type=a) for a in assistance if a not in held
        ]
        vault.seal(referral, {"justification": data.justification})
        if referral.state is not ReferralState.DRAFT:
            referral.revision += 1
        record_step(
            session,
            referral.case,
            actor,
            "referral.revised",
            "referral.revise",
            item=("referral", referral.id),
            event_details={"fields": ", ".join(changed) or "none", "revision": referral.revision},
            audit_details={"fields": ", ".join(changed) or "none"},
        )
        if submit and referral.state in (ReferralState.DRAFT, ReferralState.RETURNED):
            _request(session, actor, referral)
    return referral


def withdraw_referral(session: Session, actor: User, referral_id: uuid.UUID) -> Referral:
    """The requester's side withdraws a referral before its decision: nothing more is
    asked of the officers."""
    with write_transaction(session):
        referral = _referral_for(session, actor, referral_id, Permission.REFERRAL_REQUEST)
        ensure_open(referral.case)
        states.check(
            "referral", states.REFERRAL_TRANSITIONS, referral.state, ReferralState.WITHDRAWN
        )
        referral.state, referral.withdrawn_at = ReferralState.WITHDRAWN, utcnow()
        record_step(
            session,
            referral.case,
            actor,
            "referral.withdrawn",
            "referral.withdraw",
            item=("referral", referral.id),
        )
    return referral
