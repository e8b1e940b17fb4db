"""Steps the HTML pages do not offer yet but the API does: changing an open case's intake
fields, closing a referral, and recording a hearing's outcome after the observation. Same
rules as every other step: scope and lock first, guards, change + timeline + audit together."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.auth.permissions import Permission, case_for
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain import states
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.domain.states import HearingState, ReferralState
from hrd_cases.domain.vocabulary import (
    ActionType,
    HearingOutcome,
    ProfileCategory,
    RiskLevel,
    ThreatType,
)
from hrd_cases.models import Case, CaseProfileCategory, CaseThreat, Hearing, Referral, User
from hrd_cases.records import RecordVault
from hrd_cases.workflow.service import (
    add_event,
    check_required,
    ensure_open,
    locked_action,
    template_of,
)
from hrd_cases.workflow.templates import StrategyCatalogue

UPDATABLE_CASE_FIELDS = frozenset({"risk_level", "narrative", "profile_categories", "threats"})


def update_case(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    actor: User,
    reference: str,
    changes: Mapping[str, object],
) -> Case:
    """Change intake fields of an open case. A new risk level counts as a (re-)assessment
    (it restarts the referral deadline clock, like ``case_steps.assess_case``)."""
    unknown = set(changes) - UPDATABLE_CASE_FIELDS
    if unknown:
        raise ValueError(f"not updatable: {', '.join(sorted(unknown))}")
    with write_transaction(session):
        case = case_for(session, actor, reference, Permission.CASE_UPDATE, lock=True)
        ensure_open(case)
        # A field the template requires at intake cannot be emptied later.
        check_required(
            template_of(catalogue, case),
            ActionType.INTAKE,
            {k: v for k, v in changes.items() if k != "risk_level"},
        )
        changed = sorted(changes)
        if "risk_level" in changes:
            level = RiskLevel(changes["risk_level"])  # type: ignore[arg-type]
            previous = case.risk_level
            case.risk_level, case.assessed_at = level, utcnow()
            add_event(
                session,
                case,
                actor,
                "case.assessed",
                details={"from": previous.value, "to": level.value},
            )
        if "narrative" in changes:
            vault.seal(case, {"narrative": changes["narrative"]})  # type: ignore[dict-item]
        if "profile_categories" in changes:
            wanted = {ProfileCategory(c) for c in changes["profile_categories"]}  # type: ignore[attr-defined]
            # Remove and add rows rather than replace the list: the same primary key deleted
            # and inserted in one flush would collide.
            for row in [r for r in case.profile_categories if r.category not in wanted]:
                case.profile_categories.remove(row)
            present = {r.category for r in case.profile_categories}
            case.profile_categories.extend(
                CaseProfileCategory(category=c, country=case.country, opened_at=case.opened_at)
                for c in sorted(wanted - present)
            )
        if "threats" in changes:
            wanted_threats = {ThreatType(t) for t in changes["threats"]}  # type: ignore[attr-defined]
            for row in [r for r in case.threats if r.threat not in wanted_threats]:
                case.threats.remove(row)
            present_threats = {r.threat for r in case.threats}
            case.threats.extend(
                CaseThreat(threat=t, country=case.country, opened_at=case.opened_at)
                for t in sorted(wanted_threats - present_threats)
            )
        add_event(session, case, actor, "case.updated", details={"fields": ",".join(changed)})
        audit.record(
            session,
            "case.update",
            actor_id=actor.id,
            object_type="case",
            object_id=case.reference,
            details={"fields": ",".join(changed)},
        )
    return case


def close_referral(session: Session, actor: User, referral_id: uuid.UUID) -> Referral:
    """A delivered or rejected referral is closed: nothing more is expected of it."""
    with write_transaction(session):
        referral = locked_action(session, actor, Referral, referral_id, Permission.REFERRAL_REQUEST)
        ensure_open(referral.case)
        states.check("referral", states.REFERRAL_TRANSITIONS, referral.state, ReferralState.CLOSED)
        referral.state, referral.closed_at = ReferralState.CLOSED, utcnow()
        add_event(
            session,
            referral.case,
            actor,
            "referral.closed",
            subject_type="referral",
            subject_id=referral.id,
        )
        audit.record(
            session,
            "referral.close",
            actor_id=actor.id,
            object_type="referral",
            object_id=referral.id,
        )
    return referral


def record_hearing_outcome(
    session: Session, actor: User, hearing_id: uuid.UUID, outcome: HearingOutcome
) -> Hearing:
    """The court's outcome, often known only after the observation or its report."""
    with write_transaction(session):
        hearing = locked_action(session, actor, Hearing, hearing_id, Permission.HEARING_MANAGE)
        ensure_open(hearing.case)
        if hearing.state is HearingState.SCHEDULED:
            raise InvalidTransition(
                "a hearing's outcome is recorded once it has taken place (observed or not)",
                rule="trial_observation.outcome_before_hearing",
            )
        previous = hearing.outcome
        hearing.outcome = outcome
        add_event(
            session,
            hearing.case,
            actor,
            "hearing.outcome",
            subject_type="hearing",
            subject_id=hearing.id,
            details={"from": previous.value if previous else None, "to": outcome.value},
        )
        audit.record(
            session,
            "hearing.outcome",
            actor_id=actor.id,
            object_type="hearing",
            object_id=hearing.id,
            details={"outcome": outcome.value},
        )
    return hearing
