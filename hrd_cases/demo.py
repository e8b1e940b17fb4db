"""Demo data for a local instance: delegations, one account per role with its second factor,
and a few fictional cases.

Safe to load twice: everything is looked up by its natural key before it is created. The
passwords and TOTP secrets are printed by design; the database is flagged as a demo instance
and the application refuses to run it in production.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases.auth.service import replace_recovery_codes
from hrd_cases.auth.totp import new_totp_secret, provisioning_uri
from hrd_cases.db import begin_write, utcnow
from hrd_cases.models import Case, Delegation, InstanceFlag, Role, User, UserCountry
from hrd_cases.records import RecordVault
from hrd_cases.vocabulary import ProfileCategory, RiskLevel, ThreatType
from hrd_cases.workflow.service import IntakeInput, open_case
from hrd_cases.workflow.templates import StrategyCatalogue

DEMO_FLAG = "demo"


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

# Fictional people; any resemblance is accidental.
DEMO_CASES: tuple[
    tuple[str, str, RiskLevel, tuple[ProfileCategory, ...], tuple[ThreatType, ...], str], ...
] = (
    (
        "EUDEL-KE",
        "Wanjiru Demo Kamau",
        RiskLevel.HIGH,
        (ProfileCategory.WOMAN_HRD, ProfileCategory.ENVIRONMENTAL_LAND),
        (ThreatType.THREATS_INTIMIDATION, ThreatType.SURVEILLANCE),
        "Land rights defender threatened after a community meeting (fictional demo case).",
    ),
    (
        "EUDEL-KE",
        "Otieno Demo Ochieng",
        RiskLevel.CRITICAL,
        (ProfileCategory.JOURNALIST_MEDIA,),
        (ThreatType.ARBITRARY_DETENTION, ThreatType.JUDICIAL_HARASSMENT),
        "Journalist detained overnight; hearing expected (fictional demo case).",
    ),
    (
        "EUDEL-NP",
        "Sita Demo Tamang",
        RiskLevel.MEDIUM,
        (ProfileCategory.INDIGENOUS, ProfileCategory.WOMAN_HRD),
        (ThreatType.SMEAR_CAMPAIGN,),
        "Indigenous rights advocate targeted by an online smear campaign (fictional demo case).",
    ),
    (
        "EUDEL-NP",
        "Ram Demo Shrestha",
        RiskLevel.LOW,
        (ProfileCategory.LAWYER,),
        (ThreatType.THREATS_INTIMIDATION,),
        "Lawyer receiving anonymous calls (fictional demo case).",
    ),
)


@dataclass(frozen=True, slots=True)
class DemoLogin:
    account: DemoAccount
    totp_secret: str
    otpauth_uri: str


@dataclass(frozen=True, slots=True)
class DemoResult:
    delegations_created: int
    accounts_created: int
    cases_created: int
    logins: tuple[DemoLogin, ...]


def is_demo_instance(session: Session) -> bool:
    flag = session.get(InstanceFlag, DEMO_FLAG)
    return flag is not None and flag.enabled


def load_demo(
    session: Session, hasher: PasswordHasher, vault: RecordVault, catalogue: StrategyCatalogue
) -> DemoResult:
    """Create what is missing of the demo data and return every demo login."""
    begin_write(session)
    if session.get(InstanceFlag, DEMO_FLAG) is None:
        session.add(InstanceFlag(name=DEMO_FLAG, enabled=True, set_at=utcnow()))
    delegations = {d.code: d for d in session.scalars(select(Delegation))}
    delegations_created = 0
    for code, name, country in DEMO_DELEGATIONS:
        if code not in delegations:
            delegations[code] = Delegation(code=code, name=name, country=country)
            session.add(delegations[code])
            delegations_created += 1

    users = {u.email: u for u in session.scalars(select(User))}
    accounts_created = 0
    for account in DEMO_ACCOUNTS:
        if account.email in users:
            continue
        user = User(
            email=account.email,
            display_name=account.display_name,
            role=account.role,
            password_hash=hasher.hash(account.password),
            password_changed_at=utcnow(),
            delegation=delegations[account.delegation_code] if account.delegation_code else None,
            data_key=vault.create_data_key("users"),
        )
        user.covered_countries = [UserCountry(country=c) for c in account.countries]
        session.add(user)
        session.flush()
        vault.seal(user, {"totp_secret": new_totp_secret()})
        user.totp_enrolled_at = utcnow()
        replace_recovery_codes(session, user)
        users[account.email] = user
        accounts_created += 1
    session.commit()

    cases_created = 0
    if not session.scalar(select(func.count()).select_from(Case)):
        # Each case is opened by the focal point of its own delegation, as in real use.
        authors = {a.delegation_code: users[a.email] for a in DEMO_ACCOUNTS if a.delegation_code}
        for code, name, risk, profiles, threats, narrative in DEMO_CASES:
            delegation = delegations[code]
            open_case(
                session,
                vault,
                catalogue,
                authors[code],
                IntakeInput(
                    delegation_id=delegation.id,
                    country=delegation.country,
                    risk_level=risk,
                    defender={
                        "name": name,
                        "organisation": "Demo Association",
                        "location": "Demo town",
                    },
                    profile_categories=profiles,
                    threats=threats,
                    narrative=narrative,
                ),
            )
            cases_created += 1

    logins = []
    for account in DEMO_ACCOUNTS:
        secret = vault.open_field(users[account.email], "totp_secret") or ""
        logins.append(DemoLogin(account, secret, provisioning_uri(secret, account.email)))
    return DemoResult(delegations_created, accounts_created, cases_created, tuple(logins))
