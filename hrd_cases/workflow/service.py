"""Workflow services: one function per step. Each checks its guards, writes the change and its
audit entry, and commits them together or not at all."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.db import begin_write, utcnow
from hrd_cases.models import Case, CaseDefender, CaseProfileCategory, CaseThreat, Delegation, User
from hrd_cases.records.defenders import create_defender
from hrd_cases.records.vault import RecordVault
from hrd_cases.vocabulary import ProfileCategory, RiskLevel, ThreatType
from hrd_cases.workflow.references import next_case_reference


@dataclass(frozen=True, slots=True)
class IntakeInput:
    """What a focal point records at intake. ``defender`` holds the encrypted fields."""

    delegation_id: int
    country: str
    risk_level: RiskLevel
    defender: Mapping[str, str | None]
    profile_categories: Iterable[ProfileCategory] = field(default_factory=tuple)
    threats: Iterable[ThreatType] = field(default_factory=tuple)
    narrative: str | None = None


def open_case(
    session: Session, vault: RecordVault, actor: User | None, intake: IntakeInput
) -> Case:
    """Intake: a new case with its defender, each with its own data key."""
    begin_write(session)
    delegation = session.get(Delegation, intake.delegation_id)
    if delegation is None:
        raise ValueError(f"no delegation {intake.delegation_id}")
    now = utcnow()
    defender = create_defender(session, vault, intake.defender)
    case = Case(
        id=uuid.uuid4(),
        reference=next_case_reference(session, intake.country, now.year),
        country=intake.country,
        delegation=delegation,
        risk_level=intake.risk_level,
        opened_at=now,
        created_by_id=actor.id if actor else None,
        data_key=vault.create_data_key("cases"),
    )
    vault.seal(case, {"narrative": intake.narrative})
    case.defender_links = [CaseDefender(defender=defender)]
    case.profile_categories = [
        CaseProfileCategory(category=c) for c in set(intake.profile_categories)
    ]
    case.threats = [CaseThreat(threat=t) for t in set(intake.threats)]
    session.add(case)
    session.flush()
    audit.record(
        session,
        "case.open",
        actor_id=actor.id if actor else None,
        object_type="case",
        object_id=case.reference,
        details={
            "country": case.country,
            "risk_level": case.risk_level.value,
            "defender": defender.reference,
        },
    )
    session.commit()
    return case
