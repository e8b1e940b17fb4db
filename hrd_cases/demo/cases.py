"""Fictional demo cases for one delegation, one per stage, built through the services.

Names are invented and marked "Demo"; any resemblance to real people is accidental.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.domain.vocabulary import (
    ActionType,
    AssistanceType,
    ClosureOutcome,
    HearingOutcome,
    ProfileCategory,
    RiskLevel,
    ThreatType,
    consent_scope_for,
)
from hrd_cases.models import Case, CaseProfileCategory, CaseThreat, Delegation, Referral, User
from hrd_cases.records import RecordVault
from hrd_cases.workflow import (
    case_steps,
    consent,
    corrections,
    hearings,
    notes,
    referrals,
    statements,
)
from hrd_cases.workflow.referrals import ReferralInput
from hrd_cases.workflow.service import IntakeInput, open_case, template_of
from hrd_cases.workflow.templates import StrategyCatalogue, StrategyVersion

FIRST_NAMES = (
    "Amani",
    "Leyla",
    "Sita",
    "Javier",
    "Mei",
    "Arjun",
    "Nasrin",
    "Grace",
    "Omar",
    "Lucia",
    "Tenzin",
    "Wanjiru",
    "Kemal",
    "Farhad",
    "Rosa",
    "Ibrahim",
)
LAST_NAMES = (
    "Demo-Otieno",
    "Demo-Yilmaz",
    "Demo-Tamang",
    "Demo-Rojas",
    "Demo-Wang",
    "Demo-Sharma",
    "Demo-Ahmadi",
    "Demo-Achieng",
    "Demo-Kaya",
    "Demo-Mendoza",
)
DEMO_NOTE = "Called the association: the defender is safe for now (demo)."
DEMO_NEW_CONTACT = "Signal +00 000 001 (demo, new number)"
STAGES = ("intake", "assessment", "protection", "monitoring", "advocacy", "closed")


def _intake(rng: random.Random, delegation: Delegation, risk: RiskLevel) -> IntakeInput:
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    return IntakeInput(
        delegation_id=delegation.id,
        country=delegation.country,
        risk_level=risk,
        defender={
            "name": name,
            "location": "Demo district",
            "organisation": "Demo Association",
            "contact_details": "Signal +00 000 000 (demo)",
            "personal_notes": "Prefers contact through the association (demo).",
        },
        profile_categories=rng.sample(list(ProfileCategory), 2),
        threats=rng.sample(list(ThreatType), 2),
        narrative="Fictional demo narrative: threats followed public advocacy work.",
    )


def _approve_referral(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    focal: User,
    officers: list[User],
    case: Case,
    template: StrategyVersion,
) -> Referral:
    referral = referrals.create_referral(
        session,
        vault,
        catalogue,
        focal,
        case.reference,
        ReferralInput(
            template.mechanisms[0],
            (AssistanceType.LEGAL, AssistanceType.DIGITAL_SECURITY),
            amount_eur=min(3000, template.max_grant_eur),
            justification="Legal defence and a secure phone (demo).",
        ),
    )
    for officer in officers[: referral.approvals_required]:
        referrals.decide_referral(
            session, officer, referral.id, approve=True, confirmed_amount_eur=referral.amount_eur
        )
    return referral


def build_country_cases(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    focal: User,
    delegation: Delegation,
    officers: list[User],
) -> int:
    rng = random.Random(delegation.code)  # noqa: S311 - fictional data, the same every time
    created = 0
    for stage in STAGES:
        risk = (
            RiskLevel.CRITICAL
            if stage in ("intake", "protection")
            else rng.choice([RiskLevel.HIGH, RiskLevel.MEDIUM])
        )
        case = open_case(session, vault, catalogue, focal, _intake(rng, delegation, risk))
        template = template_of(catalogue, case)
        created += 1
        if stage == "intake":
            # Opened three days ago and not referred: overdue under every template.
            _shift(session, case, days=3)
            continue
        case_steps.assess_case(session, focal, case.reference, case.risk_level)
        if stage == "assessment":
            # A follow-up note and a corrected phone number: the case page lists the note,
            # the history of corrections keeps the earlier number.
            notes.add_note(session, vault, focal, case.reference, DEMO_NOTE)
            corrections.correct_case(
                session,
                vault,
                catalogue,
                focal,
                case.reference,
                {},
                defender_changes={"contact_details": DEMO_NEW_CONTACT},
            )
            continue
        referral = _approve_referral(session, vault, catalogue, focal, officers, case, template)
        if stage == "protection":
            referrals.mark_delivered(session, focal, referral.id)
            # A second request still waiting for a decision, two days old: overdue.
            pending = referrals.create_referral(
                session,
                vault,
                catalogue,
                focal,
                case.reference,
                ReferralInput(
                    template.mechanisms[0],
                    (AssistanceType.MEDICAL,),
                    amount_eur=min(1500, template.max_grant_eur),
                    justification="Medical follow-up (demo).",
                ),
            )
            session.execute(
                update(Referral)
                .where(Referral.id == pending.id)
                .values(requested_at=utcnow() - timedelta(days=2))
            )
            session.commit()
            continue
        if stage == "monitoring" and template.enabled(ActionType.TRIAL_OBSERVATION):
            partners = template.observation_partners[:2]
            past = hearings.schedule_hearing(
                session,
                vault,
                catalogue,
                focal,
                case.reference,
                scheduled_for=utcnow() - timedelta(days=10),
                court="Demo High Court",
                charges="Demo charges: 'spreading false information'",
            )
            hearings.record_observation(
                session,
                catalogue,
                focal,
                past.id,
                observed=True,
                observers=partners,
                outcome=HearingOutcome.POSTPONED,
            )
            hearings.file_report(
                session,
                vault,
                catalogue,
                focal,
                past.id,
                "Hearing postponed; observers were admitted (demo).",
            )
            hearings.schedule_hearing(
                session,
                vault,
                catalogue,
                focal,
                case.reference,
                scheduled_for=utcnow() + timedelta(days=12),
                court="Demo High Court",
                charges="Demo charges: 'spreading false information'",
            )
            continue
        if stage == "advocacy" and template.enabled(ActionType.PUBLIC_STATEMENT):
            level = template.statement_levels[0]
            consent.record_consent(
                session,
                vault,
                focal,
                case.reference,
                scopes=[consent_scope_for(level)],
                given_on=utcnow() - timedelta(days=1),
                notes="Consent given in person (demo).",
            )
            statement = statements.draft_statement(
                session,
                vault,
                catalogue,
                focal,
                case.reference,
                level=level,
                text="The EU is following the case of a human rights defender (demo).",
            )
            statements.submit_statement(session, focal, statement.id)
            for officer in officers[: statement.approvals_required]:
                statements.decide_statement(session, officer, statement.id, approve=True)
            statements.publish_statement(
                session,
                vault,
                catalogue,
                focal,
                statement.id,
                publication_url="https://example.org/demo-statement",
            )
            continue
        if stage == "closed":
            case_steps.close_case(
                session,
                vault,
                catalogue,
                focal,
                case.reference,
                ClosureOutcome.RISK_REDUCED,
                reason="Threats subsided after the support (demo).",
            )
    return created


def _shift(session: Session, case: Case, *, days: int) -> None:
    """Move an intake into the past so the demo shows overdue items."""
    opened_at = case.opened_at - timedelta(days=days)
    session.execute(update(Case).where(Case.id == case.id).values(opened_at=opened_at))
    # The export's copies of opened_at move with it (see CaseProfileCategory).
    for model in (CaseProfileCategory, CaseThreat):
        session.execute(update(model).where(model.case_id == case.id).values(opened_at=opened_at))
    session.commit()
