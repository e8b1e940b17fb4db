"""A Kenyan delegation, its focal point, three officers covering Kenya and a case, with the
workflow steps the notification tests drive (through the real services)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.domain.states import ReferralState, StatementState
from hrd_cases.domain.vocabulary import (
    AssistanceType,
    ConsentScope,
    Mechanism,
    StatementLevel,
)
from hrd_cases.models import Consent, Hearing, Referral, Role, Statement
from hrd_cases.records import RecordVault
from hrd_cases.workflow import consent, hearings, referrals, statements
from hrd_cases.workflow.referrals import ReferralInput
from hrd_cases.workflow.service import template_of
from hrd_cases.workflow.templates import StrategyVersion
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue

GRANT = ReferralInput(
    Mechanism.EU_HRD_MECHANISM,
    (AssistanceType.LEGAL,),
    amount_eur=1000,
    justification="Lawyer's fees.",
)
PUBLIC = StatementLevel.LOCAL_EU_STATEMENT
TEXT = "The EU is concerned by the detention of a human rights defender."


class World:
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

    def refer(self, data: ReferralInput = GRANT) -> Referral:
        return referrals.create_referral(
            self.db, self.vault, self.catalogue, self.focal, self.ref, data
        )

    def approve_referral(self, referral: Referral) -> Referral:
        for officer in self.officers[: referral.approvals_required]:
            referral = referrals.decide_referral(self.db, officer, referral.id, approve=True)
        assert referral.state is ReferralState.APPROVED
        return referral

    def schedule(self, **kwargs) -> Hearing:  # type: ignore[no-untyped-def]
        values = {
            "scheduled_for": utcnow() + timedelta(days=7),
            "court": "Milimani Law Courts",
            "charges": "Unlawful assembly.",
            **kwargs,
        }
        return hearings.schedule_hearing(
            self.db, self.vault, self.catalogue, self.focal, self.ref, **values
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
