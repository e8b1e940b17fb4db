"""A small known dataset built through the workflow services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.domain.vocabulary import (
    AssistanceType,
    HearingOutcome,
    Mechanism,
    ProfileCategory,
    ThreatType,
)
from hrd_cases.exports.quarter import Quarter
from hrd_cases.models import Role
from hrd_cases.records import RecordVault
from hrd_cases.workflow.hearings import record_observation, schedule_hearing
from hrd_cases.workflow.referrals import (
    ReferralInput,
    create_referral,
    decide_referral,
    mark_delivered,
)
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue

P, T = ProfileCategory, ThreatType


def this_quarter() -> Quarter:
    today = utcnow().date()
    return Quarter(today.year, (today.month - 1) // 3 + 1)


def today() -> date:
    return utcnow().date()


@dataclass
class Known:
    names: list[str]


def build_known_dataset(db: Session, vault: RecordVault) -> Known:
    """Kenya: 3 cases, one referral approved and delivered (EUR 4000), one rejected, one hearing
    observed (acquitted). Uganda: 1 case."""
    catalogue = strategy_catalogue()
    kenya = make_delegation(db, country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    officers = [make_user(db, Role.PROTECTION_OFFICER, countries=("KE",)) for _ in range(2)]
    names = [
        "Wanjiru Kamau Canary",
        "Otieno Ochieng Canary",
        "Achieng Atieno Canary",
        "Okello Canary",
    ]
    first = make_case(
        db,
        vault,
        delegation=kenya,
        actor=focal,
        defender={"name": names[0]},
        profile_categories=(P.WOMAN_HRD, P.LAWYER),
        threats=(T.JUDICIAL_HARASSMENT,),
    )
    second = make_case(
        db,
        vault,
        delegation=kenya,
        actor=focal,
        defender={"name": names[1]},
        profile_categories=(P.WOMAN_HRD,),
        threats=(T.JUDICIAL_HARASSMENT, T.SURVEILLANCE),
    )
    make_case(
        db,
        vault,
        delegation=kenya,
        actor=focal,
        defender={"name": names[2]},
        profile_categories=(P.JOURNALIST_MEDIA,),
        threats=(T.TRAVEL_BAN,),
    )
    uganda = make_delegation(db, country="UG")
    make_case(
        db,
        vault,
        delegation=uganda,
        defender={"name": names[3]},
        profile_categories=(P.WOMAN_HRD,),
        threats=(T.JUDICIAL_HARASSMENT,),
    )
    granted = create_referral(
        db,
        vault,
        catalogue,
        focal,
        first.reference,
        ReferralInput(
            Mechanism.EU_HRD_MECHANISM,
            (AssistanceType.LEGAL, AssistanceType.DIGITAL_SECURITY),
            amount_eur=4000,
            justification="Canary justification",
        ),
    )
    for officer in officers:
        decide_referral(db, officer, granted.id, approve=True)
    mark_delivered(db, focal, granted.id)
    refused = create_referral(
        db,
        vault,
        catalogue,
        focal,
        second.reference,
        ReferralInput(Mechanism.SHELTER_CITY, (AssistanceType.URGENT_RELOCATION,)),
    )
    decide_referral(db, officers[0], refused.id, approve=False, reason="r", vault=vault)
    hearing = schedule_hearing(
        db,
        vault,
        catalogue,
        focal,
        first.reference,
        scheduled_for=utcnow() - timedelta(hours=1),
        court="Canary Court",
    )
    record_observation(
        db,
        catalogue,
        focal,
        hearing.id,
        observed=True,
        observers=("EU",),
        outcome=HearingOutcome.ACQUITTED,
    )
    return Known(names)
