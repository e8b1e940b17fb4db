"""Fast, faithful preload for the load test: accounts through the real hasher and vault, and
N cases sealed with the same envelope format the vault writes (a data key per case and per
defender, wrapped by the KEK, fields bound to table/field/id), inserted in bulk.

Intake through the service runs at ~80 cases/s here (docs/benchmarks.md), which would make a
100,000-case preload take 20 minutes; bulk inserts of identical rows take about one. No audit
entries are written for preloaded rows (they are fixtures, not activity).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from hrd_cases.crypto import (
    BlindIndex,
    EncryptionContext,
    Keyring,
    RelationMac,
    encrypt_field,
    new_data_key,
    wrap_data_key,
)
from hrd_cases.domain.states import ReferralState
from hrd_cases.domain.vocabulary import (
    ActionType,
    Mechanism,
    ProfileCategory,
    RiskLevel,
    ThreatType,
)
from hrd_cases.models import (
    Case,
    CaseDefender,
    CaseProfileCategory,
    CaseReferenceCounter,
    CaseThreat,
    DataKey,
    Defender,
    DefenderNameToken,
    Delegation,
    Referral,
    Role,
    TimelineEvent,
    User,
    UserCountry,
)
from hrd_cases.records.defenders import CASE_DEFENDER_RELATION, new_defender_reference
from hrd_cases.records.vault import data_key_context_for
from hrd_cases.workflow.templates import StrategyCatalogue

COUNTRIES = ("KE", "NP", "TR", "AF", "CN", "IN", "CO", "UG")
FOCAL_PER_DELEGATION = 2
OFFICERS = 4
FIRST = ("Amani", "Leyla", "Sita", "Javier", "Mei", "Arjun", "Nasrin", "Grace", "Omar", "Rosa")
LAST = ("Loadtest", "Otieno", "Yilmaz", "Tamang", "Rojas", "Wang", "Sharma", "Ahmadi", "Kaya")


@dataclass(frozen=True, slots=True)
class Account:
    email: str
    password: str
    totp_secret: str
    role: Role
    user_id: int
    country: str | None  # a focal point's delegation country


@dataclass(slots=True)
class Fixture:
    accounts: list[Account] = field(default_factory=list)
    cases_by_country: dict[str, list[str]] = field(default_factory=dict)
    # Requested referrals for each officer to approve: (case reference, referral id).
    referrals_by_officer: dict[int, list[tuple[str, str]]] = field(default_factory=dict)


def _sealed(dek: bytes, table: str, column: str, record_id: uuid.UUID, value: str) -> bytes:
    return encrypt_field(dek, value, EncryptionContext(table, column, str(record_id)))


def _data_key(keyring: Keyring, purpose: str, now: datetime) -> tuple[dict[str, object], bytes]:
    key_id, dek = uuid.uuid4(), new_data_key()
    row = {
        "id": key_id,
        "purpose": purpose,
        "kek_version": keyring.primary,
        "wrapped_key": wrap_data_key(keyring, dek, data_key_context_for(key_id)),
        "created_at": now,
    }
    return row, dek


def load_accounts(
    session: Session, keyring: Keyring, hasher: PasswordHasher
) -> tuple[Fixture, dict[str, int]]:
    """Delegations, focal points (two per delegation) and officers covering every country."""
    now = datetime.now(UTC)
    fixture = Fixture()
    delegations = {}
    for country in COUNTRIES:
        delegation = Delegation(code=f"LOAD-{country}", name=f"Load {country}", country=country)
        session.add(delegation)
        delegations[country] = delegation
    session.flush()
    people = [
        (Role.FOCAL_POINT, country, f"focal{n}.{country.lower()}@load.example")
        for country in COUNTRIES
        for n in range(FOCAL_PER_DELEGATION)
    ] + [(Role.PROTECTION_OFFICER, None, f"officer{n}@load.example") for n in range(OFFICERS)]
    for role, country, email in people:
        password = f"load-test-{uuid.uuid4().hex}"
        secret = pyotp.random_base32(32)
        key_row, dek = _data_key(keyring, "users", now)
        session.execute(insert(DataKey), [key_row])
        user = User(
            email=email,
            display_name=email.split("@")[0],
            role=role,
            password_hash=hasher.hash(password),
            password_changed_at=now,
            delegation=delegations[country] if country else None,
            data_key_id=key_row["id"],
            totp_enrolled_at=now,
        )
        if role is Role.PROTECTION_OFFICER:
            user.covered_countries = [UserCountry(country=c) for c in COUNTRIES]
        session.add(user)
        session.flush()
        user.totp_secret_ciphertext = _sealed(dek, "users", "totp_secret", user.id, secret)
        fixture.accounts.append(Account(email, password, secret, role, user.id, country))
    session.commit()
    return fixture, {c: d.id for c, d in delegations.items()}


def load_cases(
    session: Session,
    keyring: Keyring,
    index: BlindIndex,
    catalogue: StrategyCatalogue,
    fixture: Fixture,
    delegation_ids: dict[str, int],
    count: int,
    referrals: int,
    *,
    chunk: int = 2000,
    progress: bool = True,
) -> None:
    rng = random.Random(2026)
    links = RelationMac(keyring.index_key)  # the signed case-defender links of issue 15
    now = datetime.now(UTC)
    year = now.year
    focal_of = {
        a.country: a.user_id for a in fixture.accounts if a.role is Role.FOCAL_POINT and a.country
    }
    officers = [a.user_id for a in fixture.accounts if a.role is Role.PROTECTION_OFFICER]
    templates = {c: catalogue.for_country(c).in_force(now.date()) for c in COUNTRIES}
    approvals = {c: t.rules(ActionType.REFERRAL).approvals_required for c, t in templates.items()}
    numbers = dict.fromkeys(COUNTRIES, 0)
    used_references: set[str] = set()
    started = time.perf_counter()
    referral_budget = referrals
    for first in range(0, count, chunk):
        rows: dict[type, list[dict[str, object]]] = {
            m: []
            for m in (
                DataKey,
                Defender,
                DefenderNameToken,
                Case,
                CaseDefender,
                CaseProfileCategory,
                CaseThreat,
                TimelineEvent,
                Referral,
            )
        }
        for i in range(first, min(first + chunk, count)):
            country = COUNTRIES[i % len(COUNTRIES)]
            numbers[country] += 1
            template = templates[country]
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}-{i}"
            defender_key, defender_dek = _data_key(keyring, "defenders", now)
            case_key, case_dek = _data_key(keyring, "cases", now)
            rows[DataKey] += [defender_key, case_key]
            defender_id, case_id = uuid.uuid4(), uuid.uuid4()
            reference = new_defender_reference()
            while reference in used_references:
                reference = new_defender_reference()
            used_references.add(reference)
            rows[Defender].append(
                {
                    "id": defender_id,
                    "reference": reference,
                    "data_key_id": defender_key["id"],
                    "name_ciphertext": _sealed(
                        defender_dek, "defenders", "name", defender_id, name
                    ),
                    "location_ciphertext": _sealed(
                        defender_dek, "defenders", "location", defender_id, "Somewhere"
                    ),
                    "created_at": now,
                }
            )
            rows[DefenderNameToken] += [
                {"defender_id": defender_id, "token": token}
                for token in index.tokens_for_name(name)
            ]
            opened = now - timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
            case_reference = f"{country}-{year}-{numbers[country]:05d}"
            rows[Case].append(
                {
                    "id": case_id,
                    "reference": case_reference,
                    "country": country,
                    "delegation_id": delegation_ids[country],
                    "risk_level": rng.choice(list(RiskLevel)),
                    "template_code": template.code,
                    "template_version": template.version,
                    "opened_at": opened,
                    "created_by_id": focal_of[country],
                    "data_key_id": case_key["id"],
                    "narrative_ciphertext": _sealed(
                        case_dek, "cases", "narrative", case_id, f"Narrative of case {i}. " * 8
                    ),
                }
            )
            rows[CaseDefender].append(
                {
                    "case_id": case_id,
                    "defender_id": defender_id,
                    "link_mac": links.mac(CASE_DEFENDER_RELATION, str(case_id), str(defender_id)),
                }
            )
            # The export's copies of the case's country and opening (see CaseProfileCategory).
            copied = {"case_id": case_id, "country": country, "opened_at": opened}
            rows[CaseProfileCategory].append(
                {**copied, "category": rng.choice(list(ProfileCategory))}
            )
            rows[CaseThreat].append({**copied, "threat": rng.choice(list(ThreatType))})
            rows[TimelineEvent].append(
                {
                    "case_id": case_id,
                    "at": opened,
                    "actor_id": focal_of[country],
                    "kind": "case.opened",
                    "details": {},
                }
            )
            fixture.cases_by_country.setdefault(country, []).append(case_reference)
            if referral_budget > 0:
                referral_budget -= 1
                referral_id = uuid.uuid4()
                rows[Referral].append(
                    {
                        "id": referral_id,
                        "case_id": case_id,
                        "mechanism": Mechanism.EU_HRD_MECHANISM,
                        "state": ReferralState.REQUESTED,
                        "approvals_required": approvals[country],
                        "justification_ciphertext": _sealed(
                            case_dek, "referrals", "justification", referral_id, "Needs help."
                        ),
                        "created_by_id": focal_of[country],
                        "created_at": now,
                        "requested_by_id": focal_of[country],
                        "requested_at": now,
                    }
                )
                officer = officers[referral_budget % len(officers)]
                fixture.referrals_by_officer.setdefault(officer, []).append(
                    (case_reference, str(referral_id))
                )
        for model, values in rows.items():
            if values:
                session.execute(insert(model), values)
        session.commit()
        if progress:
            done = min(first + chunk, count)
            rate = done / (time.perf_counter() - started)
            print(f"\r  preloaded {done:,}/{count:,} cases ({rate:,.0f}/s)", end="", flush=True)
    if progress:
        print()
    session.execute(
        insert(CaseReferenceCounter),
        [{"country": c, "year": year, "last_number": n} for c, n in numbers.items()],
    )
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # Fresh statistics and a visibility map after the bulk load, as autovacuum would
        # leave a real database: without the map, index-only scans (the list's counts) read
        # the heap as well, and the run would measure a state production does not stay in.
        engine = session.get_bind()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
