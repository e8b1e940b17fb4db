"""Steps on the case itself: intake changes, assessment, closure, reopening; the derived stage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from sqlalchemy.orm import Session

from hrd_cases.auth.permissions import Permission, case_for
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.domain.states import Stage, derive_stage
from hrd_cases.domain.vocabulary import (
    ActionType,
    ClosureOutcome,
    ProfileCategory,
    RiskLevel,
    ThreatType,
)
from hrd_cases.models import Case, CaseProfileCategory, CaseThreat, User
from hrd_cases.records import RecordVault
from hrd_cases.workflow.service import (
    add_event,
    check_required,
    ensure_open,
    record_step,
    template_of,
)
from hrd_cases.workflow.templates import StrategyCatalogue


def case_stage(case: Case) -> Stage:
    return derive_stage(
        closed=case.closed_at is not None,
        referral_states=[r.state for r in case.referrals],
        hearing_states=[h.state for h in case.hearings],
        statement_states=[s.state for s in case.statements],
        assessed=case.assessed_at is not None,
    )


def assess_case(session: Session, actor: User, reference: str, risk_level: RiskLevel) -> Case:
    """Record a (re-)assessment of the risk; the risk level feeds deadlines and aggregates."""
    with write_transaction(session):
        case = case_for(session, actor, reference, Permission.CASE_UPDATE, lock=True)
        ensure_open(case)
        previous = case.risk_level
        case.risk_level, case.assessed_at = risk_level, utcnow()
        record_step(
            session,
            case,
            actor,
            "case.assessed",
            "case.assess",
            event_details={"from": previous.value, "to": risk_level.value},
            audit_details={"risk_level": risk_level.value},
        )
    return case


def check_closable(
    catalogue: StrategyCatalogue, case: Case, outcome: ClosureOutcome | None, reason: str | None
) -> None:
    """The closure's guards, also asked before the page's confirmation step so that a
    refusal is shown beside its field first (the step asks them again, under its lock)."""
    ensure_open(case)
    template = template_of(catalogue, case)
    if not template.enabled(ActionType.CLOSURE):
        raise InvalidTransition(
            f"the {template.name} template does not enable closure", rule="closure.disabled"
        )
    check_required(template, ActionType.CLOSURE, {"outcome": outcome, "reason": reason})


def close_case(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    actor: User,
    reference: str,
    outcome: ClosureOutcome | None,
    reason: str | None = None,
) -> Case:
    with write_transaction(session):
        case = case_for(session, actor, reference, Permission.CASE_CLOSE, lock=True)
        check_closable(catalogue, case, outcome, reason)
        case.closed_at, case.closure_outcome = utcnow(), outcome
        vault.seal(case, {"closure_reason": reason})
        record_step(
            session,
            case,
            actor,
            "case.closed",
            "case.close",
            event_details={"outcome": outcome.value if outcome else None},
            audit_details={"outcome": outcome.value if outcome else None},
        )
    return case


def reopen_case(session: Session, actor: User, reference: str) -> Case:
    """The one step a closed case accepts."""
    with write_transaction(session):
        case = case_for(session, actor, reference, Permission.CASE_CLOSE, lock=True)
        if case.closed_at is None:
            raise InvalidTransition(f"case {case.reference} is not closed", rule="case.transition")
        case.closed_at, case.reopened_at = None, utcnow()
        # The previous closure stays in the timeline and the audit log, not on the open case.
        case.closure_outcome, case.closure_reason_ciphertext = None, None
        record_step(session, case, actor, "case.reopened", "case.reopen")
    return case


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
            level = RiskLevel(str(changes["risk_level"]))
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
            vault.seal(case, {"narrative": cast(str | None, changes["narrative"])})
        if "profile_categories" in changes:
            wanted = {ProfileCategory(c) for c in cast(list[str], changes["profile_categories"])}
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
            wanted_threats = {ThreatType(t) for t in cast(list[str], changes["threats"])}
            for threat_row in [r for r in case.threats if r.threat not in wanted_threats]:
                case.threats.remove(threat_row)
            present_threats = {r.threat for r in case.threats}
            case.threats.extend(
                CaseThreat(threat=t, country=case.country, opened_at=case.opened_at)
                for t in sorted(wanted_threats - present_threats)
            )
        record_step(
            session,
            case,
            actor,
            "case.updated",
            "case.update",
            event_details={"fields": ",".join(changed)},
            audit_details={"fields": ",".join(changed)},
        )
    return case
