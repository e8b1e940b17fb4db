"""Every refusal rule of the workflow services: the rule named, the message saying why, and
nothing written when a step is refused."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases.audit import verify_chain
from hrd_cases.db import utcnow
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.domain.states import HearingState, ReferralState, StatementState
from hrd_cases.domain.vocabulary import (
    ActionType,
    AssistanceType,
    ClosureOutcome,
    ConsentScope,
    HearingOutcome,
    Mechanism,
    ProfileCategory,
    RiskLevel,
    StatementLevel,
    ThreatType,
)
from hrd_cases.models import (
    AuditEntry,
    Case,
    Consent,
    DelegationObservationPartner,
    Hearing,
    Referral,
    Role,
    Statement,
    TimelineEvent,
    User,
)
from hrd_cases.records import RecordVault
from hrd_cases.settings import CONFIG_DIR
from hrd_cases.workflow import case_steps, consent, hearings, referrals, statements
from hrd_cases.workflow.referrals import ReferralInput
from hrd_cases.workflow.service import IntakeInput, open_case, template_of
from hrd_cases.workflow.templates import StrategyCatalogue, StrategyVersion, load_catalogue
from tests.support.factories import (
    DEFENDER_FIELDS,
    make_case,
    make_delegation,
    make_user,
    strategy_catalogue,
)

SHIPPED = CONFIG_DIR / "strategies"
GRANT = ReferralInput(
    Mechanism.EU_HRD_MECHANISM,
    (AssistanceType.LEGAL,),
    amount_eur=1000,
    justification="Lawyer's fees.",
)
PUBLIC = StatementLevel.LOCAL_EU_STATEMENT
TEXT = "The EU is concerned by the detention of a human rights defender."
URL = "https://example.eu/statement"


# Helpers -------------------------------------------------------------------------------------
class World:
    """A delegation in ``country``, its focal point, three officers covering it, and a case."""

    def __init__(self, db: Session, vault: RecordVault, country: str = "KE") -> None:
        self.db, self.vault, self.country = db, vault, country
        self.catalogue = strategy_catalogue()
        self.delegation = make_delegation(db, country=country)
        self.focal = make_user(db, Role.FOCAL_POINT, delegation=self.delegation)
        self.officers = [
            make_user(db, Role.PROTECTION_OFFICER, countries=(country,)) for _ in range(3)
        ]
        self.case = make_case(db, vault, delegation=self.delegation, actor=self.focal)
        self.ref = self.case.reference

    @property
    def template(self) -> StrategyVersion:
        return template_of(self.catalogue, self.case)

    def refer(self, data: ReferralInput = GRANT, **kwargs) -> Referral:
        return referrals.create_referral(
            self.db, self.vault, self.catalogue, self.focal, self.ref, data, **kwargs
        )

    def approve_referral(self, referral: Referral) -> Referral:
        for officer in self.officers[: referral.approvals_required]:
            referral = referrals.decide_referral(self.db, officer, referral.id, approve=True)
        assert referral.state is ReferralState.APPROVED
        return referral

    def schedule(self, **kwargs) -> Hearing:
        values = {
            "scheduled_for": utcnow() - timedelta(hours=2),  # held: its course can be recorded
            "court": "Milimani Law Courts",
            "charges": "Unlawful assembly.",
            **kwargs,
        }
        return hearings.schedule_hearing(
            self.db, self.vault, self.catalogue, self.focal, self.ref, **values
        )

    def observe(self, hearing: Hearing, observed: bool = True, observers=("EU", "DE")) -> Hearing:
        return hearings.record_observation(
            self.db,
            self.catalogue,
            self.focal,
            hearing.id,
            observed=observed,
            observers=observers,
            outcome=HearingOutcome.POSTPONED,
        )

    def consent(self, *scopes: ConsentScope) -> Consent:
        return consent.record_consent(
            self.db,
            self.vault,
            self.focal,
            self.ref,
            scopes=list(scopes),
            given_on=utcnow() - timedelta(days=1),
        )

    def draft(self, level: StatementLevel = PUBLIC, text: str = TEXT) -> Statement:
        return statements.draft_statement(
            self.db, self.vault, self.catalogue, self.focal, self.ref, level=level, text=text
        )

    def approve_statement(self, statement: Statement) -> Statement:
        for officer in self.officers[: statement.approvals_required]:
            statement = statements.decide_statement(self.db, officer, statement.id, approve=True)
        assert statement.state is StatementState.APPROVED
        return statement

    def approved_statement(self, level: StatementLevel = PUBLIC) -> Statement:
        statement = self.draft(level)
        statements.submit_statement(self.db, self.focal, statement.id)
        return self.approve_statement(statement)

    def close(self, outcome: ClosureOutcome | None = ClosureOutcome.RESOLVED, reason=None):
        return case_steps.close_case(
            self.db, self.vault, self.catalogue, self.focal, self.ref, outcome, reason
        )


def _refused(call: Callable[[], object], rule: str, *phrases: str) -> InvalidTransition:
    with pytest.raises(InvalidTransition) as raised:
        call()
    assert raised.value.rule == rule, str(raised.value)
    for phrase in phrases:
        assert phrase in str(raised.value)
    return raised.value


def _count(db: Session, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return db.scalar(query) or 0


def _writes(db: Session) -> tuple[int, int]:
    """(audit entries, timeline events): unchanged by a refused step."""
    db.expire_all()
    return _count(db, AuditEntry), _count(db, TimelineEvent)


# Intake --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("country", "change", "missing"),
    [
        ("TR", {"profile_categories": ()}, "profile_categories"),
        ("KE", {"threats": ()}, "threats"),  # Kenya v2 added threats
        ("AF", {"narrative": "   "}, "narrative"),  # blank counts as missing
        (
            "CO",
            {"defender": {"location": None}, "profile_categories": ()},
            "location, profile_categories",
        ),
    ],
)
def test_intake_requires_the_template_fields(db, vault, country, change, missing) -> None:
    delegation = make_delegation(db, country=country)
    focal = make_user(db, Role.FOCAL_POINT, delegation=delegation)
    template = strategy_catalogue().for_country(country).in_force(utcnow().date())
    before = _writes(db)
    _refused(
        lambda: make_case(db, vault, delegation=delegation, actor=focal, **change),
        "intake.required_fields",
        f"the {template.name} template (version {template.version}) requires {missing} for intake",
    )
    assert _count(db, Case) == 0
    assert _writes(db) == before
    make_case(db, vault, delegation=delegation, actor=focal)  # complete intake is accepted


# Referrals -----------------------------------------------------------------------------------
def test_referral_max_grant_is_inclusive_and_refuses_one_euro_more(db, vault) -> None:
    world = World(db, vault, "NP")  # Nepal: EUR 5,000
    before = _writes(db)
    refused = _refused(
        lambda: world.refer(
            ReferralInput(Mechanism.EU_EMERGENCY_FUND, (AssistanceType.LEGAL,), 5001)
        ),
        "referral.max_grant",
        "a grant of EUR 5,001 is above the Nepal maximum of EUR 5,000",
    )
    # Beside the field, in words a person uses (issue 16): no internal name.
    assert refused.fields == {
        "amount_eur": "The EU emergency fund grants at most EUR 5,000 under the Nepal strategy."
    }
    assert _writes(db) == before
    assert _count(db, Referral) == 0
    accepted = world.refer(
        ReferralInput(Mechanism.EU_EMERGENCY_FUND, (AssistanceType.LEGAL,), 5000)
    )
    assert accepted.amount_eur == 5000


def test_a_negative_grant_is_not_reported_as_above_the_maximum(db, vault) -> None:
    world = World(db, vault, "NP")
    with pytest.raises(InvalidTransition) as raised:
        world.refer(ReferralInput(Mechanism.EU_EMERGENCY_FUND, (AssistanceType.LEGAL,), -1))
    assert _count(db, Referral) == 0
    message = str(raised.value)
    assert "negative" in message and "above" not in message, message


@pytest.mark.parametrize(
    ("country", "mechanism", "name"),
    [
        ("AF", Mechanism.SHELTER_CITY, "Afghanistan"),
        ("CN", Mechanism.MS_TEMPORARY_RELOCATION, "China"),
    ],
)
def test_referral_mechanism_not_allowed(db, vault, country, mechanism, name) -> None:
    world = World(db, vault, country)
    assert mechanism not in world.template.mechanisms
    _refused(
        lambda: world.refer(
            ReferralInput(mechanism, (AssistanceType.URGENT_RELOCATION,), 100, "Relocation.")
        ),
        "referral.mechanism_not_allowed",
        f"the {name} template does not use the mechanism {mechanism.value}",
    )
    assert _count(db, Referral) == 0


@pytest.mark.parametrize(
    ("country", "data", "missing"),
    [
        (
            "AF",
            ReferralInput(Mechanism.EU_HRD_MECHANISM, (AssistanceType.LEGAL,), 100),
            "justification",
        ),
        ("CO", ReferralInput(Mechanism.EU_HRD_MECHANISM, (AssistanceType.LEGAL,)), "amount_eur"),
        ("KE", ReferralInput(Mechanism.EU_HRD_MECHANISM, (), 100, "x"), "assistance_types"),
        ("CN", ReferralInput(Mechanism.EU_HRD_MECHANISM, ()), "assistance_types, justification"),
    ],
)
def test_referral_required_fields(db, vault, country, data, missing) -> None:
    world = World(db, vault, country)
    _refused(
        lambda: world.refer(data),
        "referral.required_fields",
        f"requires {missing} for referral",
        world.template.name,
    )
    assert _count(db, Referral) == 0


def test_referral_four_eyes_covers_the_drafter_too(db, vault) -> None:
    world = World(db, vault, "NP")  # one approval
    drafter, other, _ = world.officers
    referral = world.refer()
    referral.created_by_id = drafter.id  # an officer who drafted it (requested by the focal)
    db.commit()
    _refused(
        lambda: referrals.decide_referral(db, drafter, referral.id, approve=True),
        "referral.four_eyes",
        "whoever requested a referral cannot decide on it (four-eyes)",
    )
    db.expire_all()
    assert db.get(Referral, referral.id).decisions == []
    assert referrals.decide_referral(db, other, referral.id, approve=True).state is (
        ReferralState.APPROVED
    )


# Statements ----------------------------------------------------------------------------------
@pytest.mark.parametrize("column", ["created_by_id", "submitted_by_id"])
def test_statement_four_eyes(db, vault, column: str) -> None:
    world = World(db, vault, "KE")  # two approvals
    world.consent(ConsentScope.PUBLIC_STATEMENT)
    statement = world.draft()
    statements.submit_statement(db, world.focal, statement.id)
    insider, first, second = world.officers
    setattr(statement, column, insider.id)  # the officer drafted / submitted it
    db.commit()
    before = _writes(db)
    _refused(
        lambda: statements.decide_statement(db, insider, statement.id, approve=True),
        "statement.four_eyes",
        "whoever requested a statement cannot decide on it (four-eyes)",
    )
    assert _writes(db) == before
    assert db.get(Statement, statement.id).decisions == []
    statements.decide_statement(db, first, statement.id, approve=True)
    approved = statements.decide_statement(db, second, statement.id, approve=True)
    assert approved.state is StatementState.APPROVED


def test_statement_officer_decides_once(db, vault) -> None:
    world = World(db, vault, "KE")
    world.consent(ConsentScope.PUBLIC_STATEMENT)
    statement = world.draft()
    statements.submit_statement(db, world.focal, statement.id)
    officer = world.officers[0]
    statements.decide_statement(db, officer, statement.id, approve=True)
    _refused(
        lambda: statements.decide_statement(db, officer, statement.id, approve=True),
        "statement.one_decision_per_officer",
        "you have already decided on this statement",
    )
    assert db.get(Statement, statement.id).state is StatementState.SUBMITTED


def _not_allowed_levels() -> list[tuple[str, StatementLevel]]:
    today = utcnow().date()
    return [
        (strategy.code, level)
        for strategy in strategy_catalogue()
        if strategy.code != "default"
        for level in StatementLevel
        if level not in strategy.in_force(today).statement_levels
    ]


@pytest.mark.parametrize(("country", "level"), _not_allowed_levels())
def test_statement_level_not_allowed(db, vault, country: str, level: StatementLevel) -> None:
    world = World(db, vault, country)
    world.consent(*ConsentScope)  # consent is not what refuses it
    allowed = ", ".join(v.value for v in world.template.statement_levels)
    _refused(
        lambda: world.draft(level),
        "statement.level_not_allowed",
        f"a {level.value} is not an allowed statement level in {world.template.name} "
        f"(allowed: {allowed})",
    )
    assert _count(db, Statement) == 0


def test_statement_levels_the_brief_names() -> None:
    today = utcnow().date()
    india = strategy_catalogue().for_country("IN").in_force(today)
    china = strategy_catalogue().for_country("CN").in_force(today)
    assert india.statement_levels == (StatementLevel.PRIVATE_DEMARCHE,)
    assert StatementLevel.LOCAL_EU_STATEMENT not in china.statement_levels
    assert ("IN", PUBLIC) in _not_allowed_levels()
    assert ("CN", PUBLIC) in _not_allowed_levels()


CONSENT_PHRASE = (
    "a local eu statement needs the defender's recorded, unrevoked consent covering "
    "public statement (do no harm)"
)


def test_statement_submit_needs_consent(db, vault) -> None:
    world = World(db, vault, "KE")
    statement = world.draft()  # drafting is allowed without consent
    before = _writes(db)
    _refused(
        lambda: statements.submit_statement(db, world.focal, statement.id),
        "statement.consent",
        CONSENT_PHRASE,
    )
    assert _writes(db) == before
    db.expire_all()
    assert db.get(Statement, statement.id).state is StatementState.DRAFT


def test_statement_consent_with_the_wrong_scope_does_not_count(db, vault) -> None:
    world = World(db, vault, "KE")
    world.consent(
        ConsentScope.PRIVATE_DEMARCHE,
        ConsentScope.REFERRAL_DATA_SHARING,
        ConsentScope.TRIAL_OBSERVATION,
    )
    statement = world.draft()
    _refused(
        lambda: statements.submit_statement(db, world.focal, statement.id),
        "statement.consent",
        CONSENT_PHRASE,
    )
    world.consent(ConsentScope.PUBLIC_STATEMENT)
    assert statements.submit_statement(db, world.focal, statement.id).state is (
        StatementState.SUBMITTED
    )


def test_private_demarche_needs_the_private_demarche_scope(db, vault) -> None:
    world = World(db, vault, "IN")  # India: private demarches only
    world.consent(ConsentScope.PUBLIC_STATEMENT)  # public consent does not cover it
    statement = world.draft(StatementLevel.PRIVATE_DEMARCHE)
    _refused(
        lambda: statements.submit_statement(db, world.focal, statement.id),
        "statement.consent",
        "a private demarche needs the defender's recorded, unrevoked consent covering "
        "private demarche",
    )
    world.consent(ConsentScope.PRIVATE_DEMARCHE)
    assert statements.submit_statement(db, world.focal, statement.id).state is (
        StatementState.SUBMITTED
    )


def test_consent_revoked_between_submit_and_publish_blocks_publication(db, vault) -> None:
    world = World(db, vault, "KE")
    given = world.consent(ConsentScope.PUBLIC_STATEMENT)
    statement = world.approved_statement()
    consent.revoke_consent(db, world.focal, given.id)
    assert not consent.active_consent_covers(
        db.get(Case, world.case.id), ConsentScope.PUBLIC_STATEMENT
    )
    before = _writes(db)
    _refused(
        lambda: statements.publish_statement(
            db, vault, strategy_catalogue(), world.focal, statement.id, publication_url=URL
        ),
        "statement.consent",
        CONSENT_PHRASE,
    )
    assert _writes(db) == before
    db.expire_all()
    kept = db.get(Statement, statement.id)
    assert kept.state is StatementState.APPROVED
    assert kept.published_text is None and kept.published_at is None
    assert vault.open_field(kept, "draft") == TEXT, "the draft stays encrypted, unpublished"
    # It can still be withdrawn.
    assert statements.withdraw_statement(db, world.focal, statement.id).state is (
        StatementState.WITHDRAWN
    )


def test_statement_text_and_publication_address(db, vault) -> None:
    world = World(db, vault, "KE")
    _refused(lambda: world.draft(text="   "), "statement.text", "the statement text is empty")
    world.consent(ConsentScope.PUBLIC_STATEMENT)
    statement = world.approved_statement()
    _refused(
        lambda: statements.publish_statement(
            db,
            vault,
            strategy_catalogue(),
            world.focal,
            statement.id,
            publication_url="http://example.eu/x",
        ),
        "statement.publication_url",
        "must start with https://",
    )
    assert db.get(Statement, statement.id).state is StatementState.APPROVED


def test_statement_transitions(db, vault) -> None:
    world = World(db, vault, "KE")
    world.consent(ConsentScope.PUBLIC_STATEMENT)
    statement = world.draft()
    _refused(
        lambda: statements.publish_statement(
            db, vault, strategy_catalogue(), world.focal, statement.id
        ),
        "statement.transition",
        "a statement in state draft cannot become published (allowed: submitted, withdrawn)",
    )
    _refused(
        lambda: statements.decide_statement(db, world.officers[0], statement.id, approve=True),
        "statement.transition",
        "the statement is draft, not awaiting a decision",
    )
    statements.submit_statement(db, world.focal, statement.id)
    world.approve_statement(statement)
    statements.publish_statement(
        db, vault, strategy_catalogue(), world.focal, statement.id, publication_url=URL
    )
    _refused(
        lambda: statements.withdraw_statement(db, world.focal, statement.id),
        "statement.transition",
        "a statement in state published cannot become withdrawn (allowed: nothing)",
    )


def test_a_rejected_statement_goes_no_further(db, vault) -> None:
    world = World(db, vault, "KE")
    world.consent(ConsentScope.PUBLIC_STATEMENT)
    statement = world.draft()
    statements.submit_statement(db, world.focal, statement.id)
    rejected = statements.decide_statement(
        db, world.officers[0], statement.id, approve=False, reason="Zq no", vault=world.vault
    )
    assert rejected.state is StatementState.REJECTED
    _refused(
        lambda: statements.publish_statement(
            db, vault, strategy_catalogue(), world.focal, statement.id
        ),
        "statement.transition",
        "rejected cannot become published (allowed: nothing)",
    )


# Trial observation ---------------------------------------------------------------------------
@pytest.mark.parametrize(("country", "name"), [("AF", "Afghanistan"), ("IN", "India")])
def test_trial_observation_disabled(db, vault, country: str, name: str) -> None:
    world = World(db, vault, country)
    _refused(
        world.schedule,
        "trial_observation.disabled",
        f"the {name} template does not enable trial observation",
    )
    assert _count(db, Hearing) == 0


def test_trial_observation_required_fields_and_court(db, vault) -> None:
    turkey = World(db, vault, "TR")  # Türkiye requires court and charges
    _refused(
        lambda: turkey.schedule(charges=None),
        "trial_observation.required_fields",
        "the Türkiye template (version 1) requires charges for trial observation",
    )
    _refused(
        lambda: turkey.schedule(court=" ", charges=None),
        "trial_observation.required_fields",
        "requires charges, court for trial observation",
    )
    kenya = World(db, vault, "KE")  # Kenya requires neither: the court check still applies
    _refused(lambda: kenya.schedule(court="  "), "trial_observation.court", "needs a court")
    assert _count(db, Hearing) == 0
    assert kenya.schedule(charges=None).state is HearingState.SCHEDULED


@pytest.mark.parametrize(
    ("country", "observers", "strangers", "partners"),
    [
        ("KE", ("EU", "US"), "US", "EU, DE, FR, NL, SE, FI, DK, IE"),
        ("NP", ("ie", "eu"), "IE", "EU, DE, FR, FI"),  # IE observes in Kenya, not in Nepal
    ],
)
def test_trial_observation_partners(db, vault, country, observers, strangers, partners) -> None:
    world = World(db, vault, country)
    hearing = world.schedule()
    before = _writes(db)
    _refused(
        lambda: world.observe(hearing, observers=observers),
        "trial_observation.partners",
        f"{strangers} do(es) not share trial observation under the {world.template.name} "
        f"template (partners: {partners})",
    )
    assert _writes(db) == before
    db.expire_all()
    kept = db.get(Hearing, hearing.id)
    assert (kept.state, kept.observer_codes) == (HearingState.SCHEDULED, [])


def test_a_delegations_own_observation_partners_replace_the_templates(db, vault) -> None:
    """An admin names the embassies that share observation with a delegation (issue 19):
    those, not the template's, are who may be recorded; with none named, the template's."""
    world = World(db, vault, "KE")
    world.delegation.observation_partners = [
        DelegationObservationPartner(embassy=code) for code in ("EU", "IT")
    ]
    db.commit()
    assert hearings.observation_partners(world.template, world.delegation) == ("EU", "IT")
    hearing = world.schedule()
    _refused(
        lambda: world.observe(hearing, observers=("EU", "DE")),  # DE: the template's only
        "trial_observation.partners",
        f"DE do(es) not share trial observation under the {world.template.name} template "
        "(partners: EU, IT)",
    )
    observed = world.observe(hearing, observers=("IT", "EU"))
    assert observed.observer_codes == ["EU", "IT"]
    world.delegation.observation_partners = []
    db.commit()
    assert "DE" in hearings.observation_partners(world.template, world.delegation)


@pytest.mark.parametrize("observers", [(), ("  ",)])
def test_trial_observation_observed_needs_an_observer(db, vault, observers) -> None:
    world = World(db, vault, "KE")
    hearing = world.schedule()
    _refused(
        lambda: world.observe(hearing, observers=observers),
        "trial_observation.observers",
        "an observed hearing needs at least one observer",
    )
    db.expire_all()
    assert db.get(Hearing, hearing.id).state is HearingState.SCHEDULED
    # Not observed (access refused) needs nobody.
    assert world.observe(hearing, observed=False, observers=()).state is (HearingState.NOT_OBSERVED)


def test_hearing_transitions(db, vault) -> None:
    world = World(db, vault, "KE")
    refused_access = world.observe(world.schedule(), observed=False, observers=())
    _refused(
        lambda: hearings.file_report(
            db, vault, world.catalogue, world.focal, refused_access.id, "Report."
        ),
        "hearing.transition",
        "a hearing in state not_observed cannot become report_filed (allowed: nothing)",
    )
    _refused(
        lambda: world.observe(refused_access),
        "hearing.transition",
        "not_observed cannot become observed",
    )
    scheduled = world.schedule()
    _refused(
        lambda: hearings.file_report(db, vault, world.catalogue, world.focal, scheduled.id, "R."),
        "hearing.transition",
        "a hearing in state scheduled cannot become report_filed "
        "(allowed: cancelled, not_observed, observed)",
    )
    observed = world.observe(scheduled)
    _refused(
        lambda: hearings.file_report(db, vault, world.catalogue, world.focal, observed.id, "  "),
        "trial_observation.report",
        "the observation report is empty",
    )
    hearings.file_report(db, vault, world.catalogue, world.focal, observed.id, "Report.")
    _refused(
        lambda: hearings.file_report(db, vault, world.catalogue, world.focal, observed.id, "R2"),
        "hearing.transition",
        "report_filed cannot become report_filed (allowed: nothing)",
    )
    assert vault.open_field(db.get(Hearing, observed.id), "report") == "Report."


# A closed case -------------------------------------------------------------------------------
def test_a_closed_case_refuses_every_step_but_revocation_and_reopening(db, vault) -> None:
    world = World(db, vault, "KE")
    draft_referral = world.refer(submit=False)
    requested = world.refer()
    approved = world.approve_referral(world.refer())
    scheduled = world.schedule()
    observed = world.observe(world.schedule())
    given = world.consent(ConsentScope.PUBLIC_STATEMENT)
    draft = world.draft()
    submitted = world.draft()
    statements.submit_statement(db, world.focal, submitted.id)
    approved_statement = world.approved_statement()
    world.close()
    officer, focal, cat = world.officers[0], world.focal, world.catalogue

    steps: dict[str, Callable[[], object]] = {
        "create referral": lambda: world.refer(),
        "submit referral": lambda: referrals.submit_referral(db, focal, draft_referral.id),
        "decide referral": lambda: referrals.decide_referral(
            db, officer, requested.id, approve=True
        ),
        "deliver referral": lambda: referrals.mark_delivered(db, focal, approved.id),
        "schedule hearing": world.schedule,
        "record observation": lambda: world.observe(scheduled),
        "file report": lambda: hearings.file_report(db, vault, cat, focal, observed.id, "R."),
        "record consent": lambda: world.consent(ConsentScope.PRIVATE_DEMARCHE),
        "draft statement": world.draft,
        "submit statement": lambda: statements.submit_statement(db, focal, draft.id),
        "decide statement": lambda: statements.decide_statement(
            db, officer, submitted.id, approve=True
        ),
        "publish statement": lambda: statements.publish_statement(
            db, vault, strategy_catalogue(), focal, approved_statement.id, publication_url=URL
        ),
        "withdraw statement": lambda: statements.withdraw_statement(db, focal, draft.id),
        "assess": lambda: case_steps.assess_case(db, focal, world.ref, RiskLevel.LOW),
        "close again": world.close,
    }
    before = _writes(db)
    failures = []
    for name, step in steps.items():
        try:
            step()
        except InvalidTransition as exc:
            if exc.rule != "case.closed" or f"case {world.ref} is closed" not in str(exc):
                failures.append(f"{name}: {exc.rule}: {exc}")
        else:
            failures.append(f"{name}: accepted on a closed case")
    assert failures == []
    assert _writes(db) == before, "a refused step wrote something"

    # Revocation is immediate, closed case or not.
    revoked = consent.revoke_consent(db, focal, given.id)
    assert revoked.revoked_at is not None
    _refused(
        lambda: consent.revoke_consent(db, focal, given.id),
        "consent.transition",
        "this consent is already revoked",
    )
    # Reopened, the case accepts steps again.
    case_steps.reopen_case(db, focal, world.ref)
    assert case_steps.assess_case(db, focal, world.ref, RiskLevel.LOW).risk_level is RiskLevel.LOW
    assert verify_chain(db)[1] is None


def test_reopening_an_open_case_is_refused(db, vault) -> None:
    world = World(db, vault, "KE")
    _refused(
        lambda: case_steps.reopen_case(db, world.focal, world.ref),
        "case.transition",
        f"case {world.ref} is not closed",
    )
    db.expire_all()
    assert db.get(Case, world.case.id).reopened_at is None


@pytest.mark.parametrize(
    ("country", "outcome", "reason", "missing"),
    [
        ("KE", None, "Resolved.", "outcome"),
        ("AF", ClosureOutcome.RELOCATED, None, "reason"),
        ("CN", None, "   ", "outcome, reason"),
    ],
)
def test_closure_required_fields(db, vault, country, outcome, reason, missing) -> None:
    world = World(db, vault, country)
    _refused(
        lambda: world.close(outcome, reason),
        "closure.required_fields",
        f"the {world.template.name} template (version {world.template.version}) requires "
        f"{missing} for closure",
    )
    db.expire_all()
    kept = db.get(Case, world.case.id)
    assert kept.closed_at is None and kept.closure_outcome is None


def test_closure_without_outcome_where_the_template_allows_it(db, vault) -> None:
    world = World(db, vault, "NP")  # Nepal requires nothing at closure
    assert world.close(None).closed_at is not None


# Consent -------------------------------------------------------------------------------------
def test_consent_needs_a_scope(db, vault) -> None:
    world = World(db, vault, "KE")
    _refused(world.consent, "consent.scope", "a consent record needs at least one scope")
    assert _count(db, Consent) == 0


def test_consent_cannot_be_dated_in_the_future(db, vault) -> None:
    world = World(db, vault, "KE")
    _refused(
        lambda: consent.record_consent(
            db,
            vault,
            world.focal,
            world.ref,
            scopes=[ConsentScope.PUBLIC_STATEMENT],
            given_on=utcnow() + timedelta(hours=1),
        ),
        "consent.date",
        "consent cannot be dated in the future",
    )
    assert _count(db, Consent) == 0


# Templates changing under open cases ---------------------------------------------------------
def _catalogue_with_np_version(tmp_path: Path, change: Callable[[dict], None]) -> StrategyCatalogue:
    """The shipped templates plus a Nepal version 2 in force since yesterday."""
    directory = tmp_path / "strategies"
    shutil.copytree(SHIPPED, directory)
    document = yaml.safe_load((directory / "np.yaml").read_text(encoding="utf-8"))
    version = copy.deepcopy(document["versions"][-1])
    version["version"] = document["versions"][-1]["version"] + 1
    version["effective_from"] = utcnow().date() - timedelta(days=1)
    change(version)
    document["versions"].append(version)
    (directory / "np.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    return load_catalogue(directory)


def _open_with(db: Session, vault: RecordVault, catalogue: StrategyCatalogue, focal: User) -> Case:
    return open_case(
        db,
        vault,
        catalogue,
        focal,
        IntakeInput(
            delegation_id=focal.delegation_id,
            country=focal.delegation.country,
            risk_level=RiskLevel.HIGH,
            defender=DEFENDER_FIELDS,
            narrative="Narrative.",
            profile_categories=(ProfileCategory.LAWYER,),
            threats=(ThreatType.SURVEILLANCE,),
        ),
    )


def _stricter_nepal(version: dict) -> None:
    version["actions"]["referral"]["approvals_required"] = 3
    version["max_grant_eur"] = 2000


def test_a_template_version_change_leaves_open_cases_under_their_old_rules(
    db, vault, tmp_path
) -> None:
    old = World(db, vault, "NP")  # opened under the shipped Nepal version 1
    assert (old.case.template_code, old.case.template_version) == ("NP", 1)
    assert old.template.rules(ActionType.REFERRAL).approvals_required == 1
    assert old.template.max_grant_eur == 5000
    updated = _catalogue_with_np_version(tmp_path, _stricter_nepal)
    assert updated.for_country("NP").in_force(utcnow().date()).version == 2

    # The open case keeps version 1, even when the new catalogue is the one in use.
    grant = ReferralInput(Mechanism.EU_HRD_MECHANISM, (AssistanceType.MEDICAL,), 4000)
    referral = referrals.create_referral(db, vault, updated, old.focal, old.ref, grant)
    assert (referral.amount_eur, referral.approvals_required) == (4000, 1)
    assert referrals.decide_referral(db, old.officers[0], referral.id, approve=True).state is (
        ReferralState.APPROVED
    )

    # A case opened now follows version 2.
    new = _open_with(db, vault, updated, old.focal)
    assert (new.template_code, new.template_version) == ("NP", 2)
    _refused(
        lambda: referrals.create_referral(db, vault, updated, old.focal, new.reference, grant),
        "referral.max_grant",
        "a grant of EUR 4,000 is above the Nepal maximum of EUR 2,000",
    )
    smaller = ReferralInput(Mechanism.EU_HRD_MECHANISM, (AssistanceType.MEDICAL,), 2000)
    strict = referrals.create_referral(db, vault, updated, old.focal, new.reference, smaller)
    assert strict.approvals_required == 3
    for officer in old.officers[:2]:
        assert referrals.decide_referral(db, officer, strict.id, approve=True).state is (
            ReferralState.REQUESTED
        )
    assert referrals.decide_referral(db, old.officers[2], strict.id, approve=True).state is (
        ReferralState.APPROVED
    )


def _disable(*actions: str) -> Callable[[dict], None]:
    def change(version: dict) -> None:
        for action in actions:
            version["actions"][action] = {"enabled": False}

    return change


def test_actions_a_template_disables_are_refused(db, vault, tmp_path) -> None:
    catalogue = _catalogue_with_np_version(
        tmp_path, _disable("referral", "public_statement", "closure")
    )
    focal = make_user(db, Role.FOCAL_POINT, delegation=make_delegation(db, country="NP"))
    case = _open_with(db, vault, catalogue, focal)
    _refused(
        lambda: referrals.create_referral(db, vault, catalogue, focal, case.reference, GRANT),
        "referral.disabled",
        "the Nepal template does not enable referrals",
    )
    _refused(
        lambda: statements.draft_statement(
            db, vault, catalogue, focal, case.reference, level=PUBLIC, text=TEXT
        ),
        "statement.disabled",
        "the Nepal template does not enable statements",
    )
    _refused(
        lambda: case_steps.close_case(db, vault, catalogue, focal, case.reference, None),
        "closure.disabled",
        "the Nepal template does not enable closure",
    )


def _require(action: str, *fields: str) -> Callable[[dict], None]:
    def change(version: dict) -> None:
        version["actions"][action]["required_fields"] = list(fields)

    return change


def test_a_required_publication_url_is_asked_for_at_publication(db, vault, tmp_path) -> None:
    catalogue = _catalogue_with_np_version(
        tmp_path, _require("public_statement", "publication_url")
    )
    focal = make_user(db, Role.FOCAL_POINT, delegation=make_delegation(db, country="NP"))
    officers = [make_user(db, Role.PROTECTION_OFFICER, countries=("NP",)) for _ in range(2)]
    case = _open_with(db, vault, catalogue, focal)
    consent.record_consent(
        db,
        vault,
        focal,
        case.reference,
        scopes=[ConsentScope.PUBLIC_STATEMENT],
        given_on=utcnow(),
    )
    statement = statements.draft_statement(
        db, vault, catalogue, focal, case.reference, level=PUBLIC, text=TEXT
    )
    statements.submit_statement(db, focal, statement.id)
    for officer in officers:
        statements.decide_statement(db, officer, statement.id, approve=True)
    _refused(
        lambda: statements.publish_statement(db, vault, catalogue, focal, statement.id),
        "public_statement.required_fields",
        "requires publication_url",
    )
    published = statements.publish_statement(
        db, vault, catalogue, focal, statement.id, publication_url=URL
    )
    assert published.state is StatementState.PUBLISHED


def test_required_observers_and_report_are_asked_for_at_the_report(db, vault, tmp_path) -> None:
    catalogue = _catalogue_with_np_version(
        tmp_path, _require("trial_observation", "court", "observers", "report")
    )
    focal = make_user(db, Role.FOCAL_POINT, delegation=make_delegation(db, country="NP"))
    case = _open_with(db, vault, catalogue, focal)
    hearing = hearings.schedule_hearing(
        db,
        vault,
        catalogue,
        focal,
        case.reference,
        scheduled_for=utcnow() - timedelta(days=3),
        court="Kathmandu District Court",
    )
    hearing = hearings.record_observation(
        db, catalogue, focal, hearing.id, observed=True, observers=("EU",)
    )
    filed = hearings.file_report(db, vault, catalogue, focal, hearing.id, "Observed.")
    assert filed.state is HearingState.REPORT_FILED
