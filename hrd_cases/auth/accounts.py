"""Account and delegation administration (used by the CLI and the admin pages).

Changes that alter what a user may do (role, deactivation, password, second-factor reset) end
every session of that user in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from hrd_cases import audit
from hrd_cases.auth.password_policy import password_problems
from hrd_cases.auth.passwords import verify_password
from hrd_cases.auth.service import end_all_sessions, hash_token
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain.errors import NotFound, ValidationFailed
from hrd_cases.models import ApiToken, Delegation, RecoveryCode, Role, User, UserCountry
from hrd_cases.notify.events import account_changed

TOKEN_LAST_USED_GRANULARITY = timedelta(seconds=60)
API_TOKEN_PREFIX = "hrdpat_"  # noqa: S105 - a public prefix, lets scanners spot leaked tokens


def _country(code: str) -> str:
    code = code.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValidationFailed({"country": [f"{code!r} is not an ISO 3166-1 alpha-2 code"]})
    return code


def create_delegation(
    session: Session, code: str, name: str, country: str, *, actor_id: int | None = None
) -> Delegation:
    with write_transaction(session):
        code = code.strip().upper()
        if session.scalar(select(Delegation).where(Delegation.code == code)) is not None:
            raise ValidationFailed({"code": [f"delegation {code} already exists"]})
        delegation = Delegation(code=code, name=name.strip(), country=_country(country))
        session.add(delegation)
        session.flush()
        audit.record(
            session,
            "delegation.create",
            actor_id=actor_id,
            object_type="delegation",
            object_id=code,
            details={"country": delegation.country},
        )
    return delegation


def create_user(
    session: Session,
    hasher: PasswordHasher,
    *,
    email: str,
    display_name: str,
    role: Role,
    password: str,
    delegation_code: str | None = None,
    countries: Iterable[str] = (),
    actor_id: int | None = None,
) -> User:
    problems: dict[str, list[str]] = {}
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        problems["email"] = ["Enter a valid email address."]
    if password_issues := password_problems(password, email=email, display_name=display_name):
        problems["password"] = password_issues
    delegation = None
    if role is Role.FOCAL_POINT:
        if not delegation_code:
            problems["delegation"] = ["A focal point belongs to a delegation."]
        else:
            delegation = session.scalar(
                select(Delegation).where(Delegation.code == delegation_code.strip().upper())
            )
            if delegation is None:
                problems["delegation"] = [f"No delegation {delegation_code}."]
    codes = sorted({_country(c) for c in countries})
    if role is Role.PROTECTION_OFFICER and not codes:
        problems["countries"] = ["A protection officer covers at least one country."]
    if problems:
        raise ValidationFailed(problems)
    password_hash = hasher.hash(password)  # slow on purpose: before the write lock, not under it
    with write_transaction(session):
        if session.scalar(select(User).where(User.email == email)) is not None:
            raise ValidationFailed({"email": ["An account with this email already exists."]})
        user = User(
            email=email,
            display_name=display_name.strip(),
            role=role,
            password_hash=password_hash,
            delegation=delegation,
            password_changed_at=utcnow(),
        )
        user.covered_countries = [UserCountry(country=c) for c in codes]
        session.add(user)
        session.flush()
        audit.record(
            session,
            "user.create",
            actor_id=actor_id,
            object_type="user",
            object_id=user.id,
            details={"role": role.value},
        )
    return user


def find_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound("no such user")
    return user


def set_active(session: Session, user: User, active: bool, *, actor_id: int | None = None) -> None:
    with write_transaction(session):
        session.refresh(user)
        user.is_active = active
        if not active:
            end_all_sessions(session, user.id, "deactivated")
        audit.record(
            session,
            "user.enable" if active else "user.disable",
            actor_id=actor_id,
            object_type="user",
            object_id=user.id,
        )


def change_role(
    session: Session,
    user: User,
    role: Role,
    *,
    delegation_code: str | None = None,
    countries: Iterable[str] = (),
    actor_id: int | None = None,
) -> None:
    with write_transaction(session):
        session.refresh(user)
        user.role = role
        if delegation_code is not None:
            user.delegation = session.scalar(
                select(Delegation).where(Delegation.code == delegation_code.upper())
            )
        user.covered_countries = [UserCountry(country=_country(c)) for c in set(countries)]
        end_all_sessions(session, user.id, "role_changed")
        audit.record(
            session,
            "user.role_change",
            actor_id=actor_id,
            object_type="user",
            object_id=user.id,
            details={"role": role.value},
        )


def reset_second_factor(session: Session, user: User, *, actor_id: int | None = None) -> None:
    """The user enrols again at the next sign-in; every session and recovery code ends now."""
    with write_transaction(session):
        session.refresh(user)
        user.totp_secret_ciphertext = None
        user.totp_enrolled_at = None
        user.totp_last_step = None
        for code in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
            session.delete(code)
        end_all_sessions(session, user.id, "second_factor_reset")
        # A 2FA reset usually means a lost or seized phone: API tokens go with the sessions.
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        audit.record(
            session,
            "user.second_factor.reset",
            actor_id=actor_id,
            object_type="user",
            object_id=user.id,
        )
        account_changed(session, user, "second_factor_reset")


def change_password(
    session: Session, hasher: PasswordHasher, user: User, current: str, new: str
) -> dict[str, list[str]]:
    """Returns field errors (empty on success). Other browsers are signed out; this one stays."""
    if not verify_password(hasher, user.password_hash, current):
        return {"current_password": ["This is not your current password."]}
    if problems := password_problems(new, email=user.email, display_name=user.display_name):
        return {"new_password": problems}
    if verify_password(hasher, user.password_hash, new):
        return {"new_password": ["Choose a password different from the current one."]}
    token = user.session_token
    new_hash = hasher.hash(new)  # before the write lock, not under it
    with write_transaction(session):
        session.refresh(user)
        user.password_hash = new_hash
        user.password_changed_at = utcnow()
        end_all_sessions(session, user.id, "password_changed", keep_token=token)
        audit.record(
            session,
            "account.password.change",
            actor_id=user.id,
            object_type="user",
            object_id=user.id,
        )
        account_changed(session, user, "password_changed")
    user.session_token = token
    return {}


# API tokens ------------------------------------------------------------------------------------
def create_api_token(
    session: Session,
    user: User,
    name: str,
    *,
    days: int,
    max_days: int,
    actor_id: int | None = None,
) -> tuple[ApiToken, str]:
    """A personal access token, shown once; only its hash is kept."""
    if not 1 <= days <= max_days:
        raise ValidationFailed({"days": [f"between 1 and {max_days}"]})
    with write_transaction(session):
        token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = ApiToken(
            user_id=user.id,
            name=name.strip()[:80] or "token",
            prefix=token[:12],
            token_hash=hash_token(token),
            expires_at=utcnow() + timedelta(days=days),
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            "api_token.create",
            actor_id=actor_id or user.id,
            object_type="api_token",
            object_id=row.id,
            details={"user": user.id, "days": days},
        )
        account_changed(session, user, "api_token_created")
    return row, token


def revoke_api_token(session: Session, token_id: int, *, actor_id: int | None = None) -> ApiToken:
    with write_transaction(session):
        row = session.get(ApiToken, token_id)
        if row is None:
            raise NotFound("no such token")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            audit.record(
                session,
                "api_token.revoke",
                actor_id=actor_id,
                object_type="api_token",
                object_id=row.id,
            )
    return row


def user_for_api_token(session: Session, token: str) -> User | None:
    if not token.startswith(API_TOKEN_PREFIX) or len(token) > 128:
        return None
    # The user comes in the same statement: every API request pays for this lookup.
    row = session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == hash_token(token))
        .options(joinedload(ApiToken.user))
    )
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if not row.user.is_active:
        return None
    if row.last_used_at is None or now - row.last_used_at > TOKEN_LAST_USED_GRANULARITY:
        # Lets users spot a token they no longer use; written at most once a minute. Write
        # lock first (a stale SQLite read snapshot cannot become a writer).
        with write_transaction(session):
            session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return row.user
