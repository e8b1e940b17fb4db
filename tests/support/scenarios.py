"""Scenarios several test packages build: a busy case, a seeded set of cases with ties."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, event, func, select, update
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.domain.vocabulary import (
    AssistanceType,
    ConsentScope,
    Mechanism,
    RiskLevel,
    StatementLevel,
)
from hrd_cases.models import Case, CaseProfileCategory, CaseThreat, Delegation, TimelineEvent, User
from hrd_cases.records import RecordVault
from hrd_cases.workflow import case_steps, consent, hearings, referrals, statements
from hrd_cases.workflow.referrals import ReferralInput
from tests.support.factories import make_case, strategy_catalogue

BUSY_TIMELINE_EVENTS = 20


@dataclass(frozen=True, slots=True)
class BusyCase:
    reference: str
    referrals: int
    hearings: int
    statements: int
    consents: int
    timeline_events: int


def busy_case(
    session: Session, vault: RecordVault, delegation: Delegation, focal: User
) -> BusyCase:
    """A Kenyan case with 3 referrals, 3 hearings, 2 statements, 2 consents and exactly
    20 timeline events, built through the services (acceptance 3 of issue 13)."""
    catalogue = strategy_catalogue()
    case = make_case(session, vault, delegation=delegation, actor=focal)
    reference = case.reference
    for amount in (1000, 2000, 3000):
        referrals.create_referral(
            session,
            vault,
            catalogue,
            focal,
            reference,
            ReferralInput(
                Mechanism.EU_HRD_MECHANISM,
                (AssistanceType.LEGAL,),
                amount_eur=amount,
                justification=f"Legal costs {amount}",
            ),
        )
    for days in (5, 10, 15):
        hearings.schedule_hearing(
            session,
            vault,
            catalogue,
            focal,
            reference,
            scheduled_for=utcnow() + timedelta(days=days),
            court=f"High Court {days}",
            charges="Charges",
        )
    for scope in (ConsentScope.PUBLIC_STATEMENT, ConsentScope.PRIVATE_DEMARCHE):
        consent.record_consent(
            session,
            vault,
            focal,
            reference,
            scopes=[scope],
            given_on=utcnow() - timedelta(days=1),
            notes=f"Consent for {scope.value}",
        )
    for level in (StatementLevel.LOCAL_EU_STATEMENT, StatementLevel.PRIVATE_DEMARCHE):
        statements.draft_statement(
            session, vault, catalogue, focal, reference, level=level, text=f"Draft {level.value}"
        )
    # Re-assessments fill the timeline up to exactly 20 events.
    risks = [RiskLevel.CRITICAL, RiskLevel.HIGH]
    while _events(session, case) < BUSY_TIMELINE_EVENTS:
        case_steps.assess_case(session, focal, reference, risks[_events(session, case) % 2])
    return BusyCase(reference, 3, 3, 2, 2, _events(session, case))


def _events(session: Session, case: Case) -> int:
    count = session.scalar(
        select(func.count()).select_from(TimelineEvent).where(TimelineEvent.case_id == case.id)
    )
    session.commit()
    return count or 0


def cases_with_ties(
    session: Session, vault: RecordVault, delegations: list[Delegation], focal_by_delegation: dict
) -> list[str]:
    """Cases in several countries, several of them opened at the very same instant, so
    that only the tie-break decides their order. Returns their references."""
    instant = utcnow() - timedelta(days=2)
    references: list[str] = []
    for index in range(12):
        delegation = delegations[index % len(delegations)]
        case = make_case(
            session,
            vault,
            delegation=delegation,
            actor=focal_by_delegation[delegation.code],
            risk_level=(RiskLevel.HIGH, RiskLevel.LOW)[index % 2],
        )
        # Two in three share the instant; the others spread over the past days.
        opened_at = instant if index % 3 else instant - timedelta(hours=index)
        for model in (CaseProfileCategory, CaseThreat):
            session.execute(
                update(model).where(model.case_id == case.id).values(opened_at=opened_at)
            )
        session.execute(update(Case).where(Case.id == case.id).values(opened_at=opened_at))
        session.commit()
        references.append(case.reference)
    return references


# Transaction control is not counted: PostgreSQL's driver begins implicitly and never shows
# it here, while SQLite's BEGIN (IMMEDIATE) goes through the cursor. Counting it would make
# the same page cost more on one database than the other.
_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def counted_statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement ``engine`` runs inside the block, in order (but BEGIN, COMMIT...)."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
