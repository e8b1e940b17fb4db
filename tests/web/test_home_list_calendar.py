"""Home pages per role, the case list (filters, POSTed name search, pages) and the trial
calendar with its iCalendar file."""

from __future__ import annotations

from datetime import timedelta

import icalendar
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hrd_cases import create_app
from hrd_cases.db import utcnow
from hrd_cases.domain.vocabulary import AssistanceType, Mechanism, RiskLevel
from hrd_cases.models import AuditEntry, Case, Role
from hrd_cases.reads.lists import cases_per_quarter, quarters_between
from hrd_cases.records import RecordVault
from hrd_cases.settings import Settings
from hrd_cases.workflow import hearings, referrals
from hrd_cases.workflow.referrals import ReferralInput
from tests.support.access import cookie_name, fresh, session_cookie, sign_in
from tests.support.app import AuthActions
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue

NAME = "Zq Achieng Listtest"
COURT = "Zq Kibera Law Courts"


def title_of(html: str) -> str:
    return html.split("<title>")[1].split("</title>")[0]


def test_focal_point_home_lists_tasks_and_open_cases_by_stage(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    kenya = make_delegation(db, country="KE")
    fp = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    late = make_case(db, vault, delegation=kenya, actor=fp, risk_level=RiskLevel.CRITICAL)
    calm = make_case(db, vault, delegation=kenya, actor=fp, risk_level=RiskLevel.LOW)
    # A critical case in Kenya must be referred within 24 hours: make it 3 days old.
    db.execute(
        update(Case).where(Case.id == late.id).values(opened_at=utcnow() - timedelta(days=3))
    )
    db.commit()
    hearings.schedule_hearing(
        db,
        vault,
        strategy_catalogue(),
        fp,
        calm.reference,
        scheduled_for=utcnow() + timedelta(days=5),
        court=COURT,
    )
    page = sign_in(app, fp.email).get("/").get_data(as_text=True)
    needs = page.split('id="needs-title"')[1].split("</section>")[0]
    assert "Request a referral" in needs and "overdue since" in needs
    assert late.reference in needs and calm.reference not in needs
    intake = page.split("Intake")[1].split("</ul>")[0]
    assert intake.index(late.reference) >= 0
    monitoring = page.split("Monitoring")[1].split("</ul>")[0]
    assert calm.reference in monitoring
    assert COURT in page.split('id="hearings-title"')[1]


def test_officer_home_is_the_approval_queue_oldest_first(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    kenya = make_delegation(db, country="KE")
    fp = make_user(db, Role.FOCAL_POINT, delegation=kenya, display_name="Fatma Requester")
    officer = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
    refs = []
    for _ in range(2):
        case = make_case(db, vault, delegation=kenya, actor=fp)
        referrals.create_referral(
            db,
            vault,
            strategy_catalogue(),
            fp,
            case.reference,
            ReferralInput(Mechanism.EU_HRD_MECHANISM, [AssistanceType.LEGAL]),
        )
        refs.append(case.reference)
    # The second one has waited longer (and is past Kenya's 48-hour decision deadline).
    db.execute(
        update(referrals.Referral)
        .where(referrals.Referral.case_id == Case.id, Case.reference == refs[1])
        .values(requested_at=utcnow() - timedelta(days=4))
    )
    db.commit()
    page = sign_in(app, officer.email).get("/").get_data(as_text=True)
    assert "Approval queue" in page
    assert page.index(refs[1]) < page.index(refs[0])
    assert "overdue since" in page and "Fatma Requester" in page
    assert "0 of 2" in page


def test_analyst_home_shows_counts_only_with_suppression(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    kenya = make_delegation(db, country="KE")
    fp = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    for _ in range(2):
        make_case(db, vault, delegation=kenya, actor=fp, defender={"name": NAME})
    analyst = make_user(db, Role.ANALYST)
    page = sign_in(app, analyst.email).get("/").get_data(as_text=True)
    assert "<svg" in page and "suppressed" in page
    assert NAME not in page
    counts = cases_per_quarter(fresh(db), k=5)
    assert counts[-1].count is None  # 2 cases < k: suppressed, never "2"
    assert [c.count for c in cases_per_quarter(fresh(db), k=2)][-1] == 2


def test_analyst_home_counts_each_quarter_by_its_utc_bounds(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    """Counted in SQL per quarter: a case opened in the last second of a quarter and one in
    the first second of the next fall on each side of the bound, and a quarter with none
    reads 0 (not suppressed)."""
    from datetime import UTC, date, datetime

    kenya = make_delegation(db, country="KE")
    fp = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    moments = [datetime(2025, 9, 30, 23, 59, 59, tzinfo=UTC)] * 3 + [
        datetime(2025, 10, 1, 0, 0, 0, tzinfo=UTC)
    ] * 5
    for moment in moments:
        case = make_case(db, vault, delegation=kenya, actor=fp)
        db.execute(update(Case).where(Case.id == case.id).values(opened_at=moment))
    db.commit()
    counts = cases_per_quarter(fresh(db), k=2, today=date(2026, 6, 30))
    assert [(c.quarter, c.count) for c in counts] == [
        ("2025-Q3", 3),
        ("2025-Q4", 5),
        ("2026-Q1", 0),
        ("2026-Q2", 0),
    ]
    shown = cases_per_quarter(fresh(db), k=2, today=date(2026, 6, 30), released={"2025Q4": 4})
    assert (shown[1].count, shown[1].released) == (4, True)


def test_quarters_between_spans_years() -> None:
    from datetime import date

    assert quarters_between(date(2025, 11, 1), date(2026, 4, 1)) == [
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
    ]


def test_admin_home_shows_users_delegations_and_templates(app: Flask, db: Session) -> None:
    make_delegation(db, code="DEL-ZZ-ADMIN", country="KE")
    admin = make_user(db, Role.ADMIN, email="root@example.org")
    page = sign_in(app, admin.email).get("/").get_data(as_text=True)
    assert "root@example.org" in page and "DEL-ZZ-ADMIN" in page
    assert "All template files on disk validate." in page
    assert "Kenya" in page


def test_case_list_filters_and_pages(app: Flask, db: Session, vault: RecordVault) -> None:
    kenya = make_delegation(db, country="KE")
    fp = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    high = make_case(db, vault, delegation=kenya, actor=fp, risk_level=RiskLevel.HIGH)
    low = make_case(db, vault, delegation=kenya, actor=fp, risk_level=RiskLevel.LOW)
    browser = sign_in(app, fp.email)
    page = browser.get("/cases?risk=low").get_data(as_text=True)
    assert low.reference in page and high.reference not in page
    page = browser.get("/cases?stage=intake&country=KE").get_data(as_text=True)
    assert low.reference in page and high.reference in page
    assert high.reference not in browser.get("/cases?stage=closed").get_data(as_text=True)
    # Overdue: a critical Kenyan case unreferred for three days (the template says 24 hours).
    late = make_case(db, vault, delegation=kenya, actor=fp, risk_level=RiskLevel.CRITICAL)
    db.execute(
        update(Case).where(Case.id == late.id).values(opened_at=utcnow() - timedelta(days=3))
    )
    db.commit()
    page = browser.get("/cases?overdue=1").get_data(as_text=True)
    assert late.reference in page and low.reference not in page and "1 case." in page
    # Unknown filter values are ignored, not errors.
    assert browser.get("/cases?risk=nope&stage=x&country=123").status_code == 200
    for _ in range(26):
        make_case(db, vault, delegation=kenya, actor=fp, risk_level=RiskLevel.LOW)
    first = browser.get("/cases?risk=low").get_data(as_text=True)
    assert "Page 1 of 2" in first and "risk=low" in first.split('aria-label="Pages"')[1]
    assert "Page 2 of 2" in browser.get("/cases?risk=low&page=2").get_data(as_text=True)


def test_name_search_is_posted_scoped_and_never_in_the_url_or_title(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    kenya, other = make_delegation(db, country="KE"), make_delegation(db, country="KE")
    fp = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    mine = make_case(db, vault, delegation=kenya, actor=fp, defender={"name": NAME})
    unrelated = make_case(db, vault, delegation=kenya, actor=fp, defender={"name": "Zq Other"})
    theirs = make_case(db, vault, delegation=other, defender={"name": NAME})
    browser = sign_in(app, fp.email)
    token = AuthActions(browser, app).csrf_token("/cases")
    response = browser.post("/cases", data={"name": "achieng", "csrf_token": token})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert mine.reference in page
    assert unrelated.reference not in page and theirs.reference not in page
    assert "achieng" not in title_of(page).lower()
    assert response.request.url.endswith("/cases")  # no query string: nothing in the address
    # The search form is a POST form; the filter form (GET) has no name field.
    assert 'method="post" action="/cases"' in page
    get_form = page.split('method="get"')[1].split("</form>")[0]
    assert 'name="name"' not in get_form
    # An empty search shows everything again; a one-letter one is an error beside the field.
    token = AuthActions(browser, app).csrf_token("/cases")
    assert unrelated.reference in browser.post(
        "/cases", data={"name": "", "csrf_token": token}
    ).get_data(as_text=True)
    short = browser.post("/cases", data={"name": "a", "csrf_token": token})
    assert short.status_code == 422 and 'id="name-error"' in short.get_data(as_text=True)


def test_calendar_and_ics_carry_references_and_times_but_no_names(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    kenya, other = make_delegation(db, country="KE"), make_delegation(db, country="KE")
    fp = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    outsider = make_user(db, Role.FOCAL_POINT, delegation=other)
    case = make_case(db, vault, delegation=kenya, actor=fp, defender={"name": NAME})
    when = (utcnow() + timedelta(days=3)).replace(hour=9, minute=30, second=0, microsecond=0)
    hearings.schedule_hearing(
        db, vault, strategy_catalogue(), fp, case.reference, scheduled_for=when, court=COURT
    )
    browser = sign_in(app, fp.email)
    page = browser.get("/calendar").get_data(as_text=True)
    assert case.reference in page and COURT in page and NAME not in page
    feed = browser.get("/calendar.ics")
    assert feed.status_code == 200
    assert feed.mimetype == "text/calendar"
    assert "attachment" in feed.headers["Content-Disposition"]
    assert "no-store" in feed.headers["Cache-Control"]
    body = feed.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert f"SUMMARY:Hearing\\, case {case.reference}" in body
    # 09:30 UTC is 12:30 in Nairobi, the Kenyan delegation's zone, written with its TZID.
    assert f"DTSTART;TZID=Africa/Nairobi:{when:%Y%m%d}T123000" in body
    assert "BEGIN:VTIMEZONE" in body and "TZID:Africa/Nairobi" in body
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert event.decoded("dtstart") == when
    assert NAME not in body and "Achieng" not in body
    # By default the file does not name the court (no opt-in): not even "not recorded".
    assert "Kibera" not in body and "LOCATION" not in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    # Another delegation's focal point: neither the page nor the file shows it.
    other_browser = sign_in(app, outsider.email)
    assert case.reference not in other_browser.get("/calendar").get_data(as_text=True)
    assert case.reference not in other_browser.get("/calendar.ics").get_data(as_text=True)
    analyst = sign_in(app, make_user(db, Role.ANALYST).email)
    assert analyst.get("/calendar").status_code == 403
    assert analyst.get("/calendar.ics").status_code == 403


def test_every_page_with_case_data_is_no_store(app: Flask, db: Session, vault: RecordVault) -> None:
    kenya = make_delegation(db, country="KE")
    fp = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    case = make_case(db, vault, delegation=kenya, actor=fp, defender={"name": NAME})
    browser = sign_in(app, fp.email)
    for path in ("/", "/cases", "/cases/new", f"/cases/{case.reference}", "/calendar"):
        response = browser.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers["Cache-Control"], path
        assert NAME not in title_of(response.get_data(as_text=True)), path


def test_officer_list_pages_newest_first_across_countries_within_scope(
    db: Session, vault: RecordVault
) -> None:
    """An officer's page is cut from each covered country's newest cases (one index range
    each): the result must equal sorting every case in scope, page by page, and never
    include a country outside the scope."""
    from hrd_cases.reads.lists import CaseFilters, list_cases, visible_countries

    delegations = {c: make_delegation(db, country=c) for c in ("KE", "NP", "TR")}
    officer = make_user(db, Role.PROTECTION_OFFICER, countries=("KE", "NP"))
    now = utcnow()
    cases = []
    for n in range(11):
        country = ("KE", "NP", "TR")[n % 3]
        case = make_case(db, vault, delegation=delegations[country])
        # Interleaved dates across countries; two cases share a moment.
        opened = now - timedelta(hours=(n * 7) % 11 if n != 10 else 3)
        db.execute(update(Case).where(Case.id == case.id).values(opened_at=opened))
        cases.append(case)
    db.commit()
    for case in cases:
        db.refresh(case)
    in_scope = sorted(
        (c for c in cases if c.country in ("KE", "NP")),
        key=lambda c: (c.opened_at, c.reference),
        reverse=True,
    )
    catalogue = strategy_catalogue()
    seen = []
    for page in (1, 2, 3):
        listing = list_cases(db, catalogue, officer, CaseFilters(), page=page, page_size=3)
        assert listing.total == len(in_scope) and listing.pages == 3
        seen += [r.case.reference for r in listing.rows]
    assert seen == [c.reference for c in in_scope]
    nepal = list_cases(db, catalogue, officer, CaseFilters(country="NP"), page=1, page_size=25).rows
    assert [r.case.reference for r in nepal] == [c.reference for c in in_scope if c.country == "NP"]
    assert visible_countries(db, officer) == ["KE", "NP"]


def test_ics_names_the_court_only_after_the_users_own_opt_in(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    """The account page says what the choice exposes; the choice is the user's own, audited,
    and reversible; the API shows and changes the same setting."""
    kenya = make_delegation(db, country="KE")
    fp = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    colleague = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    case = make_case(db, vault, delegation=kenya, actor=fp, defender={"name": NAME})
    when = (utcnow() + timedelta(days=3)).replace(hour=9, minute=30, second=0, microsecond=0)
    hearings.schedule_hearing(
        db, vault, strategy_catalogue(), fp, case.reference, scheduled_for=when, court=COURT
    )
    browser = sign_in(app, fp.email)
    page = browser.get("/account/calendar").get_data(as_text=True)
    assert "names the court" in page and "whoever holds your calendar" in page
    assert 'name="shows_court"' in page and "checked" not in page
    token = AuthActions(browser, app).csrf_token("/account/calendar")
    saved = browser.post("/account/calendar", data={"shows_court": "y", "csrf_token": token})
    assert saved.status_code == 302
    assert "checked" in browser.get("/account/calendar").get_data(as_text=True)
    assert "LOCATION:Zq Kibera Law Courts" in browser.get("/calendar.ics").get_data(as_text=True)
    # Another user's file is unchanged by it.
    other = sign_in(app, colleague.email).get("/calendar.ics").get_data(as_text=True)
    assert case.reference in other and "Kibera" not in other
    # The choice is audited; turning it off hides the court again.
    actions = fresh(db).scalars(select(AuditEntry.action)).all()
    assert "account.calendar_court.change" in actions
    browser.post("/account/calendar", data={"csrf_token": token})
    assert "Kibera" not in browser.get("/calendar.ics").get_data(as_text=True)
    # A forged form without the CSRF token changes nothing.
    browser.post("/account/calendar", data={"shows_court": "y"})
    assert "Kibera" not in browser.get("/calendar.ics").get_data(as_text=True)


def test_ics_uid_names_the_configured_host_never_the_request_host(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    """Attack: send a forged Host header; the UID (which calendar apps keep and sync) must
    not reflect it."""
    kenya = make_delegation(db, country="KE")
    fp = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    case = make_case(db, vault, delegation=kenya, actor=fp, defender={"name": NAME})
    when = utcnow() + timedelta(days=2)
    hearings.schedule_hearing(
        db, vault, strategy_catalogue(), fp, case.reference, scheduled_for=when, court=COURT
    )
    browser = sign_in(app, fp.email)
    # The browser's session cookie, sent to the forged host too (the test client files
    # cookies by domain).
    browser.set_cookie(cookie_name(app), session_cookie(browser) or "", domain="evil.example")
    feed = browser.get("/calendar.ics", headers={"Host": "evil.example"})
    assert feed.status_code == 200
    body = feed.get_data(as_text=True)
    assert "evil.example" not in body
    uids = [line for line in body.split("\r\n") if line.startswith("UID:")]
    assert uids and all(u.endswith("@" + app.extensions["hrd_settings"].public_host) for u in uids)


def test_trusted_hosts_refuse_a_foreign_host_header(settings: Settings) -> None:
    app = create_app(settings.replace(trusted_hosts=("cases.example.eu",)))
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "cases.example.eu"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
    # Without the setting (development, tests) any host is answered.
    assert (
        create_app(settings)
        .test_client()
        .get("/healthz", headers={"Host": "evil.example"})
        .status_code
        == 200
    )
