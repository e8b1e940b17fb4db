"""API tokens: the caller's own (create, shown once; list; revoke) and, for admins, every
account's (list, revoke; never a value). The same services and reads as the pages."""

from __future__ import annotations

import dataclasses

from flask import Response, g

from hrd_cases.api import bp
from hrd_cases.api.inputs import json_body, no_body
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.admin import CreatedTokenSchema, TokenInputSchema, TokenSchema
from hrd_cases.auth import accounts, messages
from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_actor, current_session, current_settings
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.http.errors import envelope
from hrd_cases.reads import accounts as account_reads

EVERY_ROLE = ("focal_point", "protection_officer", "analyst", "admin", "auditor")


def _row(user_id: int | None, token_id: int) -> dict[str, object]:
    rows = (
        account_reads.tokens_of(current_session(), user_id)
        if user_id is not None
        else account_reads.all_tokens(current_session())
    )
    return dataclasses.asdict(next(r for r in rows if r.id == token_id))


@operation(
    bp,
    "/account/tokens",
    "GET",
    summary="Your API tokens",
    tag="account",
    roles=EVERY_ROLE,
    response=TokenSchema,
    many=True,
)
def list_my_tokens() -> Response:
    rows = account_reads.tokens_of(current_session(), current_actor().id)
    return envelope(TokenSchema(many=True).dump([dataclasses.asdict(r) for r in rows]))


@operation(
    bp,
    "/account/tokens",
    "POST",
    summary="Create an API token (its value is answered once)",
    tag="account",
    roles=EVERY_ROLE,
    body=TokenInputSchema,
    response=CreatedTokenSchema,
    status=201,
    refusals=(409,),
)
def create_my_token() -> Response:
    user = current_actor()
    body = json_body(TokenInputSchema())
    row, value = accounts.create_api_token(
        current_session(),
        user,
        body["name"],
        days=body["days"],
        max_days=current_settings().api_token_max_days,
        actor_id=user.id,
    )
    data = {"token": _row(user.id, row.id), "value": value}
    return envelope(CreatedTokenSchema().dump(data), status=201)


def _refuse_the_calling_token(token_id: int) -> None:
    if g.get("api_token_id") == token_id:
        raise InvalidTransition(messages.TOKEN_IN_USE, rule="account.token_in_use")


@operation(
    bp,
    "/account/tokens/<int:token_id>/revoke",
    "POST",
    summary="Revoke one of your tokens",
    tag="account",
    roles=EVERY_ROLE,
    response=TokenSchema,
    refusals=(409,),
)
def revoke_my_token(token_id: int) -> Response:
    """Not the token this request uses (409, rule account.token_in_use): an automated client
    would lock itself out; revoke it from the account page or with another token."""
    user = current_actor()
    no_body()
    _refuse_the_calling_token(token_id)
    accounts.revoke_api_token(current_session(), token_id, actor_id=user.id, owner_id=user.id)
    return envelope(TokenSchema().dump(_row(user.id, token_id)))


@operation(
    bp,
    "/admin/tokens",
    "GET",
    summary="Every account's API tokens (never a value)",
    tag="admin",
    roles=("admin",),
    response=TokenSchema,
    many=True,
)
def admin_list_tokens() -> Response:
    require(current_actor(), Permission.ADMIN_USERS)
    rows = account_reads.all_tokens(current_session())
    return envelope(TokenSchema(many=True).dump([dataclasses.asdict(r) for r in rows]))


@operation(
    bp,
    "/admin/tokens/<int:token_id>/revoke",
    "POST",
    summary="Revoke any account's token",
    tag="admin",
    roles=("admin",),
    response=TokenSchema,
    refusals=(409,),
)
def admin_revoke_token(token_id: int) -> Response:
    """Not the token this request uses (409, rule account.token_in_use)."""
    user = current_actor()
    require(user, Permission.ADMIN_USERS)
    no_body()
    _refuse_the_calling_token(token_id)
    accounts.revoke_api_token(current_session(), token_id, actor_id=user.id)
    return envelope(TokenSchema().dump(_row(None, token_id)))
