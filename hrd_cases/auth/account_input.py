"""Checks on the account fields an admin enters (shared by direct creation and invitation)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.domain.errors import FieldConflict, ValidationFailed
from hrd_cases.models import Delegation, Role


def country_code(code: str) -> str:
    code = code.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValidationFailed({"country": [f"{code!r} is not an ISO 3166-1 alpha-2 code"]})
    return code


def account_problems(email: str, display_name: str) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if "@" not in email or len(email) > 254:
        problems["email"] = ["Enter a valid email address."]
    if not display_name.strip() or len(display_name) > 120:
        problems["display_name"] = ["Enter a name of at most 120 characters."]
    return problems


def resolve_scope(
    session: Session, role: Role, delegation_code: str | None, countries: Iterable[str]
) -> tuple[Delegation | None, list[str], dict[str, list[str]]]:
    """The delegation and covered countries a role needs: a focal point belongs to one
    delegation, a protection officer covers at least one country; other roles have neither."""
    problems: dict[str, list[str]] = {}
    delegation = None
    if role is Role.FOCAL_POINT:
        if not delegation_code:
            problems["delegation"] = ["A focal point belongs to a delegation."]
        else:
            delegation = session.scalar(
                select(Delegation).where(Delegation.code == delegation_code.strip().upper())
            )
            # A delegation that does not exist is not bad input: require_known_delegation.
    try:
        codes = sorted({country_code(c) for c in countries if c.strip()})
    except ValidationFailed as exc:
        problems.update(exc.messages)
        codes = []
    if role is Role.PROTECTION_OFFICER and not codes and "country" not in problems:
        problems["countries"] = ["A protection officer covers at least one country."]
    return delegation, codes, problems


def require_known_delegation(
    role: Role, delegation_code: str | None, delegation: Delegation | None
) -> None:
    """After the input is found well formed: a focal point's delegation must exist."""
    if role is Role.FOCAL_POINT and delegation_code and delegation is None:
        raise FieldConflict(
            {"delegation": [f"No delegation {delegation_code}."]}, rule="account.no_delegation"
        )
