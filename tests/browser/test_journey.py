"""The whole journey in a real browser, as the issue describes it: a focal point signs in
with TOTP, logs a case, requests a referral; two protection officers approve it (Kenya's
template needs two); the hearing is scheduled, observed and reported; consent is recorded; a
statement is drafted, approved and published; the case is closed; the analyst (after a
first-login enrolment) downloads the quarterly export; the admin sees their home page.

The focal point works with JavaScript switched off: every essential step must work without
it. Every page is watched for console errors and CSP violations (the journey keeps the CSP
on). Screenshots of the main screens go to docs/screenshots/, and each of those screens is
checked with axe-core in a separate context (the only one with the CSP bypassed, since
axe is injected as a script): no serious or critical violation is allowed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import Flask
from PIL import Image
from sqlalchemy import update
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.domain.vocabulary import RiskLevel
from hrd_cases.models import Case, Hearing, Role, User
from hrd_cases.records import RecordVault
from tests.browser.conftest import AXE, REPORT_CSP, SCREENSHOTS, PageProblems, totp_code
from tests.support.attachments import GPS_IFD, canary_image
from tests.support.factories import (
    DEFAULT_PASSWORD,
    make_case,
    make_delegation,
    make_user,
    totp_secret_of,
)

NAME = "Zq Amani Browser-Journey"
NARRATIVE = "Zq: followed home after the hearing, twice this month."
COURT = "Milimani Law Courts, Nairobi"
REPORT = "Zq report: hearing adjourned; observers from EU and DE attended."
STATEMENT = "The EU Delegation follows the case of a human rights defender closely."
BLOCKING = ("serious", "critical")


@dataclass
class Journey:
    base: str
    browser: object
    vault: RecordVault
    problems: PageProblems
    axe: dict[str, list[dict]] = field(default_factory=dict)

    def context(self, *, javascript: bool = True):
        context = self.browser.new_context(
            base_url=self.base,
            java_script_enabled=javascript,
            viewport={"width": 1280, "height": 900},
        )
        context.add_init_script(REPORT_CSP)
        context.set_default_timeout(15_000)
        return context

    def sign_in(self, user: User, *, javascript: bool = True):
        context = self.context(javascript=javascript)
        page = context.new_page()
        self.problems.watch(page)
        page.goto("/login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        follow(page.get_by_role("button", name="Continue"))
        page.wait_for_url("**/login/verify")
        page.get_by_label("Code from your authenticator app").fill(
            totp_code(totp_secret_of(self.vault, user))
        )
        follow(page.get_by_role("button", name="Sign in"))
        page.wait_for_url(f"{self.base}/")
        assert "Signed in." in page.content()
        return page

    def enrol(self, user: User):
        page = self.context().new_page()
        self.problems.watch(page)
        page.goto("/login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        follow(page.get_by_role("button", name="Continue"))
        assert page.url.endswith("/login/enrol")
        assert page.locator(".qr svg").is_visible()
        self.shot(page, "13-first-login-enrolment")
        secret = page.locator("code.secret").inner_text().replace(" ", "")
        page.get_by_label("Code shown by your authenticator app").fill(totp_code(secret))
        follow(page.get_by_role("button", name="Confirm"))
        assert page.get_by_role("heading", name="Your recovery codes").is_visible()
        assert page.locator("ul.codes li").count() >= 8
        follow(page.get_by_role("link", name="I have saved them: continue"))
        assert page.url == f"{self.base}/"
        return page

    def shot(self, page, name: str, *, replay: Callable | None = None) -> None:
        """Screenshot ``page``; run axe on the same screen in a CSP-bypassing context with
        the same session (``replay`` recreates screens that are the answer to a POST)."""
        assert "Amani" not in page.title() and "Zq" not in page.title(), page.title()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        state = page.context.storage_state()
        checker = self.browser.new_context(base_url=self.base, bypass_csp=True, storage_state=state)
        try:
            audit = checker.new_page()
            audit.goto(page.url.split("#")[0])
            if replay:
                replay(audit)
            audit.add_script_tag(path=str(AXE))
            result = audit.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            )
        finally:
            checker.close()
        self.axe[name] = [
            {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])} for v in result
        ]


def follow(locator) -> None:
    """Click a link or a submit button and wait for the page it leads to."""
    with locator.page.expect_navigation():
        locator.click()


def expect_flash(page, text: str) -> None:
    flash = page.locator(".flash").filter(has_text=text)
    assert flash.count() == 1, (
        f"no flash {text!r} on {page.url}: {page.locator('.flashes').all_inner_texts()}"
    )


def test_journey_in_chromium(
    app: Flask,
    db: Session,
    vault: RecordVault,
    live_server: str,
    playwright_browser: object,
    problems: PageProblems,
) -> None:
    kenya = make_delegation(db, code="EU-KE", name="EU Delegation to Kenya", country="KE")
    focal = make_user(
        db,
        Role.FOCAL_POINT,
        delegation=kenya,
        display_name="Fiona Focal",
        email="focal@example.org",
    )
    officer_a = make_user(
        db,
        Role.PROTECTION_OFFICER,
        countries=("KE",),
        display_name="Olu Officer",
        email="olu@example.org",
    )
    officer_b = make_user(
        db,
        Role.PROTECTION_OFFICER,
        countries=("KE", "UG"),
        display_name="Oda Officer",
        email="oda@example.org",
    )
    analyst = make_user(
        db, Role.ANALYST, display_name="Ana Analyst", email="ana@example.org", enrolled=False
    )
    admin = make_user(db, Role.ADMIN, display_name="Adi Admin", email="adi@example.org")
    for risk in (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.MEDIUM, RiskLevel.LOW):
        make_case(db, vault, delegation=kenya, actor=focal, risk_level=risk)
    # A critical case left unreferred for two days: Kenya's template says 24 hours.
    late = make_case(db, vault, delegation=kenya, actor=focal, risk_level=RiskLevel.CRITICAL)
    db.execute(
        update(Case).where(Case.id == late.id).values(opened_at=utcnow() - timedelta(days=2))
    )
    db.commit()
    journey = Journey(live_server, playwright_browser, vault, problems)

    # Sign-in page (anonymous), then the focal point, with JavaScript off throughout.
    anonymous = journey.context().new_page()
    problems.watch(anonymous)
    anonymous.goto("/login")
    journey.shot(anonymous, "01-sign-in")
    fp = journey.sign_in(focal, javascript=False)
    assert fp.get_by_role("heading", name="What needs you").is_visible()
    needs = fp.locator("table.tasks").first.inner_text()
    assert late.reference in needs and "Request a referral" in needs and "overdue since" in needs
    journey.shot(fp, "02-home-focal-point")

    # Intake: an error first (the template requires location and narrative), nothing lost.
    follow(fp.get_by_role("link", name="New case").first)
    fp.get_by_label("Full name").fill(NAME)
    fp.locator("input[name=threats][value=judicial_harassment]").check()
    follow(fp.get_by_role("button", name="Open the case"))
    assert fp.locator("#location-error").is_visible()
    assert fp.locator("#narrative-error").is_visible()
    assert fp.get_by_label("Full name").input_value() == NAME
    assert fp.locator("input[name=threats][value=judicial_harassment]").is_checked()
    assert NAME not in fp.title()

    def intake_error(page) -> None:
        page.get_by_label("Full name").fill("Zq Axe Check")
        follow(page.get_by_role("button", name="Open the case"))
        page.locator("#location-error").wait_for()

    journey.shot(fp, "03-intake-validation-error", replay=intake_error)
    fp.get_by_label("Location").fill("Kibera, Nairobi")
    fp.get_by_label("Risk level").select_option("critical")
    fp.locator("input[name=profile_categories][value=journalist_media]").check()
    fp.get_by_label("Narrative").fill(NARRATIVE)
    follow(fp.get_by_role("button", name="Open the case"))
    expect_flash(fp, "opened.")
    reference = fp.locator("h1").inner_text().removeprefix("Case ").strip()
    case_path = f"/cases/{reference}"
    assert fp.url.endswith(case_path)
    assert NAME not in fp.url and NAME not in fp.title()
    assert fp.locator(".stage-tag").inner_text() == "intake"

    # Referral request.
    form = fp.locator("form[action$='/referrals'], form[action*='/referrals#']")
    form.get_by_label("Mechanism").select_option("eu_hrd_mechanism")
    form.locator("input[value=legal]").check()
    form.locator("input[value=digital_security]").check()
    form.get_by_label("Amount (EUR)").fill("4000")
    form.get_by_label("Justification").fill("Zq: legal defence and a secure phone.")
    follow(form.get_by_role("button", name="Request referral"))
    expect_flash(fp, "Referral requested.")
    assert fp.locator(".stage-tag").inner_text() == "protection: awaiting decision"

    # Evidence: a photo carrying its GPS position, through the plain form (no JavaScript),
    # then downloaded (never shown inline) without its location or camera.
    files = fp.locator("#attachments")
    files.locator("summary").click()
    files.get_by_label("Title").fill("Injuries, 3 May")
    files.get_by_label("Category").select_option("photo")
    files.get_by_label("File", exact=True).set_input_files(
        files=[{"name": "IMG_0042.jpg", "mimeType": "image/jpeg", "buffer": canary_image()}]
    )
    follow(files.get_by_role("button", name="Add file"))
    expect_flash(fp, "Location, camera details")
    journey.shot(fp, "03b-case-files")
    with fp.expect_download() as downloading:
        fp.locator("#attachments").get_by_role("link", name="Injuries, 3 May").click()
    photo = Image.open(downloading.value.path())
    assert photo.format == "JPEG" and not photo.getexif().get_ifd(GPS_IFD)
    assert downloading.value.suggested_filename == "IMG_0042.jpg"

    # Case list, and a name search that stays out of the address bar.
    follow(fp.get_by_role("link", name="Cases", exact=True))
    fp.get_by_label("Defender name", exact=True).fill("amani")
    follow(fp.get_by_role("button", name="Search"))
    assert fp.url == f"{live_server}/cases" and "amani" not in fp.url.lower()
    assert fp.get_by_role("link", name=reference).is_visible()
    assert fp.locator("tbody tr").count() == 1
    follow(fp.get_by_role("link", name="Show all"))
    assert fp.locator("tbody tr").count() == 6
    journey.shot(fp, "04-case-list")

    # Two officers approve (four-eyes: neither requested it).
    olu = journey.sign_in(officer_a)
    assert olu.get_by_role("heading", name="Approval queue").is_visible()
    assert "Fiona Focal" in olu.locator("table.queue").inner_text()
    journey.shot(olu, "05-home-protection-officer")
    follow(olu.get_by_role("link", name=reference))
    assert "Requested by Fiona Focal" in olu.locator("form.decision").inner_text()
    journey.shot(olu, "06-approval")
    follow(olu.get_by_role("button", name="Approve referral"))
    # An amount is approved in a second step that repeats it (issue 16).
    assert "EUR 4,000" in olu.locator(".confirm-summary").inner_text()
    follow(olu.get_by_role("button", name="Yes, approve this grant"))
    expect_flash(olu, "Your approval was recorded.")
    assert "You have decided" in olu.content()
    oda = journey.sign_in(officer_b)
    oda.goto(case_path)
    follow(oda.get_by_role("button", name="Approve referral"))
    follow(oda.get_by_role("button", name="Yes, approve this grant"))
    expect_flash(oda, "Your approval was recorded.")
    assert oda.locator("#referrals .state-approved").count() == 1

    # Hearing: scheduled, on the calendar (and in its file), observed, reported.
    fp.goto(case_path)
    hearing_day = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%d")
    fp.locator("#hearings summary").click()
    form = fp.locator("form[action$='/hearings'], form[action*='/hearings#']")
    form.get_by_label("Date and time").fill(f"{hearing_day}T09:30")
    form.get_by_label("Court").fill(COURT)
    form.get_by_label("Charges").fill("Zq: unlawful assembly")
    follow(form.get_by_role("button", name="Schedule hearing"))
    expect_flash(fp, "Hearing scheduled.")
    follow(fp.get_by_role("link", name="Trial calendar").first)
    assert reference in fp.locator("table").inner_text()
    assert COURT in fp.locator("table").inner_text()
    journey.shot(fp, "07-trial-calendar")
    with fp.expect_download() as download_info:
        fp.get_by_role("link", name="Download calendar (.ics)").click()
    ics = Path(download_info.value.path()).read_text(encoding="utf-8")
    # By default the file names the case and the time, not the court.
    assert reference in ics and "Milimani" not in ics
    assert "Amani" not in ics and "Zq" not in ics
    # The focal point reads what naming the court exposes, and opts in.
    follow(fp.get_by_role("link", name="calendar file settings"))
    assert "whoever holds your calendar" in fp.locator("main").inner_text()
    fp.get_by_label("Show each hearing's court in my calendar file").check()
    follow(fp.get_by_role("button", name="Save"))
    expect_flash(fp, "Calendar setting saved.")
    follow(fp.get_by_role("link", name="Trial calendar").first)
    with fp.expect_download() as download_info:
        fp.get_by_role("link", name="Download calendar (.ics)").click()
    ics = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert reference in ics and "Milimani Law Courts" in ics
    assert "Amani" not in ics and "Zq" not in ics
    fp.goto(case_path)

    def observe() -> None:
        form = fp.locator("form[action$='/observation'], form[action*='/observation#']")
        form.get_by_label("Was the hearing observed?").select_option("yes")
        form.locator("input[value=EU]").check()
        form.locator("input[value=DE]").check()
        form.get_by_label("Outcome").select_option("postponed")
        follow(form.get_by_role("button", name="Record observation"))

    observe()  # a week early: refused (issue 16), the message beside the panel's fields
    expect_flash(fp, "see the message beside the field")
    assert "can be recorded once it has begun" in fp.locator("#hearings").inner_text()
    # The week passes: the hearing now lies behind us.
    db.execute(update(Hearing).values(scheduled_for=utcnow() - timedelta(hours=2)))
    db.commit()
    fp.goto(case_path)
    observe()
    expect_flash(fp, "Observation recorded.")
    form = fp.locator("form[action$='/report'], form[action*='/report#']")
    form.get_by_label("Observation report").fill(REPORT)
    follow(form.get_by_role("button", name="File report"))
    expect_flash(fp, "Observation report filed.")
    assert fp.locator("#hearings .state-report_filed").count() == 1

    # Statement: drafted; refused without consent; consent recorded; submitted.
    fp.locator("#statements summary").click()
    form = fp.locator("form[action$='/statements'], form[action*='/statements#']")
    form.get_by_label("Level").select_option("local_eu_statement")
    form.get_by_label("Draft text").fill(STATEMENT)
    follow(form.get_by_role("button", name="Save draft"))
    expect_flash(fp, "Statement drafted.")
    follow(fp.get_by_role("button", name="Submit for approval"))
    expect_flash(fp, "Not done:")
    assert "missing or revoked" in fp.locator("#statements").inner_text()
    fp.locator("#consent summary").click()
    form = fp.locator("form[action$='/consents'], form[action*='/consents#']")
    form.locator("input[value=public_statement]").check()
    form.get_by_label("Date consent was given").fill(utcnow().strftime("%Y-%m-%d"))
    follow(form.get_by_role("button", name="Record consent"))
    expect_flash(fp, "Consent recorded.")
    follow(fp.get_by_role("button", name="Submit for approval"))
    expect_flash(fp, "Statement submitted for approval.")
    for officer in (olu, oda):
        officer.goto(case_path)
        follow(officer.get_by_role("button", name="Approve statement"))
        expect_flash(officer, "Your approval was recorded.")

    # Publication, with the consent status beside the button.
    fp.goto(case_path)
    publish = fp.locator("form[action$='/publish'], form[action*='/publish#']")
    assert "Consent: active, covers this level" in publish.inner_text()
    journey.shot(fp, "08-statement-with-consent")
    publish.get_by_label("Publication address (https://)").fill("https://example.org/statement")
    follow(publish.get_by_role("button", name="Publish statement"))
    expect_flash(fp, "Statement published.")
    assert fp.locator(".stage-tag").inner_text() == "advocacy"

    # Closure; the case page with its whole timeline.
    fp.locator("#closure summary").click()
    form = fp.locator("form[action$='/close'], form[action*='/close#']")
    form.get_by_label("Outcome").select_option("risk_reduced")
    follow(form.get_by_role("button", name="Close case"))
    # Closing is confirmed in a second step that says what will happen (issue 16).
    assert "will be closed with the outcome" in fp.locator("main").inner_text()
    follow(fp.get_by_role("button", name="Yes, close this case"))
    expect_flash(fp, "Case closed.")
    assert fp.locator(".stage-tag").inner_text() == "closed"
    timeline = fp.locator("#timeline").inner_text()
    for step in (
        "Case opened",
        "Referral requested",
        "Referral approved",
        "Hearing scheduled",
        "Hearing report filed",
        "Consent recorded",
        "Statement approved",
        "Statement published",
        "Case closed",
    ):
        assert step in timeline, step
    journey.shot(fp, "09-case-page-timeline")

    # The same case page on a phone.
    phone = playwright_browser.new_context(
        base_url=live_server,
        java_script_enabled=False,
        viewport={"width": 390, "height": 844},
        storage_state=fp.context.storage_state(),
    )
    phone.add_init_script(REPORT_CSP)
    small = phone.new_page()
    problems.watch(small)
    small.goto(case_path)
    # Nothing wider than the screen: no sideways scrolling to read a case.
    assert small.evaluate("() => document.documentElement.scrollWidth") <= 390
    journey.shot(small, "12-phone-case-page")

    # The analyst's first sign-in: enrolment with a locally drawn QR code, recovery codes
    # shown once, then the home page.
    ana = journey.enrol(analyst)
    assert ana.locator("svg.chart").is_visible()
    assert NAME not in ana.content()
    journey.shot(ana, "10-home-analyst")
    follow(ana.get_by_role("link", name="Export", exact=True))
    quarter = ana.locator("select#quarter").input_value()  # the open quarter: a preview
    ana.locator("select#fmt").select_option("csv")
    journey.shot(ana, "14-export-page")
    with ana.expect_download() as download_info:
        ana.get_by_role("button", name="Download", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"hrd-PROVISIONAL-{quarter}-")
    assert download.suggested_filename.endswith(".csv")
    exported = Path(download.path()).read_text(encoding="utf-8")
    assert exported.strip() and "Zq" not in exported and "Amani" not in exported
    assert "PROVISIONAL PREVIEW, NOT A RELEASE" in exported
    adi = journey.sign_in(admin)
    assert "All template files on disk validate." in adi.content()
    journey.shot(adi, "11-home-admin")

    # Signing out ends the session: the case page is gone for this browser.
    follow(fp.get_by_role("button", name="Sign out"))
    expect_flash(fp, "Signed out.")
    fp.goto(case_path)
    assert fp.url.startswith(f"{live_server}/login")
    assert NAME not in fp.content()

    # Nothing leaked into addresses; no console error or CSP violation anywhere.
    assert len(problems.urls) > 40
    for url in problems.urls:
        assert "amani" not in url.lower() and "zq" not in url.lower(), url
    assert problems.messages == []
    (SCREENSHOTS / "axe-results.json").write_text(
        json.dumps(journey.axe, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    blocking = {
        name: [v for v in found if v["impact"] in BLOCKING] for name, found in journey.axe.items()
    }
    assert all(not v for v in blocking.values()), blocking
    assert len(journey.axe) == 15


def test_the_console_watch_catches_a_csp_violation(
    app: Flask, live_server: str, playwright_browser: object, problems: PageProblems
) -> None:
    """Control: the journey's "no problems" is not vacuous. An inline style is refused by
    the CSP, and the watch reports it."""
    context = playwright_browser.new_context(base_url=live_server)
    context.add_init_script(REPORT_CSP)
    page = context.new_page()
    problems.watch(page)
    page.goto("/login")
    page.evaluate(
        "() => { const s = document.createElement('style'); s.textContent = 'body{}';"
        " document.head.appendChild(s); }"
    )
    page.wait_for_timeout(300)
    context.close()
    assert any("Content Security Policy" in m or "CSP violation" in m for m in problems.messages)
