"""Admin screens in Debian's Chromium: the audit viewer and "who accessed this case" for the
auditor, the template viewer with a diff. Screens are checked with axe-core: 0 violations.
The invitation journey, by e-mail, is in test_admin_mail_journey.py."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from hrd_cases.models import Role, User
from hrd_cases.records import RecordVault
from tests.browser.conftest import AXE, REPORT_CSP, SCREENSHOTS, PageProblems, totp_code
from tests.support.factories import DEFAULT_PASSWORD, make_user, totp_secret_of


def follow(locator) -> None:  # type: ignore[no-untyped-def]
    with locator.page.expect_navigation():
        locator.click()


def new_page(browser, base: str, problems: PageProblems, *, javascript: bool = True):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=base, java_script_enabled=javascript, viewport={"width": 1280, "height": 900}
    )
    context.add_init_script(REPORT_CSP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems.watch(page)
    return page


def axe_violations(browser, base: str, page, name: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    """Screenshot ``page`` and run axe-core on the same screen (same session, CSP bypassed
    only in this checking context, since axe is injected as a script)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    checker = browser.new_context(
        base_url=base, bypass_csp=True, storage_state=page.context.storage_state()
    )
    try:
        audit = checker.new_page()
        audit.goto(page.url.split("#")[0])
        audit.add_script_tag(path=str(AXE))
        found = audit.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        )
    finally:
        checker.close()
    return [{"id": v["id"], "impact": v["impact"], "screen": name} for v in found]


def sign_in_page(browser, base: str, problems: PageProblems, vault: RecordVault, user: User):  # type: ignore[no-untyped-def]
    page = new_page(browser, base, problems)
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    follow(page.get_by_role("button", name="Continue"))
    page.get_by_label("Code from your authenticator app").fill(
        totp_code(totp_secret_of(vault, user))
    )
    follow(page.get_by_role("button", name="Sign in"))
    return page


def test_audit_viewer_and_who_accessed_screens(
    app: Flask,
    db: Session,
    vault: RecordVault,
    live_server: str,
    playwright_browser: object,
    problems: PageProblems,
) -> None:
    """The auditor filters the log and asks who accessed a case, seeing no case content."""
    from tests.support.access import sign_in
    from tests.support.factories import make_case, make_delegation

    browser, base = playwright_browser, live_server
    delegation = make_delegation(db, code="DEL-KE-SHOT", country="KE")
    owner = make_user(db, Role.FOCAL_POINT, delegation=delegation)
    case = make_case(
        db, vault, delegation=delegation, actor=owner, defender={"name": "Zq Screenshot Defender"}
    )
    assert sign_in(app, owner.email).get(f"/cases/{case.reference}").status_code == 200
    auditor = make_user(db, Role.AUDITOR)
    violations: list[dict] = []  # type: ignore[type-arg]

    page = sign_in_page(browser, base, problems, vault, auditor)
    main_nav = page.get_by_role("navigation", name="Main")
    follow(main_nav.get_by_role("link", name="Audit log"))
    page.get_by_label("Case reference").fill(case.reference)
    follow(page.get_by_role("button", name="Show", exact=True))
    assert page.locator("td", has_text="case.view").count() >= 1
    assert "Verified up to entry" in page.content()
    violations += axe_violations(browser, base, page, "22-audit-viewer")

    follow(main_nav.get_by_role("link", name="Who accessed a case"))
    page.get_by_label("Case reference").fill(case.reference)
    follow(page.get_by_role("button", name="Show"))
    body = page.content()
    assert owner.email in body and "Zq Screenshot" not in body
    violations += axe_violations(browser, base, page, "23-who-accessed-case")
    assert problems.messages == []
    assert violations == []


def test_template_viewer_with_a_diff_screen(
    app: Flask,
    db: Session,
    vault: RecordVault,
    live_server: str,
    playwright_browser: object,
    problems: PageProblems,
) -> None:
    browser, base = playwright_browser, live_server
    admin = make_user(db, Role.ADMIN)
    page = sign_in_page(browser, base, problems, vault, admin)
    follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates"))
    assert "Every template file validates." in page.content()
    follow(page.get_by_role("link", name="KE", exact=True))
    follow(page.get_by_role("button", name="Show the differences"))
    assert page.locator("tr.diff-changed, tr.diff-added, tr.diff-removed").count() >= 1
    violations = axe_violations(browser, base, page, "24-template-viewer-diff")
    assert problems.messages == []
    assert violations == []
