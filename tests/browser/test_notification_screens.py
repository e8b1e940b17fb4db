"""Notifications in Chromium, with JavaScript off: the header's unread count, the list, mark
one read, mark all read; then the rendered e-mail. Screenshots (15, 16) go with the others,
and both screens are checked with axe-core (no serious or critical violation)."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from hrd_cases.db import database_of
from hrd_cases.models import Role
from hrd_cases.notify.transport import DirectoryTransport
from hrd_cases.notify.worker import OutboxWorker
from hrd_cases.records import RecordVault
from tests.browser.conftest import SCREENSHOTS, PageProblems
from tests.browser.test_journey import BLOCKING, Journey, expect_flash, follow
from tests.support.factories import make_case, make_delegation, make_user
from tests.support.notify import GRANT


def test_notification_list_and_email_in_chromium(
    app: Flask,
    db: Session,
    vault: RecordVault,
    live_server: str,
    playwright_browser: object,
    problems: PageProblems,
    tmp_path: Path,
) -> None:
    from hrd_cases.workflow import referrals

    kenya = make_delegation(db, code="EU-KE", name="EU Delegation to Kenya", country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya, display_name="Fiona Focal")
    officer = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",), display_name="Olu Officer")
    catalogue = app.extensions["hrd_strategies"]
    with app.app_context():
        for _ in range(3):
            case = make_case(db, vault, delegation=kenya, actor=focal)
            referrals.create_referral(db, vault, catalogue, focal, case.reference, GRANT)
    settings = app.extensions["hrd_settings"].replace(
        instance_path=tmp_path, public_base_url=live_server
    )
    outbox = DirectoryTransport(tmp_path / "outbox")
    assert OutboxWorker(database_of(app), settings, outbox, catalogue).run_once().sent == 3

    journey = Journey(live_server, playwright_browser, vault, problems)
    page = journey.sign_in(officer, javascript=False)
    badge = page.locator("header .badge")
    assert badge.inner_text() == "3"
    follow(page.get_by_role("link", name="Notifications"))
    assert page.locator("li.notification.unread").count() == 3
    assert page.locator("li.notification a").first.get_attribute("href").startswith("/cases/")
    journey.shot(page, "15-notifications")
    follow(page.get_by_role("button", name="Mark as read").first)
    expect_flash(page, "Marked as read.")
    assert page.locator("header .badge").inner_text() == "2"
    follow(page.get_by_role("button", name="Mark all as read"))
    expect_flash(page, "All notifications marked as read.")
    assert page.locator("header .badge").count() == 0
    follow(page.locator("li.notification a").first)
    assert "/cases/" in page.url and page.locator("h1").count() == 1

    # The e-mail as a mail client shows it: its HTML part, from the .eml the worker wrote.
    eml = next((tmp_path / "outbox").glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    html = message.get_body(preferencelist=("html",)).get_content()
    mail = journey.context().new_page()
    mail.set_content(html)
    assert "awaits your decision" in mail.content()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    mail.screenshot(path=str(SCREENSHOTS / "16-notification-email.png"), full_page=True)

    assert problems.messages == []
    blocking = {
        name: [v for v in found if v["impact"] in BLOCKING] for name, found in journey.axe.items()
    }
    assert blocking == {"15-notifications": []}
