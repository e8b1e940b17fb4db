"""Issue 16 part A in Debian's Chromium: a focal point corrects a defender's name and the
narrative and adds a note, without JavaScript; a protection officer then reads the history of
corrections (screenshot ``correction-history``, axe-core: no violation) and finds the case by
the new name, not by the old one."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from hrd_cases.models import Role
from hrd_cases.records import RecordVault
from tests.browser.conftest import PageProblems
from tests.browser.test_journey import Journey, expect_flash, follow
from tests.support.factories import make_case, make_delegation, make_user

OLD_NAME = "Zq Amani Otieno"
NEW_NAME = "Zq Amani Achieng-Otieno"
NOTE = "Zq Called the lawyer: the hearing is confirmed for Monday."


def test_an_officer_reads_the_history_of_a_correction(
    app: Flask,
    db: Session,
    vault: RecordVault,
    live_server: str,
    playwright_browser: object,
    problems: PageProblems,
) -> None:
    kenya = make_delegation(db, code="EU-KE", name="EU Delegation to Kenya", country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya, display_name="Fiona Focal")
    officer = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",), display_name="Olu Officer")
    case = make_case(
        db,
        vault,
        delegation=kenya,
        actor=focal,
        defender={"name": OLD_NAME, "location": "Zq Kisumu", "contact_details": "Zq +254 700 1"},
        narrative="Zq Followed home after the march.",
    )
    journey = Journey(live_server, playwright_browser, vault, problems)

    page = journey.sign_in(focal, javascript=False)
    page.goto(f"/cases/{case.reference}")
    follow(page.get_by_role("link", name="Correct the defender or the case"))
    page.get_by_label("Full name").fill(NEW_NAME)
    page.get_by_label("Contact details").fill("Zq +254 711 2 (new phone)")
    follow(page.get_by_role("button", name="Save the defender's corrections"))
    expect_flash(page, "Corrected: Full name, Contact details.")
    page.goto(f"/cases/{case.reference}/corrections")
    page.get_by_label("Narrative").fill("Zq Followed home after the march, then threatened.")
    follow(page.get_by_role("button", name="Save the case's corrections"))
    page.goto(f"/cases/{case.reference}")
    page.locator("summary", has_text="Add a note").click()
    page.locator("#note-text").fill(NOTE)
    follow(page.get_by_role("button", name="Add note"))
    expect_flash(page, "Note added.")
    assert page.locator("#case-notes").inner_text().count("Zq Called the lawyer") == 1

    officer_page = journey.sign_in(officer)
    officer_page.goto(f"/cases/{case.reference}")
    assert NOTE in officer_page.locator("#case-notes").inner_text()
    assert "Correct the defender or the case" not in officer_page.content()
    follow(officer_page.get_by_role("link", name="History of corrections"))
    history = officer_page.locator("main").inner_text()
    assert NEW_NAME in history and OLD_NAME in history and "Fiona Focal" in history
    assert "Zq Followed home after the march." in history
    journey.shot(officer_page, "correction-history")

    officer_page.goto("/cases")
    officer_page.get_by_role("searchbox", name="Defender name").fill(NEW_NAME)
    follow(officer_page.get_by_role("button", name="Search"))
    assert case.reference in officer_page.locator("main").inner_text()
    officer_page.get_by_role("searchbox", name="Defender name").fill(OLD_NAME)
    follow(officer_page.get_by_role("button", name="Search"))
    assert case.reference not in officer_page.locator("main").inner_text()
    # No name ever travelled in an address.
    assert not any("Amani" in url or "Zq" in url for url in problems.urls)

    assert problems.messages == []
    assert journey.axe == {"correction-history": []}  # axe-core: no violation at all
