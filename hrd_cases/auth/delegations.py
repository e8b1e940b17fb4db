"""Delegations and embassies: create and edit them (the admin pages, the API and the CLI).

A delegation's time zone places its hearings and its users' 07:00 digests, so a new
delegation names one (an IANA zone); its observation partners say which embassies share
trial observation with it ("EU" for the Delegation, or a Member State's country code).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.db import write_transaction
from hrd_cases.domain.errors import FieldConflict, NotFound, ValidationFailed
from hrd_cases.domain.vocabulary import COUNTRY_CODES
from hrd_cases.models import Delegation, DelegationObservationPartner
from hrd_cases.timezones import is_time_zone

MAX_CODE_LENGTH = 32
MAX_NAME_LENGTH = 200
EU_DELEGATION = "EU"


# Field problems (translated at run time, in the asker's language).
def _code_problem() -> str:
    return _("Enter a code of letters, digits and hyphens (at most 32).")


def _zone_missing() -> str:
    return _("Choose the delegation's time zone (an IANA name such as Africa/Nairobi).")


def _code(raw: str, problems: dict[str, list[str]]) -> str:
    code = raw.strip().upper()
    allowed = code.isascii() and all(c.isalnum() or c == "-" for c in code)
    if not code or len(code) > MAX_CODE_LENGTH or not allowed:
        problems["code"] = [_code_problem()]
    return code


def _checked(
    name: str, country: str, time_zone: str | None, partners: Iterable[str]
) -> tuple[str, str, str | None, list[str], dict[str, list[str]]]:
    problems: dict[str, list[str]] = {}
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        problems["name"] = [_("Enter a name of at most 200 characters.")]
    country = country.strip().upper()
    if country not in COUNTRY_CODES:
        problems["country"] = [
            _("%(value)s is not an ISO 3166-1 alpha-2 country code.", value=repr(country))
        ]
    zone = (time_zone or "").strip() or None
    if zone is not None and not is_time_zone(zone):
        problems["time_zone"] = [_("%(value)s is not an IANA time zone.", value=repr(zone))]
    codes = sorted({p.strip().upper() for p in partners if p.strip()})
    strangers = [c for c in codes if c != EU_DELEGATION and c not in COUNTRY_CODES]
    if strangers:
        problems["observation_partners"] = [
            _("%(value)s is neither EU nor an ISO 3166-1 alpha-2 country code.", value=repr(c))
            for c in strangers
        ]
    return name, country, zone, codes, problems


def _partners(codes: list[str]) -> list[DelegationObservationPartner]:
    return [DelegationObservationPartner(embassy=c) for c in codes]


def _details(delegation: Delegation) -> dict[str, str | None]:
    """What the audit keeps: categories and the zone, never who works there."""
    return {
        "country": delegation.country,
        "time_zone": delegation.time_zone,
        "partners": ",".join(delegation.partner_codes) or None,
    }


def create_delegation(
    session: Session,
    code: str,
    name: str,
    country: str,
    *,
    time_zone: str | None,
    observation_partners: Iterable[str] = (),
    actor_id: int | None = None,
) -> Delegation:
    problems: dict[str, list[str]] = {}
    code = _code(code, problems)
    name, country, zone, partners, more = _checked(name, country, time_zone, observation_partners)
    problems.update(more)
    if zone is None and "time_zone" not in problems:
        problems["time_zone"] = [_zone_missing()]
    if problems:
        raise ValidationFailed(problems)
    with write_transaction(session):
        if session.scalar(select(Delegation.id).where(Delegation.code == code)) is not None:
            raise FieldConflict(
                {"code": [_("Delegation %(code)s already exists.", code=code)]},
                rule="delegation.code_taken",
            )
        delegation = Delegation(code=code, name=name, country=country, time_zone=zone)
        delegation.observation_partners = _partners(partners)
        session.add(delegation)
        session.flush()
        audit.record(
            session,
            "delegation.create",
            actor_id=actor_id,
            object_type="delegation",
            object_id=code,
            details=_details(delegation),
        )
    return delegation


def update_delegation(
    session: Session,
    code: str,
    *,
    name: str,
    country: str,
    time_zone: str,
    observation_partners: Iterable[str],
    actor_id: int | None = None,
) -> Delegation:
    """Every editable field at once (the form shows them all). The code never changes: it
    is how people and the CLI name a delegation."""
    name, country, zone, partners, problems = _checked(
        name, country, time_zone, observation_partners
    )
    if zone is None and "time_zone" not in problems:
        problems["time_zone"] = [_zone_missing()]
    if problems or zone is None:
        raise ValidationFailed(problems)
    with write_transaction(session):
        delegation = session.scalar(
            select(Delegation).where(Delegation.code == code.strip().upper()).with_for_update()
        )
        if delegation is None:
            raise NotFound("no such delegation")
        delegation.name, delegation.country, delegation.time_zone = name, country, zone
        # Keep the rows that stay: a row deleted and re-added under the same key in one flush
        # would be two statements on one primary key.
        kept = [p for p in delegation.observation_partners if p.embassy in partners]
        added = [c for c in partners if c not in {p.embassy for p in kept}]
        delegation.observation_partners = kept + _partners(added)
        session.flush()
        audit.record(
            session,
            "delegation.update",
            actor_id=actor_id,
            object_type="delegation",
            object_id=delegation.code,
            details=_details(delegation),
        )
    return delegation
