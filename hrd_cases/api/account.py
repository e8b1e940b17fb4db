"""Who am I: the caller's account, role, scope and permissions."""

from __future__ import annotations

from flask import Response

from hrd_cases.api import bp, presenters
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.account import MeSchema
from hrd_cases.auth.permissions import ROLE_PERMISSIONS
from hrd_cases.current import current_actor
from hrd_cases.http.errors import envelope

EVERY_ROLE = ("focal_point", "protection_officer", "analyst", "admin")


@operation(
    bp,
    "/me",
    "GET",
    summary="Who am I",
    tag="account",
    roles=EVERY_ROLE,
    response=MeSchema,
)
def me() -> Response:
    """The account the bearer token belongs to, its delegation or covered countries."""
    user = current_actor()
    permissions = sorted(p.value for p in ROLE_PERMISSIONS.get(user.role, frozenset()))
    return envelope(MeSchema().dump(presenters.me(user, permissions)))
