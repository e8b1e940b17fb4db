"""Signing in and out: passwords, account throttling, second factor, server-side sessions.

Every outcome that matters is audited (login success, failure, throttling, session ends).
Functions take the database session and commit their own work.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from argon2 import PasswordHasher
from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, joinedload

from hrd_cases import audit
from hrd_cases.auth.passwords import verify_password
from hrd_cases.auth.recovery import find_matching_code, generate_recovery_codes, hash_recovery_code
from hrd_cases.auth.totp import new_totp_secret, verify_totp
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.models import Notification, RecoveryCode, User, UserSession
from hrd_cases.notify.events import account_changed
from hrd_cases.records import RecordVault
from hrd_cases.settings import Settings

# Verified when the email is unknown so that a miss costs as much time as a hit.
_DUMMY_HASH_INPUT = "timing-equaliser-not-a-password"
# Writing last_seen_at on every request would make every page a write; once a minute is enough
# for an idle timeout counted in minutes.
LAST_SEEN_GRANULARITY = timedelta(seconds=60)


class PasswordOutcome(enum.Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    THROTTLED = "throttled"


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    outcome: PasswordOutcome
    user: User | None = None


def hash_token(token: str) -> str:
    """Session and API tokens are 256-bit random: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(
    session: Session, hasher: PasswordHasher, settings: Settings, email: str, password: str
) -> PasswordCheck:
    """First step of sign-in. A throttled account is refused even with the right password.

    Exactly one Argon2 verification is spent on every attempt (unknown email, throttled
    account or not), so response times do not tell which accounts exist or are throttled.
    The hash is checked before the write lock is taken; the throttle bookkeeping then runs
    under a row lock, so parallel guesses are all counted.
    """
    now = utcnow()
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        verify_password(hasher, _dummy_hash(hasher), password)
        with write_transaction(session):
            audit.record(
                session,
                "login.failure",
                outcome=audit.Outcome.FAILURE,
                details={"reason": "unknown_or_inactive"},
            )
        return PasswordCheck(PasswordOutcome.REJECTED)
    password_ok = verify_password(hasher, user.password_hash, password)
    # Parameters raised since this hash was made: re-hash now, outside the write lock.
    upgraded = (
        hasher.hash(password)
        if password_ok and hasher.check_needs_rehash(user.password_hash)
        else None
    )
    with write_transaction(session):
        session.refresh(user, with_for_update=True)
        if user.throttled_until is not None and user.throttled_until > now:
            # Paused: only the right password learns it (with the wait); a wrong one gets the
            # answer an unknown address gets, so the pause reveals no account.
            audit.record(
                session,
                "login.throttled",
                actor_id=user.id,
                object_type="user",
                object_id=user.id,
                outcome=audit.Outcome.REFUSED,
            )
            if not password_ok:
                return PasswordCheck(PasswordOutcome.REJECTED, user)
            return PasswordCheck(PasswordOutcome.THROTTLED, user)
        if not password_ok:
            _record_failure(session, settings, user, now, "password")
            return PasswordCheck(PasswordOutcome.REJECTED, user)
        if upgraded is not None:
            user.password_hash = upgraded
    return PasswordCheck(PasswordOutcome.ACCEPTED, user)


def _record_failure(
    session: Session, settings: Settings, user: User, now: datetime, reason: str
) -> bool:
    """Count a failed password or code towards the account throttle and audit it (caller
    holds the user row lock and commits). Returns whether the account is now throttled."""
    throttled = _count_failure(user, settings, now)
    audit.record(
        session,
        "login.failure",
        actor_id=user.id,
        object_type="user",
        object_id=user.id,
        outcome=audit.Outcome.FAILURE,
        details={"reason": reason, "throttled": throttled},
    )
    return throttled


def _count_failure(user: User, settings: Settings, now: datetime) -> bool:
    window = timedelta(seconds=settings.login_failure_window_seconds)
    if user.failed_login_window_start is None or now - user.failed_login_window_start > window:
        user.failed_login_window_start, user.failed_login_count = now, 0
    user.failed_login_count += 1
    if user.failed_login_count >= settings.login_failure_limit:
        user.throttled_until = now + timedelta(seconds=settings.login_throttle_seconds)
        user.failed_login_count, user.failed_login_window_start = 0, None
        return True
    return False


