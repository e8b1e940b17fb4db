"""Issue 16, acceptance 4 and item 5, in Debian's Chromium with JavaScript off: a referral
above the template's ceiling is refused with 422, its panel open, what was typed kept, and
the message beside the amount *in the viewport* after the response (the form's address names
the panel's fragment); then an officer returns it with a reason, the focal point sees the
reason and edits it, and another officer approves the amount in a second, confirming step.
Screens: refused-step, returned-referral and confirm-grant, each checked by axe-core."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.models import Referral, Role
from hrd_cases.records import RecordVault
from tests.browser.conftest import SCREENSHOTS, PageProblems
from tests.browser.test_journey import Journey, expect_flash, follow
from tests.support.factories import make_case, make_delegation, make_user

RETURN_REASON = "Zq please attach the quote from the lawyer and ask for EUR 5,000 at most"
JUSTIFICATION = "Zq legal defence before the Milimani court"


def _in_viewport(page, selector: str) -> bool:
    """Measured by the browser (no page script: JavaScript is off)."""
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None, selector
    return box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


def _ask_too_much(page, reference: str) -> None:
    page.goto(f"/cases/{reference}")
    page.locator("#mechanism").select_option("eu_emergency_fund")
    page.get_by_label("Legal", exact=True).first.check()
    page.locator("#amount_eur").fill("12000")
    page.locator("#justification").fill(JUSTIFICATION)
    follow(page.get_by_role("button", name="Request referral"))


def test_a_refused_step_keeps_everything_and_a_returned_referral_comes_back(
    app: Flask,
    db: Session,
    vault: RecordVault,
    live_server: str,
    playwright_browser: object,
    problems: PageProblems,
) -> None:
    kenya = make_delegation(db, code="EU-KE", name="EU Delegation to Kenya", country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya, display_name="Fiona Focal")
    olu = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",), display_name="Olu Officer")
    bea = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",), display_name="Bea Officer")
    case = make_case(db, vault, delegation=kenya, actor=focal)
    journey = Journey(live_server, playwright_browser, vault, problems)

    # A refused step: 422, the panel open, the values kept, the message beside the amount.
    page = journey.sign_in(focal, javascript=False)
    responses: list[int] = []
    page.on("response", lambda r: responses.append(r.status) if r.request.method == "POST" else 0)
    _ask_too_much(page, case.reference)
    assert responses[-1] == 422
    assert page.url.endswith("#panel-referral")
    assert page.locator("#panel-referral").get_attribute("open") is not None
    message = page.locator("#amount_eur-error")
    assert message.inner_text() == (
        "The EU emergency fund grants at most EUR 10,000 under the Kenya strategy."
    )
    assert _in_viewport(page, "#amount_eur-error"), "the message is out of view"
    assert page.locator("#amount_eur").input_value() == "12000"
    assert page.locator("#justification").input_value() == JUSTIFICATION
    assert page.locator("#mechanism").input_value() == "eu_emergency_fund"
    journey.shot(page, "refused-step", replay=lambda p: _ask_too_much(p, case.reference))
    page.screenshot(path=str(SCREENSHOTS / "refused-step.png"))  # the viewport, as seen
    assert db.scalars(select(Referral)).all() == []

    page.locator("#amount_eur").fill("6000")
    follow(page.get_by_role("button", name="Request referral"))
    expect_flash(page, "Referral requested.")
    db.rollback()
    referral = db.scalars(select(Referral)).one()

    # An officer returns it for revision, with the reason.
    officer = journey.sign_in(olu, javascript=False)
    officer.goto(f"/cases/{case.reference}")
    officer.locator(f"#reason-{referral.id.hex}").fill(RETURN_REASON)
    follow(officer.get_by_role("button", name="Return for revision"))
    expect_flash(officer, "Returned to the requester for revision")

    # The focal point sees it returned, with the reason, and the edit panel waiting.
    page.goto(f"/cases/{case.reference}")
    notice = page.locator(".notice.returned")
    assert "Returned for revision by Olu Officer" in notice.inner_text()
    assert RETURN_REASON in notice.inner_text()
    journey.shot(page, "returned-referral")
    prefix = f"rv{referral.id.hex}"
    assert page.locator(f"#{prefix}-amount_eur").input_value() == "6000"
    page.locator(f"#{prefix}-amount_eur").fill("5000")
    follow(page.get_by_role("button", name="Save and request again"))
    expect_flash(page, "approvals given before the edit no longer count")

    # Whoever returned it is not offered approval.
    officer.goto(f"/cases/{case.reference}")
    assert "You returned this referral" in officer.content()
    assert officer.get_by_role("button", name="Approve referral…").count() == 0

    # Another officer approves the amount in a second step that repeats it.
    second = journey.sign_in(bea, javascript=False)
    second.goto(f"/cases/{case.reference}")
    follow(second.get_by_role("button", name="Approve referral…"))
    summary = second.locator(".confirm-summary").inner_text()
    assert "EUR 5,000 from the EU emergency fund for HRDs" in summary

    def ask_to_approve(p) -> None:
        p.goto(f"/cases/{case.reference}")
        follow(p.get_by_role("button", name="Approve referral…"))

    journey.shot(second, "confirm-grant", replay=ask_to_approve)
    follow(second.get_by_role("button", name="Yes, approve this grant"))
    expect_flash(second, "Your approval was recorded.")
    db.rollback()
    stored = db.get(Referral, referral.id)
    assert stored is not None and stored.revision == 2 and stored.approvals_given == 1

    assert problems.messages == []
    assert journey.axe == {"refused-step": [], "returned-referral": [], "confirm-grant": []}
