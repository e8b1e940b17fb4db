"""What every API view needs from the request: the caller, the session, the vault."""

from __future__ import annotations

import uuid

from flask import g
from sqlalchemy.orm import Session

from hrd_cases.api.schemas.common import is_case_reference
from hrd_cases.auth.permissions import Permission, require
from hrd_cases.db import get_session
from hrd_cases.errors import NotFound
from hrd_cases.models import User
from hrd_cases.records import RecordVault, get_vault
from hrd_cases.runtime import current_strategies
from hrd_cases.workflow.templates import StrategyCatalogue


def caller() -> User:
    return g.api_user  # type: ignore[no-any-return]


def session() -> Session:
    return get_session()


def vault() -> RecordVault:
    return get_vault()


def catalogue() -> StrategyCatalogue:
    return current_strategies()


def case_reference(reference: str, permission: Permission) -> str:
    """The role check first (403), then the shape: a reference that cannot exist is answered
    like an absent case (404) without reaching the database."""
    require(caller(), permission)
    if not is_case_reference(reference):
        raise NotFound("no such case")
    return reference


def action_id(value: str) -> uuid.UUID:
    """A referral, hearing, consent or statement id: anything but a UUID is absent (404).
    Parsed here, not by the URL converter, so the login gate answers first (401)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("no such action") from None
