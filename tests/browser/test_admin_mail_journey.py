"""The invitation journey in Debian's Chromium, on an installation that sends e-mail (a real
SMTP server on loopback, the real outbox worker): an admin adds a delegation and invites a
protection officer; the officer takes the single-use link from the e-mail, sets a password,
enrols TOTP and is signed in; the admin changes the officer's countries (confirming on a
second page, no JavaScript needed) and the officer's open session ends at once. Screens are
checked with axe-core: 0 violations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.models import Delegation, Role, User
from hrd_cases.records import RecordVault
from tests.browser.conftest import PageProblems, totp_code
from tests.browser.test_admin_journey import axe_violations, follow, new_page, sign_in_page
from tests.support.factories import make_user
from tests.support.link_mail import deliver, mail_app, mails_to, smtp, token_in
from tests.support.smtp import SmtpServer

__all__ = ["mail_app", "smtp"]  # fixtures

NEW_PASSWORD = "plum orchard lantern 1987 river"
INVITEE = "invited.officer@example.org"


@pytest.fixture
def app(mail_app: Flask) -> Iterator[Flask]:
    yield mail_app


def test_invitation_journey_by_email(
    app: Flask,
    db: Session,
    vault: RecordVault,
    smtp: SmtpServer,
    live_server: str,
    playwright_browser: object,
    problems: PageProblems,
) -> None:
    browser, base = playwright_browser, live_server
    admin = make_user(db, Role.ADMIN)
    violations: list[dict] = []  # type: ignore[type-arg]

    page = sign_in_page(browser, base, problems, vault, admin)
    main_nav = page.get_by_role("navigation", name="Main")

    # A delegation first: its time zone is required, its observation partners listed.
    follow(main_nav.get_by_role("link", name="Delegations"))
    follow(page.get_by_role("link", name="Add a delegation"))
    page.get_by_label("Code (letters", exact=False).fill("EUDEL-KE")
    page.get_by_label("Name", exact=True).fill("EU Delegation to Kenya")
    page.get_by_label("Country (ISO").fill("KE")
    page.get_by_label("Time zone (IANA").fill("Africa/Nairobi")
    page.get_by_label("Embassies sharing trial observation").fill("EU, DE, FR")
    follow(page.get_by_role("button", name="Add the delegation"))
    assert page.locator(".flash").filter(has_text="Delegation added").count() == 1
    db.commit()
    assert db.scalar(select(Delegation.time_zone).where(Delegation.code == "EUDEL-KE")) == (
        "Africa/Nairobi"
    )
    make_user(db, Role.FOCAL_POINT, delegation=db.scalar(select(Delegation)))
    follow(main_nav.get_by_role("link", name="Delegations"))
    assert "DE, EU, FR" in page.content()
    violations += axe_violations(browser, base, page, "25-delegations")

    # The invitation: queued for e-mail, the link shown to nobody.
    follow(main_nav.get_by_role("link", name="Accounts"))
    violations += axe_violations(browser, base, page, "20-admin-console")
    follow(page.get_by_role("link", name="Invite a user"))
    page.get_by_label("Email").fill(INVITEE)
    page.get_by_label("Name", exact=True).fill("Invited Officer")
    page.get_by_label("Role").select_option("protection_officer")
    page.get_by_label("Covered countries").fill("KE")
    follow(page.get_by_role("button", name="Create invitation"))
    assert page.locator(".flash").filter(has_text="queued for e-mail").count() == 1
    assert "hrdlnk_" not in page.content()

    # The worker sends it; the officer opens the link from the message, without JavaScript.
    deliver(app)
    [mail] = mails_to(smtp, INVITEE)
    link = f"{base}/account/link/{token_in(mail)}"
    officer_page = new_page(browser, base, problems, javascript=False)
    officer_page.goto(link)
    violations += axe_violations(browser, base, officer_page, "21-invitation-acceptance")
    officer_page.get_by_label("New password (12 to 128 characters)").fill(NEW_PASSWORD)
    officer_page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    follow(officer_page.get_by_role("button", name="Set password"))
    assert officer_page.url.endswith("/login/enrol")
    secret = officer_page.locator("code.secret").inner_text().replace(" ", "")
    officer_page.get_by_label("Code shown by your authenticator app").fill(totp_code(secret))
    follow(officer_page.get_by_role("button", name="Confirm"))
    follow(officer_page.get_by_role("link", name="I have saved them: continue"))
    assert officer_page.url == f"{base}/"
    assert "Invited Officer" in officer_page.content()
    # The link worked once.
    again = new_page(browser, base, problems)
    response = again.goto(link)
    assert response is not None and response.status == 404
    problems.messages[:] = [m for m in problems.messages if "status of 404" not in m]

    # The admin changes the officer's countries; the confirmation is a second page.
    db.commit()
    officer = db.scalar(select(User).where(User.email == INVITEE))
    assert officer is not None
    page.goto(f"/admin/accounts/{officer.id}")
    page.get_by_label("Covered countries").fill("UG")
    follow(page.get_by_role("button", name="Review the change"))
    assert "Confirm" in page.content()
    follow(page.get_by_role("button", name="Confirm"))
    assert page.locator(".flash").filter(has_text="Role and scope changed").count() == 1

    # The officer's open session has ended at once.
    officer_page.goto("/")
    assert "/login" in officer_page.url
    assert problems.messages == []
    assert violations == []
