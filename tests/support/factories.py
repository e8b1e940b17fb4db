"""Small factories for tests: valid objects with overridable fields, saved and committed."""

from __future__ import annotations

import itertools
from functools import cache
from typing import Any

import pyotp
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.domain.vocabulary import ProfileCategory, RiskLevel, ThreatType
from hrd_cases.models import Case, Delegation, Role, User, UserCountry
from hrd_cases.records import RecordVault
from hrd_cases.settings import CONFIG_DIR
from hrd_cases.workflow.service import IntakeInput, open_case
from hrd_cases.workflow.templates import StrategyCatalogue, load_catalogue

DEFAULT_PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


@cache
def strategy_catalogue() -> StrategyCatalogue:
    """The shipped templates (config/strategies), loaded once for the whole test run."""
    return load_catalogue(CONFIG_DIR / "strategies")


def make_delegation(session: Session, **fields: Any) -> Delegation:
    n = next(_sequence)
    values = {"code": f"DEL-{n}", "name": f"Delegation {n}", "country": "KE", **fields}
    delegation = Delegation(**values)
    session.add(delegation)
    session.commit()
    return delegation


def make_user(
    session: Session,
    role: Role = Role.FOCAL_POINT,
    *,
    password: str = DEFAULT_PASSWORD,
    countries: tuple[str, ...] = (),
    enrolled: bool = True,
    **fields: Any,
) -> User:
    """A user; ``enrolled`` gives them a TOTP second factor (read it with totp_secret_of)."""
    n = next(_sequence)
    if role is Role.FOCAL_POINT and "delegation" not in fields:
        fields["delegation"] = make_delegation(session)
    app = session.info["app"]
    hasher = app.extensions["hrd_password_hasher"]
    user = User(
        email=fields.pop("email", f"user{n}@example.org"),
        display_name=fields.pop("display_name", f"User {n}"),
        role=role,
        password_hash=hasher.hash(password),
        # Set as `user create` sets it: without it the account reads as an invitation pending.
        password_changed_at=fields.pop("password_changed_at", utcnow()),
        **fields,
    )
    user.covered_countries = [UserCountry(country=c) for c in countries]
    if enrolled:
        vault: RecordVault = app.extensions["hrd_vault"]
        user.data_key = vault.create_data_key("users")
        session.add(user)
        session.flush()
        vault.seal(user, {"totp_secret": pyotp.random_base32(32)})
        user.totp_enrolled_at = utcnow()
    session.add(user)
    session.commit()
    return user


def totp_secret_of(vault: RecordVault, user: User) -> str:
    return vault.open_field(user, "totp_secret") or ""


DEFENDER_FIELDS = {
    "name": "Test Defender",
    "other_names": None,
    "contact_details": None,
    "location": "Test City",
    "organisation": None,
    "date_of_birth": None,
    "personal_notes": None,
}


def make_case(
    session: Session,
    vault: RecordVault,
    *,
    delegation: Delegation | None = None,
    actor: User | None = None,
    defender: dict[str, str | None] | None = None,
    narrative: str | None = "Narrative.",
    risk_level: RiskLevel = RiskLevel.HIGH,
    profile_categories: tuple[ProfileCategory, ...] = (ProfileCategory.JOURNALIST_MEDIA,),
    threats: tuple[ThreatType, ...] = (ThreatType.JUDICIAL_HARASSMENT,),
) -> Case:
    delegation = delegation or make_delegation(session)
    return open_case(
        session,
        vault,
        strategy_catalogue(),
        actor,
        IntakeInput(
            delegation_id=delegation.id,
            country=delegation.country,
            risk_level=risk_level,
            defender={**DEFENDER_FIELDS, **(defender or {})},
            narrative=narrative,
            profile_categories=profile_categories,
            threats=threats,
        ),
    )