def record_second_factor_failure(session: Session, settings: Settings, user: User) -> bool:
    """A wrong code counts like a wrong password: it feeds the same throttle."""
    with write_transaction(session):
        session.refresh(user, with_for_update=True)  # parallel failures are all counted
        throttled = _record_failure(session, settings, user, utcnow(), "second_factor")
    return throttled


def is_throttled(user: User) -> bool:
    return user.throttled_until is not None and user.throttled_until > utcnow()


@lru_cache(maxsize=8)
def _dummy_hash_for(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return PasswordHasher(time_cost, memory_cost, parallelism).hash(_DUMMY_HASH_INPUT)


def _dummy_hash(hasher: PasswordHasher) -> str:
    return _dummy_hash_for(hasher.time_cost, hasher.memory_cost, hasher.parallelism)


# Second factor ---------------------------------------------------------------------------------
def start_enrolment(session: Session, vault: RecordVault, user: User) -> str:
    """A fresh TOTP secret for a user without a second factor; stored encrypted, pending until
    a first code confirms it."""
    if user.has_second_factor:
        raise ValueError("second factor already enrolled; reset it first")
    with write_transaction(session):
        session.refresh(user)
        if user.data_key is None:
            user.data_key = vault.create_data_key("users")
        secret = new_totp_secret()
        vault.seal(user, {"totp_secret": secret})
        user.totp_last_step = None
    return secret


def pending_secret(vault: RecordVault, user: User) -> str | None:
    if user.has_second_factor or user.totp_secret_ciphertext is None:
        return None
    return vault.open_field(user, "totp_secret")


def confirm_enrolment(
    session: Session, vault: RecordVault, user: User, code: str
) -> list[str] | None:
    """Activate the pending secret if ``code`` is right; returns recovery codes, shown once."""
    secret = pending_secret(vault, user)
    if secret is None:
        return None
    step = verify_totp(secret, code, last_used_step=user.totp_last_step)
    if step is None:
        return None
    with write_transaction(session):
        session.refresh(user)
        user.totp_last_step = step
        user.totp_enrolled_at = utcnow()
        codes = replace_recovery_codes(session, user)
        audit.record(
            session,
            "account.second_factor.enrol",
            actor_id=user.id,
            object_type="user",
            object_id=user.id,
        )
    return codes


def replace_recovery_codes(session: Session, user: User) -> list[str]:
    """New recovery codes (the old ones stop working); the caller commits."""
    for old in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(old)
    codes = generate_recovery_codes()
    session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(c)) for c in codes)
    return codes


class SecondFactorUsed(enum.StrEnum):
    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"


def verify_second_factor(
    session: Session, vault: RecordVault, user: User, code: str, *, allow_totp: bool = True
) -> SecondFactorUsed | None:
    """A TOTP code for a step after the last one used, or an unused recovery code. Returns
    which one was used (None: refused). ``allow_totp=False`` is the security-key policy:
    only recovery codes remain."""
    if not user.has_second_factor:
        return None
    # Nothing is written on a wrong code, so leaving the block commits an empty transaction.
    with write_transaction(session):
        # Row lock (PostgreSQL) / write lock (SQLite): two requests racing with the same code or
        # recovery code are serialised, and the second sees the step or code already used.
        session.refresh(user, with_for_update=True)
        if allow_totp and user.has_totp:
            secret = vault.open_field(user, "totp_secret") or ""
            step = verify_totp(secret, code, last_used_step=user.totp_last_step)
            if step is not None:
                user.totp_last_step = step
                return SecondFactorUsed.TOTP
        if "-" in code or len(code.strip()) > 8:
            unused = session.scalars(
                select(RecoveryCode).where(
                    RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
                )
            ).all()
            try:
                matched = find_matching_code(code, [r.code_hash for r in unused])
            except ValueError:
                matched = None
            if matched is not None:
                used = next(r for r in unused if r.code_hash == matched)
                used.used_at = utcnow()
                audit.record(
                    session,
                    "account.recovery_code.use",
                    actor_id=user.id,
                    object_type="user",
                    object_id=user.id,
                )
                return SecondFactorUsed.RECOVERY_CODE
    return None


# Sessions --------------------------------------------------------------------------------------
def origin_hash(secret_key: str, user_id: int, address: str | None, user_agent: str | None) -> str:
    """Where a sign-in came from, as a keyed hash: comparable, never the address itself."""
    material = f"{user_id}|{address or '-'}|{user_agent or '-'}".encode()
    return hmac.new(secret_key.encode(), material, hashlib.sha256).hexdigest()


