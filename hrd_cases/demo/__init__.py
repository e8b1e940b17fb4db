"""Demo data for a local instance: delegations, one account per role with its second factor,
and a few fictional cases.

Safe to load twice: everything is looked up by its natural key before it is created. The
passwords and TOTP secrets are printed by design; the database is flagged as a demo instance
and the application refuses to run it in production.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases.auth.service import replace_recovery_codes
from hrd_cases.auth.totp import new_totp_secret, provisioning_uri
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.models import Case, Delegation, InstanceFlag, Role, User, UserCountry
from hrd_cases.records import RecordVault
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
    ("EUDEL-AF", "EU Delegation to Afghanistan", "AF"),
    ("EUDEL-CN", "EU Delegation to China", "CN"),
    ("EUDEL-IN", "EU Delegation to India", "IN"),
    ("EUDEL-CO", "EU Delegation to Colombia", "CO"),
    ("EUDEL-UG", "EU Delegation to Uganda", "UG"),  # no template of its own: the default
    ("EMB-DE-KE", "Embassy of Germany in Nairobi", "KE"),
)
ALL_DEMO_COUNTRIES = ("KE", "NP", "TR", "AF", "CN", "IN", "CO", "UG")

# fmt: off
_FOCAL_POINTS = (  # email local part, display name, password, delegation
    ("focal.kenya", "Amina Focal (Kenya)", "demo-focal-kenya", "EUDEL-KE"),
    ("focal.nepal", "Bikash Focal (Nepal)", "demo-focal-nepal", "EUDEL-NP"),
    ("focal.turkiye", "Deniz Focal (Türkiye)", "demo-focal-turkiye", "EUDEL-TR"),
    ("focal.afghanistan", "Farida Focal (Afghanistan)", "demo-focal-afghanistan", "EUDEL-AF"),
    ("focal.china", "Lin Focal (China)", "demo-focal-china", "EUDEL-CN"),
    ("focal.india", "Priya Focal (India)", "demo-focal-india", "EUDEL-IN"),
    ("focal.colombia", "Camila Focal (Colombia)", "demo-focal-colombia", "EUDEL-CO"),
    ("focal.uganda", "Okello Focal (Uganda)", "demo-focal-uganda", "EUDEL-UG"),
)
# fmt: on
_DOMAIN = "@demo.hrd-cases.eu"

DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    *(
        DemoAccount(f"{local}{_DOMAIN}", name, Role.FOCAL_POINT, password, delegation)
        for local, name, password, delegation in _FOCAL_POINTS
    ),
    # Three officers: Afghanistan and China need three approvals for a statement.
    *(
        DemoAccount(
            f"officer.{n}{_DOMAIN}",
            f"{name} Officer",
            Role.PROTECTION_OFFICER,
            f"demo-officer-{n}",
            countries=ALL_DEMO_COUNTRIES,
        )
        for n, name in (("one", "Claire"), ("two", "Dario"), ("three", "Ines"))
    ),
    DemoAccount(f"analyst{_DOMAIN}", "Eva Analyst", Role.ANALYST, "demo-analyst-pass"),
    DemoAccount(f"admin{_DOMAIN}", "Femi Admin", Role.ADMIN, "demo-admin-password"),
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


def demo_steps() -> int:
    """How many times load_demo reports progress: once per account, once per delegation's
    cases (for a progress bar)."""
    return len(DEMO_ACCOUNTS) + sum(1 for a in DEMO_ACCOUNTS if a.role is Role.FOCAL_POINT)


def load_demo(
    session: Session,
    hasher: PasswordHasher,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    on_progress: Callable[[int], None] = lambda count: None,
) -> DemoResult:
    """Create what is missing of the demo data and return every demo login."""
    with write_transaction(session):
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
            on_progress(1)
            if account.email in users:
                continue
            user = User(
                email=account.email,
                display_name=account.display_name,
                role=account.role,
                password_hash=hasher.hash(account.password),
                password_changed_at=utcnow(),
                delegation=delegations[account.delegation_code]
                if account.delegation_code
                else None,
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

    cases_created = 0
    if not session.scalar(select(func.count()).select_from(Case)):
        cases_created = build_demo_cases(session, vault, catalogue, users, delegations, on_progress)

    logins = []
    for account in DEMO_ACCOUNTS:
        secret = vault.open_field(users[account.email], "totp_secret") or ""
        logins.append(DemoLogin(account, secret, provisioning_uri(secret, account.email)))
    return DemoResult(delegations_created, accounts_created, cases_created, tuple(logins))


def build_demo_cases(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    users: dict[str, User],
    delegations: dict[str, Delegation],
    on_progress: Callable[[int], None] = lambda count: None,
) -> int:
    """Cases in every demo country at every stage the country's template allows, built
    through the workflow services (so they obey the same guards as real work)."""
    from hrd_cases.demo.cases import build_country_cases

    officers = [users[a.email] for a in DEMO_ACCOUNTS if a.role is Role.PROTECTION_OFFICER]
    created = 0
    for account in DEMO_ACCOUNTS:
        if account.role is not Role.FOCAL_POINT or account.delegation_code is None:
            continue
        created += build_country_cases(
            session,
            vault,
            catalogue,
            users[account.email],
            delegations[account.delegation_code],
            officers,
        )
        on_progress(1)
    return created
