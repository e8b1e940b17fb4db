"""Where e-mail is configured, invitation, re-enrolment and password-reset links go by the
notification e-mail (outbox and worker, real SMTP server): no admin sees them, the message
carries the link and nothing about any case, the token waits encrypted and is cleared once
sent, a link replaced before delivery is not sent, and a reset still needs the second
factor. The reset request answers the same for a known and an unknown address."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.models import AccountLink, AuditEntry, OutboxMessage, OutboxState, Role, User
from hrd_cases.notify.worker import LINK_WITHDRAWN
from hrd_cases.records import RecordVault
from tests.admin.test_password_reset_request import SAMPLES, ask
from tests.support.access import fresh, is_signed_in, sign_in
from tests.support.admin import (
    NEW_PASSWORD,
    confirm_change,
    csrf,
    enrol_in,
    invite,
    set_password_by_link,
)
from tests.support.api import Api, token_for
from tests.support.factories import make_case, make_user
from tests.support.link_mail import deliver, mail_app, mails_to, smtp, token_in
from tests.support.smtp import SmtpServer

__all__ = ["mail_app", "smtp"]  # fixtures

CANARY_NAME = "Zq Linkmail Canary-Otieno"
CANARY_NARRATIVE = "Zq linkmail narrative: detained at the border"


@pytest.fixture
def app(mail_app: Flask) -> Iterator[Flask]:
    """Every test here runs on the app whose links go by e-mail."""
    yield mail_app


def _link_rows(db: Session, user_id: int) -> list[AccountLink]:
    return list(
        fresh(db).scalars(
            select(AccountLink).where(AccountLink.user_id == user_id).order_by(AccountLink.id)
        )
    )


def _user(db: Session, email: str) -> User:
    user = fresh(db).scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def test_an_invitation_goes_by_email_and_no_admin_sees_the_link(
    app: Flask, db: Session, vault: RecordVault, smtp: SmtpServer
) -> None:
    admin = make_user(db, Role.ADMIN)
    focal = make_user(db, Role.FOCAL_POINT)
    # A case with personal data exists: nothing of it may reach the invitation.
    case = make_case(
        db,
        vault,
        delegation=focal.delegation,
        actor=focal,
        defender={"name": CANARY_NAME},
        narrative=CANARY_NARRATIVE,
    )
    browser = sign_in(app, admin.email)
    answer = invite(browser, role="protection_officer", countries="KE")
    assert answer.status_code == 303
    shown = browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "hrdlnk_" not in shown and "queued for e-mail" in shown
    invitee = _user(db, "new.officer@example.org")
    [pending] = _link_rows(db, invitee.id)
    assert pending.token_ciphertext is not None  # waits encrypted for the worker

    deliver(app)
    [mail] = mails_to(smtp, "new.officer@example.org")
    token = token_in(mail)
    assert token.encode() not in bytes(pending.token_ciphertext)
    text = mail.text()
    assert "invited" in mail.subject
    for secret in (CANARY_NAME, CANARY_NARRATIVE, case.reference, "Canary"):
        assert secret not in text
    # Sent: the encrypted token is gone from the database, and the row says so.
    [sent] = _link_rows(db, invitee.id)
    assert sent.token_ciphertext is None
    row = fresh(db).scalar(select(OutboxMessage).where(OutboxMessage.account_link_id == sent.id))
    assert row is not None and row.state is OutboxState.SENT

    holder = app.test_client()
    assert set_password_by_link(holder, token).status_code == 302
    enrol_in(holder)
    assert is_signed_in(holder)
    # The link worked once.
    again = set_password_by_link(app.test_client(), token, "another passphrase of 2026 x")
    assert again.status_code == 404
    deliver(app)
    assert len(mails_to(smtp, "new.officer@example.org")) == 1  # sent exactly once


def test_forgot_password_sends_a_30_minute_link_that_still_needs_the_second_factor(
    app: Flask, db: Session, smtp: SmtpServer
) -> None:
    user = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
    browser = app.test_client()
    asked = browser.post(
        "/login/forgot", data={"email": user.email, "csrf_token": csrf(browser, "/login/forgot")}
    )
    assert asked.status_code == 200 and "on its way" in asked.get_data(as_text=True)
    deliver(app)
    [mail] = mails_to(smtp, user.email)
    token = token_in(mail)
    [link] = _link_rows(db, user.id)
    assert link.purpose == "password_reset"
    assert timedelta(minutes=29) < link.expires_at - utcnow() <= timedelta(minutes=30)
    assert "second factor" in mail.text()

    holder = app.test_client()
    done = set_password_by_link(holder, token)
    assert done.status_code == 302 and done.headers["Location"] == "/login/verify"
    assert not is_signed_in(holder)  # the new password alone signs nobody in
    assert set_password_by_link(app.test_client(), token).status_code == 404  # single use
    assert sign_in(app, user.email, NEW_PASSWORD) is not None

    # A tampered or expired reset link is refused like a used one.
    browser.post(
        "/login/forgot", data={"email": user.email, "csrf_token": csrf(browser, "/login/forgot")}
    )
    deliver(app)
    second = token_in(mails_to(smtp, user.email)[-1])
    tampered = second[:-2] + ("AA" if not second.endswith("AA") else "BB")
    assert set_password_by_link(app.test_client(), tampered).status_code == 404
    fresh(db).execute(
        update(AccountLink)
        .where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.commit()
    assert set_password_by_link(app.test_client(), second).status_code == 404


def test_an_unknown_or_disabled_address_gets_the_same_page_and_no_mail(
    app: Flask, db: Session, smtp: SmtpServer
) -> None:
    disabled = make_user(db, Role.ANALYST, is_active=False)
    browser = app.test_client()
    pages = set()
    for address in ("nobody@example.org", disabled.email):
        answer = browser.post(
            "/login/forgot",
            data={"email": address, "csrf_token": csrf(browser, "/login/forgot")},
        )
        assert answer.status_code == 200
        pages.add(answer.get_data(as_text=True).split('name="csrf_token"')[0])
    assert len(pages) == 1
    deliver(app)
    assert smtp.recorder.messages == []
    assert _link_rows(db, disabled.id) == []


def test_a_link_replaced_before_delivery_is_not_sent(
    app: Flask, db: Session, smtp: SmtpServer
) -> None:
    admin = make_user(db, Role.ADMIN)
    user = make_user(db, Role.ANALYST)
    browser = sign_in(app, admin.email)
    for _ in range(2):
        answer = confirm_change(browser, user.id, "reset-password")
        assert answer.status_code == 303
        assert "hrdlnk_" not in browser.get(answer.headers["Location"]).get_data(as_text=True)
    first, second = _link_rows(db, user.id)
    first_id, second_id = first.id, second.id
    assert first.revoked_at is not None and first.token_ciphertext is None
    deliver(app)
    [mail] = mails_to(smtp, user.email)
    assert "Reset your password" in mail.subject
    assert set_password_by_link(app.test_client(), token_in(mail)).status_code == 302
    used = {link.id: link.used_at is not None for link in _link_rows(db, user.id)}
    assert used == {first_id: False, second_id: True}
    withdrawn = fresh(db).scalar(
        select(OutboxMessage).where(OutboxMessage.account_link_id == first_id)
    )
    assert withdrawn is not None
    assert (withdrawn.state, withdrawn.last_error) == (OutboxState.FAILED, LINK_WITHDRAWN)


def test_the_api_never_answers_a_link_that_went_by_email(
    app: Flask, db: Session, smtp: SmtpServer
) -> None:
    admin = make_user(db, Role.ADMIN)
    api = Api(app.test_client(), token_for(db, admin))
    answer = api.post(
        "/admin/invitations",
        {"email": "api.mailed@example.org", "display_name": "Mailed", "role": "analyst"},
    )
    assert answer.status_code == 201, answer.get_json()
    data = answer.get_json()["data"]
    assert (data["delivery"], data["link"]) == ("email", None)
    assert "hrdlnk_" not in answer.get_data(as_text=True)
    user = _user(db, "api.mailed@example.org")
    reset = api.post(f"/admin/accounts/{user.id}/reset-second-factor")
    assert reset.status_code == 200 and reset.get_json()["data"]["link"] is None
    deliver(app)
    subjects = sorted(m.subject for m in mails_to(smtp, "api.mailed@example.org"))
    # Both links (of different purposes, so neither replaced the other), and the security
    # notice that the second factor was reset.
    assert subjects == [
        "[hrd_cases] Set up your second factor again",
        "[hrd_cases] You are invited to hrd_cases",
        "[hrd_cases] Your second factor was reset",
    ]


def test_reset_requests_by_email_cannot_be_told_apart(app: Flask, db: Session) -> None:
    """Acceptance 3 where e-mail is configured: the known address does more work (a link, its
    encrypted token, an outbox row), yet the page and the timing are the same."""
    known = make_user(db, Role.FOCAL_POINT)
    browser = app.test_client()
    pages: dict[str, set[str]] = {"known": set(), "unknown": set()}
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(SAMPLES):
        for k, (kind, email) in enumerate(
            (("known", known.email), ("unknown", f"nobody{n}@example.org"))
        ):
            page, elapsed = ask(browser, email, f"10.8.{k}.{n + 1}")
            pages[kind].add(page)
            timings[kind].append(elapsed)
    assert len(pages["known"]) == 1 and pages["known"] == pages["unknown"]
    known_median = statistics.median(timings["known"])
    unknown_median = statistics.median(timings["unknown"])
    assert abs(known_median - unknown_median) <= 0.10 * min(known_median, unknown_median), (
        known_median,
        unknown_median,
    )
    requests = fresh(db).scalars(
        select(AuditEntry).where(AuditEntry.action == "password_reset.request")
    )
    deliveries = sorted({(r.object_id is not None, r.details["delivery"]) for r in requests})
    assert deliveries == [(False, "admin"), (True, "email")]


def test_a_token_never_outlives_its_link(app: Flask, db: Session, smtp: SmtpServer) -> None:
    """Expired before delivery: not sent, and the encrypted token goes. Expired after the
    worker gave up on its e-mail: the token goes too."""
    admin = make_user(db, Role.ADMIN)
    first, second = make_user(db, Role.ANALYST), make_user(db, Role.ANALYST)
    browser = sign_in(app, admin.email)
    for user in (first, second):
        assert confirm_change(browser, user.id, "reset-password").status_code == 303
    [late] = _link_rows(db, first.id)
    [given_up] = _link_rows(db, second.id)
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.account_link_id == given_up.id)
        .values(state=OutboxState.FAILED, last_error="SMTPDataError")
    )
    db.execute(update(AccountLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    deliver(app)
    assert smtp.recorder.messages == []
    assert [link.token_ciphertext for link in fresh(db).scalars(select(AccountLink))] == [
        None,
        None,
    ]
    withdrawn = fresh(db).scalar(
        select(OutboxMessage).where(OutboxMessage.account_link_id == late.id)
    )
    assert withdrawn is not None and withdrawn.last_error == LINK_WITHDRAWN


def test_a_link_email_speaks_the_recipients_language(
    app: Flask, db: Session, smtp: SmtpServer
) -> None:
    french = make_user(db, Role.ANALYST, preferred_language="fr")
    arabic = make_user(db, Role.ANALYST, preferred_language="ar")
    browser = app.test_client()
    for user in (french, arabic):
        browser.post(
            "/login/forgot",
            data={"email": user.email, "csrf_token": csrf(browser, "/login/forgot")},
        )
    with app.app_context():  # as `hrd-cases worker` runs it
        deliver(app)
    [in_french] = mails_to(smtp, french.email)
    assert in_french.subject == "[hrd_cases] Réinitialisez votre mot de passe"
    plain = in_french.message.get_body(preferencelist=("plain",))
    assert plain is not None and "Le lien fonctionne une fois" in plain.get_content()
    [in_arabic] = mails_to(smtp, arabic.email)
    html = in_arabic.message.get_body(preferencelist=("html",))
    assert html is not None and '<html lang="ar" dir="rtl">' in html.get_content()
    assert token_in(in_french) and token_in(in_arabic)
