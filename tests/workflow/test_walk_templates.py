"""Acceptance: one case per shipped template, walked through every step the template enables.

Each step is given exactly what the template requires (and nothing it does not), so a
template whose rules cannot be satisfied end to end fails here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.audit import verify_chain
from hrd_cases.db import utcnow
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.domain.states import HearingState, ReferralState, Stage, StatementState
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
from hrd_cases.models import AuditEntry, Case, Hearing, Role, Statement, TimelineEvent, User
from hrd_cases.records import RecordVault
from hrd_cases.workflow import case_steps, consent, hearings, referrals, statements
from hrd_cases.workflow.referrals import ReferralInput
from hrd_cases.workflow.templates import DEFAULT_TEMPLATE_CODE, StrategyVersion
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue

TEMPLATE_CODES = [strategy.code for strategy in strategy_catalogue()]
# A country without a template of its own, so its cases fall under the default template.
DEFAULT_COUNTRY = "FR"
OBSERVATION_DISABLED = {"AF", "IN"}


def _country(code: str) -> str:
    return DEFAULT_COUNTRY if code == DEFAULT_TEMPLATE_CODE else code


def _template(code: str) -> StrategyVersion:
    return strategy_catalogue().for_country(_country(code)).in_force(utcnow().date())


@dataclass
class Expected:
    """What the walk should leave: timeline (kind, actor id) and audit actions, in order."""

    events: list[tuple[str, int | None]] = field(default_factory=list)
    audit: list[str] = field(default_factory=list)

    def add(self, kind: str, actor: User | None, audit: str | None = None) -> None:
        self.events.append((kind, actor.id if actor else None))
        if audit:
            self.audit.append(audit)


def _stage(db: Session, case: Case) -> Stage:
    """The stage from fresh rows (not whatever the test session has cached)."""
    db.expire_all()
    return case_steps.case_stage(db.get(Case, case.id))


def _open(db: Session, vault: RecordVault, template: StrategyVersion, focal: User) -> Case:
    """Intake with the template's required fields filled and every optional one left empty."""
    required = template.rules(ActionType.INTAKE).required_fields
    assert "name" in required, "every shipped template requires the defender's name"
    defender = {f: f"Value of {f}" for f in required if f not in ("narrative", "threats")}
    defender.pop("profile_categories", None)
    return make_case(
        db,
        vault,
        delegation=focal.delegation,
        actor=focal,
        defender={"location": None, **defender},
        narrative="Arrested after a protest." if "narrative" in required else None,
        risk_level=RiskLevel.MEDIUM,
        profile_categories=((ProfileCategory.LAWYER,) if "profile_categories" in required else ()),
        threats=(ThreatType.JUDICIAL_HARASSMENT,) if "threats" in required else (),
    )


def _referral_input(template: StrategyVersion) -> ReferralInput:
    required = template.rules(ActionType.REFERRAL).required_fields
    assert template.mechanisms, f"{template.code} allows no mechanism"
    return ReferralInput(
        mechanism=template.mechanisms[0],
        assistance_types=(AssistanceType.LEGAL, AssistanceType.MEDICAL),
        amount_eur=template.max_grant_eur,  # the ceiling itself is allowed
        justification="Legal fees for the appeal." if "justification" in required else None,
    )


def _timeline(db: Session, case: Case) -> list[TimelineEvent]:
    return list(
        db.scalars(
            select(TimelineEvent).where(TimelineEvent.case_id == case.id).order_by(TimelineEvent.id)
        )
    )


