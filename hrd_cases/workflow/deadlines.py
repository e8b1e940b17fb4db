"""Deadlines from each case's own template, and the overdue list for a user's scope.

- a case at a risk level with a referral deadline must have a referral requested within that
  many hours of intake;
- a requested referral must be decided within ``referral_decision_hours``;
- a submitted statement must be decided within ``statement_decision_hours``;
- an observed hearing needs its report within ``observation_report_days`` of the hearing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hrd_cases.auth.permissions import case_scope
from hrd_cases.db import utcnow
from hrd_cases.domain.states import HearingState, ReferralState, StatementState
from hrd_cases.models import Case, User
from hrd_cases.workflow.service import template_of
from hrd_cases.workflow.templates import StrategyCatalogue


class DeadlineKind(enum.StrEnum):
    REFERRAL_DUE = "referral due"
    REFERRAL_DECISION = "referral decision"
    STATEMENT_DECISION = "statement decision"
    OBSERVATION_REPORT = "observation report"


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: DeadlineKind
    case_reference: str
    due_at: datetime
    subject_id: str | None = None

    def overdue_by(self, now: datetime) -> timedelta:
        return now - self.due_at


def case_deadlines(catalogue: StrategyCatalogue, case: Case) -> list[Deadline]:
    """Every open deadline of one case (met ones are not listed)."""
    if case.closed_at is not None:
        return []
    rules = template_of(catalogue, case).deadlines
    found: list[Deadline] = []
    hours = rules.referral_hours_by_risk.get(case.risk_level)
    if hours and not any(
        r.state not in (ReferralState.DRAFT, ReferralState.WITHDRAWN) for r in case.referrals
    ):
        found.append(
            Deadline(
                DeadlineKind.REFERRAL_DUE,
                case.reference,
                _risk_known_since(case) + timedelta(hours=hours),
            )
        )
    for referral in case.referrals:
        if referral.state is ReferralState.REQUESTED and referral.requested_at:
            found.append(
                Deadline(
                    DeadlineKind.REFERRAL_DECISION,
                    case.reference,
                    referral.requested_at + timedelta(hours=rules.referral_decision_hours),
                    str(referral.id),
                )
            )
    for statement in case.statements:
        if statement.state is StatementState.SUBMITTED and statement.submitted_at:
            found.append(
                Deadline(
                    DeadlineKind.STATEMENT_DECISION,
                    case.reference,
                    statement.submitted_at + timedelta(hours=rules.statement_decision_hours),
                    str(statement.id),
                )
            )
    for hearing in case.hearings:
        if hearing.state is HearingState.OBSERVED:
            found.append(
                Deadline(
                    DeadlineKind.OBSERVATION_REPORT,
                    case.reference,
                    hearing.scheduled_for + timedelta(days=rules.observation_report_days),
                    str(hearing.id),
                )
            )
    return found


def _risk_known_since(case: Case) -> datetime:
    """The clock for "refer within N hours" starts when the current risk level was set: at
    intake, at the latest (re-)assessment, or at a reopening."""
    moments = [case.opened_at, case.assessed_at, case.reopened_at]
    return max(m for m in moments if m is not None)


def overdue_for(
    session: Session, catalogue: StrategyCatalogue, user: User, now: datetime | None = None
) -> list[Deadline]:
    """Overdue items in the user's scope, most overdue first."""
    now = now or utcnow()
    cases = session.scalars(
        select(Case)
        .where(case_scope(user), Case.closed_at.is_(None))
        .options(
            selectinload(Case.referrals), selectinload(Case.statements), selectinload(Case.hearings)
        )
    ).all()
    overdue = [d for case in cases for d in case_deadlines(catalogue, case) if d.due_at < now]
    return sorted(overdue, key=lambda d: d.due_at)
