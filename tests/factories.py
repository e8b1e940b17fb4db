"""Small factories for tests: valid objects with overridable fields, saved and committed."""

from __future__ import annotations

import itertools
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from hrd_cases.models import Delegation, Role, User, UserCountry

DEFAULT_PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


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
    **fields: Any,
) -> User:
    n = next(_sequence)
    if role is Role.FOCAL_POINT and "delegation" not in fields:
        fields["delegation"] = make_delegation(session)
    hasher = current_app.extensions["hrd_password_hasher"]
    user = User(
        email=fields.pop("email", f"user{n}@example.org"),
        display_name=fields.pop("display_name", f"User {n}"),
        role=role,
        password_hash=hasher.hash(password),
        **fields,
    )
    user.covered_countries = [UserCountry(country=c) for c in countries]
    session.add(user)
    session.commit()
    return user
