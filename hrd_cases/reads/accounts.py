"""What the account administration screens and API answers show: users with their scope and
state, delegations with their users. Never a password hash, a secret or a token value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from hrd_cases.db import utcnow
from hrd_cases.domain.errors import NotFound
from hrd_cases.models import AccountLink, ApiToken, Delegation, Role, User, UserSession


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: int
    email: str
    display_name: str
    role: Role
    delegation: str | None
    countries: list[str]
    is_active: bool
    has_second_factor: bool
    has_password: bool  # False while an invitation is pending
    open_sessions: int
    pending_link: str | None  # purpose of a usable link, if any
    created_at: datetime


def _row(user: User, sessions: int, pending: str | None) -> AccountRow:
    return AccountRow(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        delegation=user.delegation.code if user.delegation else None,
        countries=user.country_codes,
        is_active=user.is_active,
        has_second_factor=user.has_second_factor,
        has_password=user.password_changed_at is not None,
        open_sessions=sessions,
        pending_link=pending,
        created_at=user.created_at,
    )


def _open_sessions(session: Session, user_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(UserSession.user_id, func.count())
        .where(UserSession.user_id.in_(user_ids), UserSession.ended_at.is_(None))
        .group_by(UserSession.user_id)
    )
    return {user_id: n for user_id, n in rows}


def _pending_links(session: Session, user_ids: list[int]) -> dict[int, str]:
    rows = session.execute(
        select(AccountLink.user_id, AccountLink.purpose).where(
            AccountLink.user_id.in_(user_ids),
            AccountLink.used_at.is_(None),
            AccountLink.revoked_at.is_(None),
            AccountLink.expires_at > utcnow(),
        )
    )
    return {user_id: purpose for user_id, purpose in rows}


def account_list(session: Session) -> list[AccountRow]:
    """Every account (a few hundred at most), in three statements whatever their number."""
    users = session.scalars(
        select(User)
        .options(selectinload(User.delegation), selectinload(User.covered_countries))
        .order_by(User.email)
    ).all()
    ids = [u.id for u in users]
    sessions, pending = _open_sessions(session, ids), _pending_links(session, ids)
    return [_row(u, sessions.get(u.id, 0), pending.get(u.id)) for u in users]


def account(session: Session, user_id: int) -> AccountRow:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such account")
    return _row(
        user,
        _open_sessions(session, [user_id]).get(user_id, 0),
        _pending_links(session, [user_id]).get(user_id),
    )


@dataclass(frozen=True, slots=True)
class DelegationMember:
    id: int
    email: str
    display_name: str
    role: Role
    is_active: bool


@dataclass(frozen=True, slots=True)
class DelegationRow:
    code: str
    name: str
    country: str
    time_zone: str
    observation_partners: list[str]
    users: list[DelegationMember]
    created_at: datetime


def _delegation_row(delegation: Delegation) -> DelegationRow:
    return DelegationRow(
        code=delegation.code,
        name=delegation.name,
        country=delegation.country,
        time_zone=delegation.time_zone,
        observation_partners=delegation.partner_codes,
        users=[
            DelegationMember(u.id, u.email, u.display_name, u.role, u.is_active)
            for u in sorted(delegation.users, key=lambda u: u.email)
        ],
        created_at=delegation.created_at,
    )


def _delegations(session: Session, code: str | None = None) -> list[DelegationRow]:
    """Three statements whatever the number of delegations and users."""
    statement = (
        select(Delegation)
        .options(selectinload(Delegation.users), selectinload(Delegation.observation_partners))
        .order_by(Delegation.code)
    )
    if code is not None:
        statement = statement.where(Delegation.code == code.strip().upper())
    return [_delegation_row(d) for d in session.scalars(statement)]


def delegation_list(session: Session) -> list[DelegationRow]:
    """Every delegation with its users (focal points belong to one)."""
    return _delegations(session)


def delegation(session: Session, code: str) -> DelegationRow:
    found = _delegations(session, code)
    if not found:
        raise NotFound("no such delegation")
    return found[0]


def delegation_codes(session: Session) -> list[tuple[str, str]]:
    return [
        (d.code, f"{d.code} · {d.name}")
        for d in session.scalars(select(Delegation).order_by(Delegation.code))
    ]


@dataclass(frozen=True, slots=True)
class TokenRow:
    """A personal access token as listed: its name and prefix, never its value or hash."""

    id: int
    user_id: int
    owner: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    state: str  # active | expired | revoked


def _token_rows(session: Session, user_id: int | None) -> list[TokenRow]:
    statement = (
        select(ApiToken, User.email)
        .join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    if user_id is not None:
        statement = statement.where(ApiToken.user_id == user_id)
    now = utcnow()
    rows = []
    for token, email in session.execute(statement):
        state = (
            "revoked"
            if token.revoked_at is not None
            else "expired"
            if token.expires_at <= now
            else "active"
        )
        rows.append(
            TokenRow(
                id=token.id,
                user_id=token.user_id,
                owner=email,
                name=token.name,
                prefix=token.prefix,
                created_at=token.created_at,
                expires_at=token.expires_at,
                last_used_at=token.last_used_at,
                revoked_at=token.revoked_at,
                state=state,
            )
        )
    return rows


def tokens_of(session: Session, user_id: int) -> list[TokenRow]:
    return _token_rows(session, user_id)


def all_tokens(session: Session) -> list[TokenRow]:
    """Every account's tokens, for admins (who may revoke any, and never see a value)."""
    return _token_rows(session, None)
