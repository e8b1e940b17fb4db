"""Account and delegation administration (admins only): the same services and reads as
the admin pages. An API call is its own confirmation: the client sent a deliberate,
authenticated request."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from flask import Response, url_for

from hrd_cases.api import bp
from hrd_cases.api.inputs import json_body, no_body
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.admin import (
    AccountSchema,
    DelegationInputSchema,
    DelegationSchema,
    DelegationUpdateSchema,
    InvitationInputSchema,
    IssuedLinkSchema,
    ScopeInputSchema,
    SessionsEndedSchema,
)
from hrd_cases.auth import accounts, delegations, links
from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import (
    current_actor,
    current_hasher,
    current_session,
    current_settings,
    current_vault,
)
from hrd_cases.domain.errors import NotFound
from hrd_cases.http.errors import envelope
from hrd_cases.models import User
from hrd_cases.reads import accounts as account_reads
from hrd_cases.records import RecordVault

ADMIN = ("admin",)


def _admin_id() -> int:
    actor = current_actor()
    require(actor, Permission.ADMIN_USERS)
    return actor.id


def _user(user_id: int) -> User:
    user = current_session().get(User, user_id)
    if user is None:
        raise NotFound("no such account")
    return user


def _account(user_id: int) -> dict[str, Any]:
    return dataclasses.asdict(account_reads.account(current_session(), user_id))


def _email_with() -> RecordVault | None:
    """Where e-mail is configured, links go by e-mail and the answer never carries them."""
    return current_vault() if current_settings().emails_account_links else None


def _issued(issued: links.IssuedLink, status: int = 200) -> Response:
    link = (
        None if issued.emailed else url_for("auth.account_link", token=issued.token, _external=True)
    )
    data = {
        "account": _account(issued.user.id),
        "purpose": issued.purpose.value,
        "delivery": "email" if issued.emailed else "answer",
        "link": link,
        "expires_at": issued.expires_at,
    }
    return envelope(IssuedLinkSchema().dump(data), status=status)


@operation(
    bp,
    "/admin/accounts",
    "GET",
    summary="List accounts",
    tag="admin",
    roles=ADMIN,
    response=AccountSchema,
    many=True,
)
def admin_list_accounts() -> Response:
    _admin_id()
    rows = account_reads.account_list(current_session())
    return envelope(AccountSchema(many=True).dump([dataclasses.asdict(r) for r in rows]))


@operation(
    bp,
    "/admin/accounts/<int:user_id>",
    "GET",
    summary="One account",
    tag="admin",
    roles=ADMIN,
    response=AccountSchema,
)
def admin_get_account(user_id: int) -> Response:
    _admin_id()
    return envelope(AccountSchema().dump(_account(user_id)))


@operation(
    bp,
    "/admin/invitations",
    "POST",
    summary="Invite a user (single-use link: e-mailed if e-mail is configured, else answered)",
    tag="admin",
    roles=ADMIN,
    body=InvitationInputSchema,
    response=IssuedLinkSchema,
    status=201,
    refusals=(409,),
)
def admin_invite() -> Response:
    actor_id = _admin_id()
    body = json_body(InvitationInputSchema())
    issued = links.invite_user(
        current_session(),
        current_hasher(),
        email=body["email"],
        display_name=body["display_name"],
        role=body["role"],
        delegation_code=body["delegation"],
        countries=body["countries"],
        valid_for=timedelta(hours=current_settings().invitation_hours),
        actor_id=actor_id,
        email_with=_email_with(),
    )
    return _issued(issued, status=201)


@operation(
    bp,
    "/admin/accounts/<int:user_id>/scope",
    "PATCH",
    summary="Change role or scope",
    tag="admin",
    roles=ADMIN,
    body=ScopeInputSchema,
    response=AccountSchema,
    refusals=(409,),
)
def admin_change_scope(user_id: int) -> Response:
    actor_id = _admin_id()
    body = json_body(ScopeInputSchema())
    accounts.change_role(
        current_session(),
        _user(user_id),
        body["role"],
        delegation_code=body["delegation"],
        countries=body["countries"],
        actor_id=actor_id,
    )
    return envelope(AccountSchema().dump(_account(user_id)))


@operation(
    bp,
    "/admin/accounts/<int:user_id>/disable",
    "POST",
    summary="Disable an account",
    tag="admin",
    roles=ADMIN,
    response=AccountSchema,
    refusals=(409,),
)
def admin_disable(user_id: int) -> Response:
    actor_id = _admin_id()
    no_body()
    accounts.set_active(current_session(), _user(user_id), False, actor_id=actor_id)
    return envelope(AccountSchema().dump(_account(user_id)))


@operation(
    bp,
    "/admin/accounts/<int:user_id>/enable",
    "POST",
    summary="Enable an account",
    tag="admin",
    roles=ADMIN,
    response=AccountSchema,
)
def admin_enable(user_id: int) -> Response:
    actor_id = _admin_id()
    no_body()
    accounts.set_active(current_session(), _user(user_id), True, actor_id=actor_id)
    return envelope(AccountSchema().dump(_account(user_id)))


@operation(
    bp,
    "/admin/accounts/<int:user_id>/end-sessions",
    "POST",
    summary="Sign an account out everywhere",
    tag="admin",
    roles=ADMIN,
    response=SessionsEndedSchema,
)
def admin_end_sessions(user_id: int) -> Response:
    actor_id = _admin_id()
    no_body()
    ended = accounts.end_sessions(current_session(), _user(user_id), actor_id=actor_id)
    return envelope(
        SessionsEndedSchema().dump({"account": _account(user_id), "sessions_ended": ended})
    )


@operation(
    bp,
    "/admin/accounts/<int:user_id>/reset-second-factor",
    "POST",
    summary="Reset the second factor (answers a fresh enrolment link, once)",
    tag="admin",
    roles=ADMIN,
    response=IssuedLinkSchema,
)
def admin_reset_second_factor(user_id: int) -> Response:
    actor_id = _admin_id()
    no_body()
    issued = accounts.reset_second_factor(
        current_session(),
        _user(user_id),
        actor_id=actor_id,
        enrolment_valid_for=timedelta(hours=current_settings().invitation_hours),
        email_with=_email_with(),
    )
    return _issued(issued)


@operation(
    bp,
    "/admin/accounts/<int:user_id>/reset-password",
    "POST",
    summary="Issue a password-reset link (answered once)",
    tag="admin",
    roles=ADMIN,
    response=IssuedLinkSchema,
)
def admin_reset_password(user_id: int) -> Response:
    actor_id = _admin_id()
    no_body()
    issued = links.issue_link(
        current_session(),
        _user(user_id),
        links.LinkPurpose.PASSWORD_RESET,
        timedelta(minutes=current_settings().password_reset_minutes),
        actor_id=actor_id,
        email_with=_email_with(),
    )
    return _issued(issued)


# Delegations -----------------------------------------------------------------------------------
def _delegation(code: str) -> dict[str, Any]:
    return DelegationSchema().dump(
        dataclasses.asdict(account_reads.delegation(current_session(), code))
    )


@operation(
    bp,
    "/admin/delegations",
    "GET",
    summary="List delegations with their users",
    tag="admin",
    roles=ADMIN,
    response=DelegationSchema,
    many=True,
)
def admin_list_delegations() -> Response:
    _admin_id()
    rows = account_reads.delegation_list(current_session())
    return envelope(DelegationSchema(many=True).dump([dataclasses.asdict(r) for r in rows]))


@operation(
    bp,
    "/admin/delegations/<code>",
    "GET",
    summary="One delegation with its users",
    tag="admin",
    roles=ADMIN,
    response=DelegationSchema,
)
def admin_get_delegation(code: str) -> Response:
    _admin_id()
    return envelope(_delegation(code))


@operation(
    bp,
    "/admin/delegations",
    "POST",
    summary="Add a delegation (its time zone is required)",
    tag="admin",
    roles=ADMIN,
    body=DelegationInputSchema,
    response=DelegationSchema,
    status=201,
    refusals=(409,),
)
def admin_create_delegation() -> Response:
    actor_id = _admin_id()
    body = json_body(DelegationInputSchema())
    created = delegations.create_delegation(
        current_session(),
        body["code"],
        body["name"],
        body["country"],
        time_zone=body["time_zone"],
        observation_partners=body["observation_partners"],
        actor_id=actor_id,
    )
    return envelope(_delegation(created.code), status=201)


@operation(
    bp,
    "/admin/delegations/<code>",
    "PUT",
    summary="Edit a delegation: name, country, time zone, observation partners",
    tag="admin",
    roles=ADMIN,
    body=DelegationUpdateSchema,
    response=DelegationSchema,
)
def admin_update_delegation(code: str) -> Response:
    actor_id = _admin_id()
    body = json_body(DelegationUpdateSchema())
    updated = delegations.update_delegation(
        current_session(),
        code,
        name=body["name"],
        country=body["country"],
        time_zone=body["time_zone"],
        observation_partners=body["observation_partners"],
        actor_id=actor_id,
    )
    return envelope(_delegation(updated.code))