@pytest.mark.parametrize("code", TEMPLATE_CODES)
def test_walk_one_case_through_every_enabled_step(db, vault, code: str) -> None:
    catalogue = strategy_catalogue()
    country = _country(code)
    template = _template(code)
    assert template.code == code
    delegation = make_delegation(db, country=country)
    focal = make_user(db, Role.FOCAL_POINT, delegation=delegation)
    officers = [make_user(db, Role.PROTECTION_OFFICER, countries=(country,)) for _ in range(3)]
    expected = Expected()

    # Intake --------------------------------------------------------------------------------
    case = _open(db, vault, template, focal)
    expected.add("case.opened", focal, "case.open")
    reference = case.reference
    assert reference.startswith(f"{country}-{utcnow().year}-")
    assert (case.template_code, case.template_version) == (code, template.version)
    assert _stage(db, case) is Stage.INTAKE

    # Assessment ----------------------------------------------------------------------------
    case_steps.assess_case(db, focal, reference, RiskLevel.CRITICAL)
    expected.add("case.assessed", focal, "case.assess")
    assert _stage(db, case) is Stage.ASSESSMENT

    # Referral: request, approval by the template's number of distinct officers, delivery ---
    needed = template.rules(ActionType.REFERRAL).approvals_required
    referral = referrals.create_referral(
        db, vault, catalogue, focal, reference, _referral_input(template)
    )
    expected.add("referral.drafted", focal)
    expected.add("referral.requested", focal, "referral.create")
    assert (referral.state, referral.approvals_required) == (ReferralState.REQUESTED, needed)
    assert _stage(db, case) is Stage.PROTECTION
    for n, officer in enumerate(officers[:needed], start=1):
        referral = referrals.decide_referral(db, officer, referral.id, approve=True)
        expected.add("referral.approval", officer, "referral.decide")
        if n < needed:
            assert referral.state is ReferralState.REQUESTED, f"approved after {n}/{needed}"
    assert referral.state is ReferralState.APPROVED
    expected.add("referral.approved", None)
    assert referrals.mark_delivered(db, focal, referral.id).state is ReferralState.DELIVERED
    expected.add("referral.delivered", focal, "referral.deliver")
    assert _stage(db, case) is Stage.PROTECTION

    # Trial observation ---------------------------------------------------------------------
    observation = template.rules(ActionType.TRIAL_OBSERVATION)
    assert observation.enabled is (code not in OBSERVATION_DISABLED)
    hearing_at = utcnow() - timedelta(days=1)  # held, so it can be observed
    required = observation.required_fields
    charges = "Membership of an illegal organisation." if "charges" in required else None
    if not observation.enabled:
        with pytest.raises(InvalidTransition) as raised:
            hearings.schedule_hearing(
                db,
                vault,
                catalogue,
                focal,
                reference,
                scheduled_for=hearing_at,
                court="High Court",
                charges="Sedition.",
            )
        assert raised.value.rule == "trial_observation.disabled"
        assert f"the {template.name} template does not enable trial observation" in str(
            raised.value
        )
        assert _stage(db, case) is Stage.PROTECTION
    else:
        assert template.observation_partners, f"{code}: observation without partners"
        hearing = hearings.schedule_hearing(
            db,
            vault,
            catalogue,
            focal,
            reference,
            scheduled_for=hearing_at,
            court="High Court",
            charges=charges,
        )
        expected.add("hearing.scheduled", focal, "hearing.schedule")
        assert hearing.state is HearingState.SCHEDULED
        assert _stage(db, case) is Stage.MONITORING
        hearing = hearings.record_observation(
            db,
            catalogue,
            focal,
            hearing.id,
            observed=True,
            observers=[c.lower() for c in template.observation_partners],  # codes normalised
            outcome=HearingOutcome.POSTPONED,
        )
        expected.add("hearing.observed", focal, "hearing.observe")
        assert hearing.state is HearingState.OBSERVED
        assert sorted(hearing.observer_codes) == sorted(template.observation_partners)
        hearing = hearings.file_report(
            db, vault, catalogue, focal, hearing.id, "Hearing postponed; defender present."
        )
        expected.add("hearing.report_filed", focal, "hearing.report")
        db.expire_all()
        stored = db.get(Hearing, hearing.id)
        assert stored.state is HearingState.REPORT_FILED
        assert vault.open_field(stored, "report") == "Hearing postponed; defender present."
        assert vault.open_field(stored, "charges") == charges
        assert _stage(db, case) is Stage.MONITORING
    stage_before_advocacy = _stage(db, case)

    # Statement, gated by the defender's consent --------------------------------------------
    statement_rules = template.rules(ActionType.PUBLIC_STATEMENT)
    assert statement_rules.enabled, f"{code}: every shipped template enables statements"
    level = template.statement_levels[0]
    scope = consent_scope_for(level)
    consent.record_consent(
        db, vault, focal, reference, scopes=[scope], given_on=utcnow() - timedelta(days=1)
    )
    expected.add("consent.recorded", focal, "consent.record")
    assert consent.active_consent_covers(db.get(Case, case.id), scope)
    text = f"The EU follows the case of a defender in {template.name} closely."
    statement = statements.draft_statement(
        db, vault, catalogue, focal, reference, level=level, text=text
    )
    expected.add("statement.drafted", focal, "statement.draft")
    assert statement.approvals_required == statement_rules.approvals_required
    assert _stage(db, case) is stage_before_advocacy, "a draft statement is not advocacy yet"
    statement = statements.submit_statement(db, focal, statement.id)
    expected.add("statement.submitted", focal, "statement.submit")
    assert statement.state is StatementState.SUBMITTED
    assert _stage(db, case) is Stage.ADVOCACY
    needed = statement_rules.approvals_required
    assert needed <= len(officers)
    for n, officer in enumerate(officers[:needed], start=1):
        statement = statements.decide_statement(db, officer, statement.id, approve=True)
        expected.add("statement.approval", officer, "statement.decide")
        if n < needed:
            assert statement.state is StatementState.SUBMITTED, f"approved after {n}/{needed}"
    assert statement.state is StatementState.APPROVED
    expected.add("statement.approved", None)
    statements.publish_statement(
        db,
        vault,
        strategy_catalogue(),
        focal,
        statement.id,
        publication_url="https://example.eu/statements/1",
    )
    expected.add("statement.published", focal, "statement.publish")
    db.expire_all()
    published = db.get(Statement, statement.id)
    assert published.state is StatementState.PUBLISHED
    assert published.published_text == text
    assert published.draft_ciphertext is None
    assert published.publication_url == "https://example.eu/statements/1"
    assert published.published_at is not None
    assert _stage(db, case) is Stage.ADVOCACY

    # Closure, reopening, closure again -----------------------------------------------------
    closure = template.rules(ActionType.CLOSURE).required_fields
    outcome = ClosureOutcome.RISK_REDUCED if "outcome" in closure else None
    reason = "The defender is safe." if "reason" in closure else None
    closed = case_steps.close_case(db, vault, catalogue, focal, reference, outcome, reason)
    expected.add("case.closed", focal, "case.close")
    assert closed.closure_outcome is outcome
    assert _stage(db, case) is Stage.CLOSED
    case_steps.reopen_case(db, focal, reference)
    expected.add("case.reopened", focal, "case.reopen")
    assert _stage(db, case) is Stage.ADVOCACY
    assert db.get(Case, case.id).reopened_at is not None
    case_steps.close_case(db, vault, catalogue, focal, reference, outcome, reason)
    expected.add("case.closed", focal, "case.close")
    assert _stage(db, case) is Stage.CLOSED
    assert vault.open_field(db.get(Case, case.id), "closure_reason") == reason

    # The timeline tells the whole story, in order, by whom ---------------------------------
    timeline = _timeline(db, case)
    assert [(e.kind, e.actor_id) for e in timeline] == expected.events
    times = [e.at for e in timeline]
    assert all(t.tzinfo is not None for t in times)
    assert times == sorted(times), "timeline times go backwards"

    count, problem = verify_chain(db)
    assert problem is None, str(problem)
    # One audit entry per successful step, in order (the refused hearing wrote nothing).
    actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert list(actions) == expected.audit
    assert count == len(expected.audit)


def test_the_walk_covers_every_shipped_template_and_the_default() -> None:
    assert DEFAULT_TEMPLATE_CODE in TEMPLATE_CODES
    assert strategy_catalogue().for_country(DEFAULT_COUNTRY).code == DEFAULT_TEMPLATE_CODE
    disabled = {
        code for code in TEMPLATE_CODES if not _template(code).enabled(ActionType.TRIAL_OBSERVATION)
    }
    assert disabled == OBSERVATION_DISABLED