def start_session(session: Session, user: User, *, origin: str | None = None) -> str:
    """A new server-side session (a new identifier at every sign-in); returns the cookie token.

    ``origin`` (see :func:`origin_hash`): a sign-in from one this account never used before
    tells its owner, in the same transaction (issue 18)."""
    with write_transaction(session):
        token = secrets.token_urlsafe(32)
        if origin is not None:
            seen = session.scalars(
                select(UserSession.origin_hash).where(UserSession.user_id == user.id).distinct()
            ).all()
            if seen and origin not in seen:
                account_changed(session, user, "sign_in_new_origin")
        session.add(UserSession(user_id=user.id, token_hash=hash_token(token), origin_hash=origin))
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(failed_login_count=0, failed_login_window_start=None, throttled_until=None)
        )
        audit.record(
            session, "login.success", actor_id=user.id, object_type="user", object_id=user.id
        )
    user.session_token = token
    return token


def load_session_user(session: Session, settings: Settings, token: str) -> User | None:
    """The user behind a session cookie, or None if the session ended or timed out."""
    # The user comes in the same statement: every page pays for this lookup.
    # So is the header's unread-notification count (issue 18), as a subquery: no extra query.
    unread = (
        select(func.count(Notification.id))
        .where(Notification.user_id == UserSession.user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    found = session.execute(
        select(UserSession, unread)
        .where(UserSession.token_hash == hash_token(token))
        .options(joinedload(UserSession.user))
    ).first()
    if found is None:
        return None
    row: UserSession = found[0]
    unread_count: int = found[1]
    if row.ended_at is not None:
        return None
    row.user.unread_notifications = unread_count
    now = utcnow()
    reason = None
    if now - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes):
        reason = "idle_timeout"
    elif now - row.created_at > timedelta(hours=settings.session_absolute_hours):
        reason = "absolute_timeout"
    elif not row.user.is_active:
        reason = "deactivated"
    if reason is not None:
        end_session(session, token, reason)
        return None
    if now - row.last_seen_at > LAST_SEEN_GRANULARITY:
        # Write lock first: on SQLite, upgrading this request's read snapshot to a writer
        # fails at once ("database is locked") if another request committed meanwhile.
        with write_transaction(session):
            session.execute(
                update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now)
            )
    user = row.user
    user.session_token = token
    return user


def end_session(session: Session, token: str, reason: str) -> None:
    with write_transaction(session):
        row = session.scalar(select(UserSession).where(UserSession.token_hash == hash_token(token)))
        if row is not None and row.ended_at is None:
            row.ended_at, row.end_reason = utcnow(), reason
            audit.record(
                session,
                "session.end",
                actor_id=row.user_id,
                object_type="user",
                object_id=row.user_id,
                details={"reason": reason},
            )


def end_all_sessions(
    session: Session, user_id: int, reason: str, *, keep_token: str | None = None
) -> int:
    """Sign a user out everywhere (optionally but the current browser). Caller commits."""
    statement = (
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    if keep_token is not None:
        statement = statement.where(UserSession.token_hash != hash_token(keep_token))
    result = cast(CursorResult[Any], session.execute(statement))  # an UPDATE: a cursor result
    return result.rowcount


def sign_out(session: Session, user: User) -> None:
    """Logout ends every session of the user, not only this browser's (issue: a forgotten
    session on a shared embassy computer is ended from anywhere)."""
    with write_transaction(session):
        ended = end_all_sessions(session, user.id, "logout")
        audit.record(
            session,
            "session.end",
            actor_id=user.id,
            object_type="user",
            object_id=user.id,
            details={"reason": "logout", "sessions": ended},
        )


def code_was_used(vault: RecordVault, user: User, code: str) -> bool:
    """Whether ``code`` is a right code for a step already used (a replay), so the user can be
    told to wait for the next one. Asked only after the right password."""
    if not user.has_second_factor or user.totp_last_step is None:
        return False
    step = verify_totp(vault.open_field(user, "totp_secret") or "", code, last_used_step=None)
    return step is not None and step <= user.totp_last_step


def pause_minutes(user: User) -> int:
    """Whole minutes (at least 1) until a paused account may try again."""
    if user.throttled_until is None:
        return 0
    seconds = (user.throttled_until - utcnow()).total_seconds()
    return max(1, int(-(-seconds // 60)))
