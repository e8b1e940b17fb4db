"""Single-use account links: invitations, second-factor re-enrolment and password resets.

No admin ever knows a user's password: an admin (or the CLI) issues a link, the user follows
it and sets their own password under the password policy, then enrols or uses their second
factor. Only the SHA-256 of a link's token is stored; a link works once, until it expires,
and issuing a new link of the same purpose revokes the older ones.
"""

from __future__ import annotations

import dataclasses
import enum
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.auth.account_input import (
    account_problems,
    require_known_delegation,
    resolve_scope,
)
from hrd_cases.auth.password_policy import password_problems
from hrd_cases.auth.service import end_all_sessions, hash_token
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain.errors import FieldConflict, ValidationFailed
from hrd_cases.models import AccountLink, Role, User, UserCountry
from hrd_cases.notify.outbox import queue_link_email
from hrd_cases.records import RecordVault

LINK_TOKEN_PREFIX = "hrdlnk_"  # noqa: S105 - a public prefix, lets scanners spot leaked links
# The longest token we accept: anything longer is refused before it is hashed.
MAX_TOKEN_LENGTH = 64


class LinkPurpose(enum.StrEnum):
    INVITATION = "invitation"
    ENROLMENT = "enrolment"  # after a second-factor reset
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose name, not a secret


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A link's token, returned once to whoever delivers it; only its hash is kept. When it
    went by e-mail (``emailed``), nobody is shown the token."""

    user: User
    token: str
    purpose: LinkPurpose
    expires_at: datetime
    link_id: int
    emailed: bool = False


def _new_token() -> str:
    return LINK_TOKEN_PREFIX + secrets.token_urlsafe(32)


def add_link(
    session: Session,
    user: User,
    purpose: LinkPurpose,
    valid_for: timedelta,
    *,
    actor_id: int | None,
) -> IssuedLink:
    """Issue a link inside the caller's write transaction (the caller commits): older unused
    links of the same purpose stop working."""
    now = utcnow()
    session.execute(
        update(AccountLink)
        .where(
            AccountLink.user_id == user.id,
            AccountLink.purpose == purpose.value,
            AccountLink.used_at.is_(None),
            AccountLink.revoked_at.is_(None),
        )
        .values(revoked_at=now, token_ciphertext=None)
    )
    token = _new_token()
    link = AccountLink(
        user_id=user.id,
        purpose=purpose.value,
        token_hash=hash_token(token),
        expires_at=now + valid_for,
        created_by_id=actor_id,
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        f"account_link.{purpose.value}.issue",
        actor_id=actor_id,
        object_type="user",
        object_id=user.id,
        details={"link": link.id, "expires_at": link.expires_at.isoformat()},
    )
    return IssuedLink(user, token, purpose, link.expires_at, link.id)


def send_by_email(session: Session, vault: RecordVault, issued: IssuedLink) -> IssuedLink:
    """Queue the link's e-mail in the caller's write transaction. Until the worker has sent
    it, the token waits encrypted under the user's own data key (so the erasure of that key,
    and the key rotation, reach it too); the worker clears it once sent, and using or
    replacing the link clears it as well."""
    link = session.get(AccountLink, issued.link_id)
    if link is None:  # issued in this transaction: cannot be absent
        raise RuntimeError("the link just issued is missing")
    user = link.user
    if user.data_key is None:
        user.data_key = vault.create_data_key("users")
    vault.seal(link, {"token": issued.token})
    queue_link_email(session, user.id, link.id)
    return dataclasses.replace(issued, emailed=True)


def invite_user(
    session: Session,
    hasher: PasswordHasher,
    *,
    email: str,
    display_name: str,
    role: Role,
    delegation_code: str | None = None,
    countries: Iterable[str] = (),
    valid_for: timedelta = timedelta(hours=72),
    actor_id: int | None = None,
    email_with: RecordVault | None = None,
) -> IssuedLink:
    """A new account that nobody can sign in to until the invitee sets a password. With
    ``email_with`` (the vault, where e-mail is configured) the link goes by e-mail."""
    email = email.strip().lower()
    problems = account_problems(email, display_name)
    delegation, codes, scope_problems = resolve_scope(session, role, delegation_code, countries)
    problems.update(scope_problems)
    if problems:
        raise ValidationFailed(problems)
    require_known_delegation(role, delegation_code, delegation)
    # A hash of a random secret nobody knows: sign-in spends the same Argon2 time on this
    # account as on any other, so pending invitations are not told apart by timing.
    unusable_hash = hasher.hash(secrets.token_urlsafe(32))
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
            password_hash=unusable_hash,
            delegation=delegation,
            password_changed_at=None,
        )
        user.covered_countries = [UserCountry(country=c) for c in codes]
        session.add(user)
        session.flush()
        audit.record(
            session,
            "user.invite",
            actor_id=actor_id,
            object_type="user",
            object_id=user.id,
            details={"role": role.value},
        )
        issued = add_link(session, user, LinkPurpose.INVITATION, valid_for, actor_id=actor_id)
        if email_with is not None:
            issued = send_by_email(session, email_with, issued)
    return issued


def issue_link(
    session: Session,
    user: User,
    purpose: LinkPurpose,
    valid_for: timedelta,
    *,
    actor_id: int | None = None,
    email_with: RecordVault | None = None,
) -> IssuedLink:
    with write_transaction(session):
        session.refresh(user)
        issued = add_link(session, user, purpose, valid_for, actor_id=actor_id)
        if email_with is not None:
            issued = send_by_email(session, email_with, issued)
    return issued


def find_link(session: Session, token: str) -> AccountLink | None:
    """The usable link behind ``token``, or None: unknown, tampered, used, revoked, expired,
    or its account disabled all look the same to the caller."""
    if not token.startswith(LINK_TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    link = session.scalar(select(AccountLink).where(AccountLink.token_hash == hash_token(token)))
    if link is None or link.used_at is not None or link.revoked_at is not None:
        return None
    if link.expires_at <= utcnow() or not link.user.is_active:
        return None
    return link


def redeem_link(
    session: Session, hasher: PasswordHasher, token: str, password: str
) -> tuple[User | None, dict[str, list[str]]]:
    """Set the password chosen by the link's holder and use the link up.

    Returns the user and no problems on success; (None, {}) when the link is not usable; the
    user and the password's problems when the password breaks the policy (the link stays
    usable). Every session of the user ends: whoever held the old password is signed out.
    """
    link = find_link(session, token)
    if link is None:
        return None, {}
    user = link.user
    if problems := password_problems(password, email=user.email, display_name=user.display_name):
        return user, {"password": problems}
    new_hash = hasher.hash(password)  # slow on purpose: before the write lock, not under it
    with write_transaction(session):
        # Re-check under the lock: two tabs redeeming the same link, only one wins.
        fresh = session.scalar(
            select(AccountLink)
            .where(
                AccountLink.id == link.id,
                AccountLink.used_at.is_(None),
                AccountLink.revoked_at.is_(None),
                AccountLink.expires_at > utcnow(),
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if fresh is None:
            return None, {}
        now = utcnow()
        fresh.used_at, fresh.token_ciphertext = now, None
        session.refresh(user)
        user.password_hash = new_hash
        user.password_changed_at = now
        user.failed_login_count = 0
        user.failed_login_window_start, user.throttled_until = None, None
        end_all_sessions(session, user.id, "password_changed")
        audit.record(
            session,
            f"account_link.{fresh.purpose}.redeem",
            actor_id=user.id,
            object_type="user",
            object_id=user.id,
            details={"link": fresh.id},
        )
    return user, {}


def revoke_links(session: Session, user_id: int) -> None:
    """Pending links stop working (the account was disabled); the caller commits."""
    session.execute(
        update(AccountLink)
        .where(
            AccountLink.user_id == user_id,
            AccountLink.used_at.is_(None),
            AccountLink.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow(), token_ciphertext=None)
    )


def link_url(public_url: str, token: str) -> str:
    """The address a link's holder opens (web view ``auth.account_link``)."""
    return f"{public_url.rstrip('/')}/account/link/{token}"


def request_password_reset(
    session: Session,
    email: str,
    *,
    email_with: RecordVault | None = None,
    valid_for: timedelta = timedelta(minutes=30),
) -> None:
    """A signed-out user asks for a reset. Where e-mail is configured (``email_with``, the
    vault) an active account gets a single-use link by e-mail; otherwise nothing is sent and
    the request is audited, so an admin can see it and issue a link. The answer and its
    timing are the same whether or not the address exists (the view pads the duration)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if email_with is not None and user is not None and user.is_active:
        with write_transaction(session):
            session.refresh(user)
            issued = add_link(session, user, LinkPurpose.PASSWORD_RESET, valid_for, actor_id=None)
            send_by_email(session, email_with, issued)
            _audit_request(session, user.id, "email")
        return
    with write_transaction(session):
        _audit_request(session, user.id if user is not None else None, "admin")


def _audit_request(session: Session, user_id: int | None, delivery: str) -> None:
    audit.record(
        session,
        "password_reset.request",
        object_type="user" if user_id is not None else None,
        object_id=user_id,
        details={"delivery": delivery},
    )
