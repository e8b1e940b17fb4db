"""Parsing of path parameters every API operation shares: checked before the database."""

from __future__ import annotations

import uuid

from hrd_cases.api.schemas.common import is_case_reference
from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_actor
from hrd_cases.domain.errors import NotFound


def case_reference(reference: str, permission: Permission) -> str:
    """The role check first (403), then the shape: a reference that cannot exist is answered
    like an absent case (404) without reaching the database."""
    require(current_actor(), permission)
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
