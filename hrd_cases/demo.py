"""Demo data for a local instance: delegations and one account per role.

Safe to load twice: everything is looked up by its natural key before it is created.
The passwords are public by design; a demo instance must never hold real cases.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.models import Delegation, Role, User, UserCountry


@dataclass(frozen=True, slots=True)
class DemoAccount:
    email: str
    display_name: str
    role: Role
    password: str
    delegation_code: str | None = None
    countries: tuple[str, ...] = ()


DEMO_DELEGATIONS: tuple[tuple[str, str, str], ...] = (
    ("EUDEL-KE", "EU Delegation to Kenya", "KE"),
    ("EUDEL-NP", "EU Delegation to Nepal", "NP"),
    ("EUDEL-TR", "EU Delegation to Türkiye", "TR"),
    ("EMB-DE-KE", "Embassy of Germany in Nairobi", "KE"),
)

DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        "focal.kenya@demo.hrd-cases.eu",
        "Amina Focal (Kenya)",
        Role.FOCAL_POINT,
        "demo-focal-kenya",
        "EUDEL-KE",
    ),
    DemoAccount(
        "focal.nepal@demo.hrd-cases.eu",
        "Bikash Focal (Nepal)",
        Role.FOCAL_POINT,
        "demo-focal-nepal",
        "EUDEL-NP",
    ),
    DemoAccount(
        "officer.one@demo.hrd-cases.eu",
        "Claire Officer",
        Role.PROTECTION_OFFICER,
        "demo-officer-one",
        countries=("KE", "NP", "TR"),
    ),
    DemoAccount(
        "officer.two@demo.hrd-cases.eu",
        "Dario Officer",
        Role.PROTECTION_OFFICER,
        "demo-officer-two",
        countries=("KE", "NP", "TR"),
    ),
    DemoAccount("analyst@demo.hrd-cases.eu", "Eva Analyst", Role.ANALYST, "demo-analyst-pass"),
    DemoAccount("admin@demo.hrd-cases.eu", "Femi Admin", Role.ADMIN, "demo-admin-password"),
)


@dataclass(frozen=True, slots=True)
class DemoResult:
    delegations_created: int
    accounts_created: int
    accounts: tuple[DemoAccount, ...]


def load_demo(session: Session, hasher: PasswordHasher) -> DemoResult:
    """Create what is missing of the demo data, in one transaction."""
    delegations = {d.code: d for d in session.scalars(select(Delegation))}
    delegations_created = 0
    for code, name, country in DEMO_DELEGATIONS:
        if code not in delegations:
            delegations[code] = Delegation(code=code, name=name, country=country)
            session.add(delegations[code])
            delegations_created += 1

    existing = set(session.scalars(select(User.email)))
    accounts_created = 0
    for account in DEMO_ACCOUNTS:
        if account.email in existing:
            continue
        user = User(
            email=account.email,
            display_name=account.display_name,
            role=account.role,
            password_hash=hasher.hash(account.password),
            delegation=delegations[account.delegation_code] if account.delegation_code else None,
        )
        user.covered_countries = [UserCountry(country=c) for c in account.countries]
        session.add(user)
        accounts_created += 1
    session.commit()
    return DemoResult(delegations_created, accounts_created, DEMO_ACCOUNTS)
