"""Who am I: the caller's account, role, scope and permissions."""

from __future__ import annotations

from flask import Response

from hrd_cases.api import bp, presenters
from hrd_cases.api.inputs import json_body
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.account import (
    CalendarSettingsInputSchema,
    CalendarSettingsSchema,
    MeSchema,
)
from hrd_cases.auth.accounts import set_calendar_shows_court
from hrd_cases.auth.permissions import ROLE_PERMISSIONS, Permission, require
from hrd_cases.current import current_actor, current_session
from hrd_cases.http.errors import envelope

EVERY_ROLE = ("focal_point", "protection_officer", "analyst", "admin", "auditor")


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


CASE_READERS = ("focal_point", "protection_officer")


@operation(
    bp,
    "/me/calendar",
    "GET",
    summary="My calendar file setting",
    tag="account",
    roles=CASE_READERS,
    response=CalendarSettingsSchema,
)
def calendar_settings() -> Response:
    """Whether the caller's trial calendar file (/calendar.ics) names each hearing's court."""
    user = current_actor()
    require(user, Permission.CASE_READ)
    return envelope({"shows_court": user.calendar_shows_court})


@operation(
    bp,
    "/me/calendar",
    "PUT",
    summary="Choose whether my calendar file names the court",
    tag="account",
    roles=CASE_READERS,
    body=CalendarSettingsInputSchema,
    response=CalendarSettingsSchema,
)
def change_calendar_settings() -> Response:
    """The same choice as the account page, through the same service (audited)."""
    user = current_actor()
    require(user, Permission.CASE_READ)
    data = json_body(CalendarSettingsInputSchema())
    set_calendar_shows_court(current_session(), user, data["shows_court"])
    return envelope({"shows_court": user.calendar_shows_court})
