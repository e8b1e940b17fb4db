"""Who am I: the caller's account, role, scope and permissions."""

from __future__ import annotations

import json

from flask import Response

from hrd_cases.api import bp, presenters
from hrd_cases.api.inputs import json_body
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.account import (
    CalendarSettingsInputSchema,
    CalendarSettingsSchema,
    KeyRegistrationOptionsSchema,
    KeyRegistrationSchema,
    LanguageSettingsInputSchema,
    LanguageSettingsSchema,
    MeSchema,
    SecurityKeySchema,
)
from hrd_cases.auth import messages
from hrd_cases.auth import security_keys as keys
from hrd_cases.auth.accounts import set_calendar_shows_court, set_preferred_language
from hrd_cases.auth.permissions import ROLE_PERMISSIONS, Permission, require
from hrd_cases.current import current_actor, current_session, current_settings
from hrd_cases.domain.errors import InvalidTransition, NotFound
from hrd_cases.domain.languages import language_or_none
from hrd_cases.http.errors import envelope
from hrd_cases.models import User

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


# Interface language: the same service as the account page and the footer's switcher ----------
@operation(
    bp,
    "/me/language",
    "GET",
    summary="My interface language",
    tag="account",
    roles=EVERY_ROLE,
    response=LanguageSettingsSchema,
)
def language_settings() -> Response:
    """The language chosen for the caller's pages and e-mails; null follows the browser."""
    return envelope({"language": current_actor().preferred_language})


@operation(
    bp,
    "/me/language",
    "PUT",
    summary="Choose my interface language",
    tag="account",
    roles=EVERY_ROLE,
    body=LanguageSettingsInputSchema,
    response=LanguageSettingsSchema,
)
def change_language_settings() -> Response:
    """The same choice as the account page, through the same service (audited)."""
    user = current_actor()
    data = json_body(LanguageSettingsInputSchema())
    set_preferred_language(current_session(), user, language_or_none(data["language"]))
    return envelope({"language": user.preferred_language})


# Security keys: the same service as the account page ------------------------------------------
def _key_list(user: User) -> list[dict[str, object]]:
    return SecurityKeySchema(many=True).dump(keys.list_keys(user))


@operation(
    bp,
    "/account/security-keys",
    "GET",
    summary="List my security keys",
    tag="account",
    roles=EVERY_ROLE,
    response=SecurityKeySchema,
    many=True,
)
def list_security_keys() -> Response:
    """The caller's registered keys (names, dates, counter, backup flags)."""
    return envelope(_key_list(current_actor()))


@operation(
    bp,
    "/account/security-keys/registration",
    "POST",
    summary="Begin registering a security key",
    tag="account",
    roles=EVERY_ROLE,
    response=KeyRegistrationOptionsSchema,
)
def begin_security_key_registration() -> Response:
    """Options for navigator.credentials.create() and a state token valid five minutes."""
    ceremony = keys.begin_registration(current_settings(), current_actor())
    return envelope({"options": json.loads(ceremony.options_json), "state": ceremony.state})


@operation(
    bp,
    "/account/security-keys",
    "POST",
    summary="Finish registering a security key",
    tag="account",
    roles=EVERY_ROLE,
    body=KeyRegistrationSchema,
    response=SecurityKeySchema,
    status=201,
    refusals=(409,),
)
def finish_security_key_registration() -> Response:
    """Verifies the attestation ("none") against the configured RP ID and origin. The answer
    must fit the ceremony begun at /account/security-keys/registration (its state token, for
    this account, within five minutes, its challenge signed by the key): a rule of that
    earlier step, which no schema can state, so a failure is a 409 (rule
    account.key_registration), not a field error."""
    data = json_body(KeyRegistrationSchema())
    try:
        key, _codes = keys.finish_registration(
            current_session(),
            current_settings(),
            current_actor(),
            data["state"],
            json.dumps(data["credential"]),
            data["name"],
        )
    except keys.SecurityKeyError:
        raise InvalidTransition(
            messages.KEY_NOT_REGISTERED, rule="account.key_registration"
        ) from None
    return envelope(SecurityKeySchema().dump(key), status=201)


@operation(
    bp,
    "/account/security-keys/<int:key_id>",
    "DELETE",
    summary="Remove one of my security keys",
    tag="account",
    roles=EVERY_ROLE,
    response=SecurityKeySchema,
    many=True,
    refusals=(404, 409),
)
def remove_security_key(key_id: int) -> Response:
    """Never the last second factor; answers the keys that remain."""
    user = current_actor()
    try:
        keys.remove_key(current_session(), current_settings(), user, key_id)
    except LookupError:
        raise NotFound("no such key") from None
    except keys.LastFactorError:
        raise InvalidTransition(messages.LAST_FACTOR, rule="account.last_factor") from None
    return envelope(_key_list(user))
