"""Account and delegation administration (used by the CLI and the admin pages).

Changes that alter what a user may do (role, deactivation, password, second-factor reset) end
every session of that user in the same transaction.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Iterable
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from hrd_cases import audit
from hrd_cases.auth.account_input import (
    account_problems,
    require_known_delegation,
    resolve_scope,
)
from hrd_cases.auth.links import (
    IssuedLink,
    LinkPurpose,
    add_link,
    revoke_links,
    send_by_email,
)
from hrd_cases.auth.password_policy import password_problems
from hrd_cases.auth.passwords import verify_password
from hrd_cases.auth.service import end_all_sessions, hash_token
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain.errors import FieldConflict, InvalidTransition, NotFound, ValidationFailed
from hrd_cases.domain.languages import Language
from hrd_cases.models import ApiToken, RecoveryCode, Role, User, UserCountry
from hrd_cases.notify.events import account_changed
from hrd_cases.records import RecordVault

TOKEN_LAST_USED_GRANULARITY = timedelta(seconds=60)
API_TOKEN_PREFIX = "hrdpat_"  # noqa: S105 - a public prefix, lets scanners spot leaked tokens


class AdminGuard(enum.StrEnum):
    """Rules that keep the system administrable; each names the refusal in a 409 answer."""

    OWN_ROLE = "user.own_role"
    OWN_ACCOUNT = "user.own_account"
    LAST_ADMIN = "user.last_admin"


def _guard_admin_change(
    session: Session, user: User, actor_id: int | None, *, removes_admin: bool, own: AdminGuard
) -> None:
    """Refuse a change an admin makes to their own role or account, and any change that would
    leave no active admin. Runs inside the write transaction (which rolls back on refusal),
    so two admins demoting each other at once cannot both succeed."""
    if actor_id is not None and actor_id == user.id:
        raise InvalidTransition("an admin cannot make this change to their own account", rule=own)
    if removes_admin and user.role is Role.ADMIN and user.is_active:
        # Lock every active admin row (PostgreSQL): concurrent removals queue up here.
        admins = session.scalars(
            select(User.id)
            .where(User.role == Role.ADMIN, User.is_active.is_(True))
            .with_for_update()
        ).all()
        if not [admin_id for admin_id in admins if admin_id != user.id]:
            raise InvalidTransition(
                "the last active admin cannot be removed", rule=AdminGuard.LAST_ADMIN
            )


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
    email = email.strip().lower()
    problems = account_problems(email, display_name)
    if password_issues := password_problems(password, email=email, display_name=display_name):
        problems["password"] = password_issues
    delegation, codes, scope_problems = resolve_scope(session, role, delegation_code, countries)
    problems.update(scope_problems)
    if problems:
        raise ValidationFailed(problems)
    require_known_delegation(role, delegation_code, delegation)
    password_hash = hasher.hash(password)  # slow on purpose: before the write lock, not under it
    with write_transaction(session):
        if session.scalar(select(User).where(User.email == email)) is not None:
            raise FieldConflict(
                {"email": ["An account with this email already exists."]},
                rule="account.email_taken",
            )
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
        session.refresh(user, with_for_update=True)
        if not active:
            _guard_admin_change(
                session, user, actor_id, removes_admin=True, own=AdminGuard.OWN_ACCOUNT
            )
        user.is_active = active
        if not active:
            end_all_sessions(session, user.id, "deactivated")
            revoke_links(session, user.id)
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
    delegation, codes, problems = resolve_scope(session, role, delegation_code, countries)
    if problems:
        raise ValidationFailed(problems)
    require_known_delegation(role, delegation_code, delegation)
    with write_transaction(session):
        session.refresh(user, with_for_update=True)
        _guard_admin_change(
            session, user, actor_id, removes_admin=role is not Role.ADMIN, own=AdminGuard.OWN_ROLE
        )
        user.role = role
        user.delegation = delegation
        user.covered_countries = [UserCountry(country=c) for c in codes]
        end_all_sessions(session, user.id, "role_changed")
        audit.record(
            session,
            "user.role_change",
            actor_id=actor_id,
            object_type="user",
            object_id=user.id,
            details={"role": role.value, "countries": ",".join(codes)},
        )


def end_sessions(session: Session, user: User, *, actor_id: int | None = None) -> int:
    """Sign a user out of every browser now (a lost laptop, a shared computer)."""
    with write_transaction(session):
        ended = end_all_sessions(session, user.id, "ended_by_admin")
        audit.record(
            session,
            "user.sessions.end",
            actor_id=actor_id,
            object_type="user",
            object_id=user.id,
            details={"sessions": ended},
        )
    return ended


def reset_second_factor(
    session: Session,
    user: User,
    *,
    actor_id: int | None = None,
    enrolment_valid_for: timedelta = timedelta(hours=72),
    email_with: RecordVault | None = None,
) -> IssuedLink:
    """Every session, recovery code and API token ends now; the user enrols again through the
    fresh enrolment link this returns (shown once, or sent by e-mail with ``email_with``,
    never stored in the clear)."""
    with write_transaction(session):
        session.refresh(user)
        user.totp_secret_ciphertext = None
        user.totp_enrolled_at = None
        user.totp_last_step = None
        for code in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
            session.delete(code)
        for key in list(user.security_keys):
            session.delete(key)
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
        issued = add_link(
            session, user, LinkPurpose.ENROLMENT, enrolment_valid_for, actor_id=actor_id
        )
        if email_with is not None:
            issued = send_by_email(session, email_with, issued)
    return issued


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


# Interface language -----------------------------------------------------------------------------
def set_preferred_language(session: Session, user: User, language: Language | None) -> None:
    """The user's own choice of interface language (None: follow the browser). Audited like
    every account change; the value is a language code, never personal data."""
    token = user.session_token
    with write_transaction(session):
        session.refresh(user)
        previous = user.preferred_language
        user.preferred_language = None if language is None else language.value
        if previous != user.preferred_language:
            audit.record(
                session,
                "account.language.change",
                actor_id=user.id,
                object_type="user",
                object_id=user.id,
                details={"language": user.preferred_language},
            )
    user.session_token = token


# Trial calendar ---------------------------------------------------------------------------------
# One wording for the account page and the API document: what the choice exposes, and to whom.
CALENDAR_COURT_LABEL = "Show each hearing's court in my calendar file"
CALENDAR_COURT_EXPLANATION = (
    "By default the calendar file (calendar.ics) gives each hearing only its case reference "
    "and its date and time. If you turn this on, it also names the court. The court together "
    "with the date and the case reference can identify a defender on trial: the file leaves "
    "this system, and whoever holds your calendar (your phone, a calendar service, anyone "
    "you share it with) can read it in the clear. Turn it on only if your calendar is kept "
    "on equipment your delegation controls."
)


def set_calendar_shows_court(session: Session, user: User, shows_court: bool) -> None:
    """The user's own choice; audited, since it widens what leaves the system."""
    token = user.session_token
    with write_transaction(session):
        session.refresh(user)
        user.calendar_shows_court = shows_court
        audit.record(
            session,
            "account.calendar_court.change",
            actor_id=user.id,
            object_type="user",
            object_id=user.id,
            details={"shows_court": shows_court},
        )
    user.session_token = token


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
    if days < 1:
        raise ValidationFailed({"days": ["at least 1"]})
    if days > max_days:
        # This instance's policy (a setting), not the shape of the request: a 409 naming it.
        raise InvalidTransition(
            f"tokens on this instance last at most {max_days} days", rule="token.max_days"
        )
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


def revoke_api_token(
    session: Session, token_id: int, *, actor_id: int | None = None, owner_id: int | None = None
) -> ApiToken:
    """Revoke a token; with ``owner_id``, only a token of that account (another's: NotFound,
    the same answer as an absent one)."""
    with write_transaction(session):
        row = session.get(ApiToken, token_id)
        if row is None or (owner_id is not None and row.user_id != owner_id):
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
    row = api_token_in_use(session, token)
    return None if row is None else row.user


def api_token_in_use(session: Session, token: str) -> ApiToken | None:
    """The valid token row a bearer value names (its user loaded), or None."""
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
    return row
