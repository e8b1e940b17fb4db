"""Accounts by invitation and single-use links, attacked: a link works once, until it
expires, only as issued, only for an active account; and it never signs anyone in without
the second factor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hrd_cases.auth import links
from hrd_cases.auth.passwords import verify_password
from hrd_cases.auth.service import hash_token
from hrd_cases.db import utcnow
from hrd_cases.models import AccountLink, AuditEntry, Role, User
from tests.support.access import fresh, is_signed_in, reload_user, sign_in
from tests.support.admin import (
    NEW_PASSWORD,
    confirm_change,
    enrol_in,
    invite,
    link_token,
    new_browser,
    set_password_by_link,
)
from tests.support.factories import make_user


@pytest.fixture
def admin_browser(app: Flask, db: Session):  # type: ignore[no-untyped-def]
    admin = make_user(db, Role.ADMIN)
    return sign_in(app, admin.email)


def invited_user(db: Session, email: str = "new.officer@example.org") -> User:
    user = fresh(db).scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def test_invitation_sets_the_invitees_own_password_and_enrols_the_second_factor(
    app: Flask, db: Session, admin_browser
) -> None:
    token = link_token(invite(admin_browser, role="protection_officer", countries="KE, ug"))
    user = invited_user(db)
    assert user.role is Role.PROTECTION_OFFICER and user.country_codes == ["KE", "UG"]
    # Only the token's hash is stored; the account has no usable password yet.
    stored = fresh(db).scalars(select(AccountLink).where(AccountLink.user_id == user.id)).one()
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash
    assert stored.expires_at - utcnow() > timedelta(hours=71)
    assert user.password_changed_at is None and not user.has_second_factor

    invitee = new_browser(app)
    assert invitee.get(f"/account/link/{token}").status_code == 200
    response = set_password_by_link(invitee, token)
    assert response.status_code == 302 and response.headers["Location"] == "/login/enrol"
    assert not is_signed_in(invitee)  # nothing is signed in before the second factor
    enrol_in(invitee)
    assert is_signed_in(invitee)
    hasher = app.extensions["hrd_password_hasher"]
    assert verify_password(hasher, reload_user(db, user.id).password_hash, NEW_PASSWORD)
    actions = set(fresh(db).scalars(select(AuditEntry.action)))
    assert {
        "user.invite",
        "account_link.invitation.issue",
        "account_link.invitation.redeem",
    } <= actions


def test_a_used_link_is_refused(app: Flask, db: Session, admin_browser) -> None:
    token = link_token(invite(admin_browser, role="analyst"))
    assert set_password_by_link(new_browser(app), token).status_code == 302
    user = reload_user(db, invited_user(db).id)
    stamp = user.password_hash
    again = new_browser(app)
    assert again.get(f"/account/link/{token}").status_code == 404
    assert set_password_by_link(again, token, "another long passphrase 42").status_code == 404
    assert reload_user(db, user.id).password_hash == stamp


def test_an_expired_link_is_refused(app: Flask, db: Session, admin_browser) -> None:
    token = link_token(invite(admin_browser, role="analyst"))
    fresh(db).execute(
        update(AccountLink)
        .where(AccountLink.token_hash == hash_token(token))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.commit()
    browser = new_browser(app)
    assert browser.get(f"/account/link/{token}").status_code == 404
    assert set_password_by_link(browser, token).status_code == 404
    assert reload_user(db, invited_user(db).id).password_changed_at is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t[:-4],
        lambda t: t + "x",
        lambda t: t.replace("hrdlnk_", "hrdpat_"),
        lambda t: t.upper(),
        lambda t: t + "a" * 200,
    ],
)
def test_a_tampered_link_is_refused(app: Flask, db: Session, admin_browser, tamper) -> None:  # type: ignore[no-untyped-def]
    token = link_token(invite(admin_browser, role="analyst"))
    browser = new_browser(app)
    forged = tamper(token)
    assert browser.get(f"/account/link/{forged}").status_code == 404
    assert set_password_by_link(browser, forged).status_code == 404
    assert reload_user(db, invited_user(db).id).password_changed_at is None


def test_a_new_link_replaces_the_old_one_and_disabling_ends_pending_links(
    app: Flask, db: Session, admin_browser
) -> None:
    user = make_user(db, Role.ANALYST)
    first = link_token(confirm_change(admin_browser, user.id, "reset-password"))
    second = link_token(confirm_change(admin_browser, user.id, "reset-password"))
    assert set_password_by_link(new_browser(app), first).status_code == 404
    assert confirm_change(admin_browser, user.id, "disable").status_code == 303
    assert set_password_by_link(new_browser(app), second).status_code == 404


def test_a_reset_link_still_needs_the_second_factor_and_works_once(
    app: Flask, db: Session, admin_browser
) -> None:
    user = make_user(db, Role.FOCAL_POINT)
    victim_browser = sign_in(app, user.email)
    token = link_token(confirm_change(admin_browser, user.id, "reset-password"))
    fresh_link = fresh(db).scalar(
        select(AccountLink).where(AccountLink.token_hash == hash_token(token))
    )
    assert fresh_link is not None
    assert timedelta(minutes=29) < fresh_link.expires_at - utcnow() <= timedelta(minutes=30)
    holder = new_browser(app)
    response = set_password_by_link(holder, token)
    assert response.status_code == 302 and response.headers["Location"] == "/login/verify"
    assert not is_signed_in(holder)
    # The old password's sessions end: whoever knew it is signed out.
    assert not is_signed_in(victim_browser)
    assert set_password_by_link(new_browser(app), token).status_code == 404
    sign_in(app, user.email, NEW_PASSWORD)


def test_a_link_refuses_a_password_that_breaks_the_policy_and_stays_usable(
    app: Flask, db: Session, admin_browser
) -> None:
    token = link_token(invite(admin_browser, role="analyst"))
    browser = new_browser(app)
    assert set_password_by_link(browser, token, "short").status_code == 422
    assert set_password_by_link(browser, token, "password1234").status_code == 422
    assert set_password_by_link(browser, token).status_code == 302


def test_second_factor_reset_issues_an_enrolment_link(
    app: Flask, db: Session, admin_browser
) -> None:
    user = make_user(db, Role.ANALYST)
    signed_in = sign_in(app, user.email)
    token = link_token(confirm_change(admin_browser, user.id, "reset-second-factor"))
    assert not is_signed_in(signed_in)
    assert not reload_user(db, user.id).has_second_factor
    browser = new_browser(app)
    response = set_password_by_link(browser, token)
    assert response.headers["Location"] == "/login/enrol"
    enrol_in(browser)
    assert is_signed_in(browser)


def test_service_refuses_links_for_another_purpose_prefix_and_length(db: Session) -> None:
    assert links.find_link(db, "") is None
    assert links.find_link(db, "hrdlnk_" + "a" * 100) is None
    assert links.find_link(db, "hrdpat_" + "a" * 43) is None


def test_invite_refuses_a_duplicate_email_and_a_scope_without_delegation(
    app: Flask, db: Session, admin_browser
) -> None:
    existing = make_user(db, Role.ANALYST)
    assert invite(admin_browser, email=existing.email, role="analyst").status_code == 422
    assert invite(admin_browser, role="focal_point").status_code == 422
    assert invite(admin_browser, role="protection_officer").status_code == 422
    assert fresh(db).scalar(select(User).where(User.email == "new.officer@example.org")) is None
