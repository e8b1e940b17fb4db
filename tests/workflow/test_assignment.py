"""Issue 16, item 11: a case's assigned focal point. By default whoever opened it; any focal
point of the case's delegation may reassign it, to an active focal point of that delegation,
audited and on the timeline; "my cases" filters the list. Attacked on both faces: out of
scope 404, wrong role 403, no CSRF token refused, an assignee outside the delegation refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.domain.errors import Forbidden, InvalidTransition, NotFound
from hrd_cases.models import AuditEntry, Case, Role, TimelineEvent, User
from hrd_cases.records import RecordVault
from hrd_cases.workflow import case_steps
from tests.support.access import fresh, sign_in
from tests.support.api import Api, data_of, errors_of, rule_of, token_for
from tests.support.app import AuthActions
from tests.support.factories import make_case, make_delegation, make_user


@dataclass
class Office:
    case: Case
    opener: User
    colleague: User
    inactive: User
    other_delegation: User
    officer: User
    analyst: User


@pytest.fixture
def office(db: Session, vault: RecordVault) -> Office:
    kenya = make_delegation(db, country="KE")
    elsewhere = make_delegation(db, country="KE")
    opener = make_user(db, Role.FOCAL_POINT, delegation=kenya, display_name="Zq Opener")
    colleague = make_user(db, Role.FOCAL_POINT, delegation=kenya, display_name="Zq Colleague")
    inactive = make_user(db, Role.FOCAL_POINT, delegation=kenya, is_active=False)
    return Office(
        case=make_case(db, vault, delegation=kenya, actor=opener),
        opener=opener,
        colleague=colleague,
        inactive=inactive,
        other_delegation=make_user(db, Role.FOCAL_POINT, delegation=elsewhere),
        officer=make_user(db, Role.PROTECTION_OFFICER, countries=("KE",)),
        analyst=make_user(db, Role.ANALYST),
    )


def _assignee(db: Session, office: Office) -> int | None:
    return fresh(db).scalar(select(Case.assigned_to_id).where(Case.id == office.case.id))


def test_the_opener_is_assigned_and_a_colleague_can_take_the_case_over(
    db: Session, office: Office
) -> None:
    assert office.case.assigned_to_id == office.opener.id
    case_steps.reassign_case(db, office.colleague, office.case.reference, office.colleague.id)
    assert _assignee(db, office) == office.colleague.id
    event = db.scalars(
        select(TimelineEvent).where(
            TimelineEvent.case_id == office.case.id, TimelineEvent.kind == "case.reassigned"
        )
    ).one()
    assert event.actor_id == office.colleague.id
    assert event.details == {"from": office.opener.id, "to": office.colleague.id}
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "case.reassign")).one()
    assert entry.object_id == office.case.reference and entry.actor_id == office.colleague.id
    # Reassigning to the same person again records nothing.
    case_steps.reassign_case(db, office.opener, office.case.reference, office.colleague.id)
    count = len(db.scalars(select(AuditEntry).where(AuditEntry.action == "case.reassign")).all())
    assert count == 1


@pytest.mark.parametrize("who", ["other_delegation", "inactive", "officer", "nobody"])
def test_an_assignee_outside_the_delegation_is_refused(
    db: Session, office: Office, who: str
) -> None:
    target = -1 if who == "nobody" else getattr(office, who).id
    with pytest.raises(InvalidTransition) as refused:
        case_steps.reassign_case(db, office.opener, office.case.reference, target)
    assert refused.value.rule == "assignment.delegation"
    assert _assignee(db, office) == office.opener.id


def test_the_service_refuses_other_roles_and_other_delegations(db: Session, office: Office) -> None:
    with pytest.raises(Forbidden):
        case_steps.reassign_case(db, office.officer, office.case.reference, office.colleague.id)
    with pytest.raises(NotFound):
        case_steps.reassign_case(
            db, office.other_delegation, office.case.reference, office.other_delegation.id
        )
    assert _assignee(db, office) == office.opener.id


# The page ----------------------------------------------------------------------------------
def test_the_page_reassigns_and_the_list_shows_it_with_my_cases(
    app: Flask, db: Session, vault: RecordVault, office: Office
) -> None:
    own = make_case(db, vault, delegation=office.opener.delegation, actor=office.colleague)
    browser = sign_in(app, office.opener.email)
    ref = office.case.reference
    detail = browser.get(f"/cases/{ref}").get_data(as_text=True)
    assert "Zq Opener" in detail.split("Assigned to")[1].split("</dd>")[0]
    form = browser.get(f"/cases/{ref}?reassign=1")
    assert form.status_code == 200
    body = form.get_data(as_text=True).split('id="assignment"')[1].split("</form>")[0]
    assert "Zq Colleague" in body and office.other_delegation.display_name not in body
    assert office.inactive.display_name not in body
    token = AuthActions(browser, app).csrf_token(f"/cases/{ref}")
    done = browser.post(
        f"/cases/{ref}/assignment", data={"assignee": office.colleague.id, "csrf_token": token}
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/cases/{ref}#summary")
    assert _assignee(db, office) == office.colleague.id
    timeline = browser.get(f"/cases/{ref}").get_data(as_text=True).split('id="timeline"')[1]
    assert "from Zq Opener to Zq Colleague" in timeline
    listing = sign_in(app, office.colleague.email).get("/cases?mine=1").get_data(as_text=True)
    assert ref in listing and own.reference in listing
    mine_for_opener = browser.get("/cases?mine=1").get_data(as_text=True)
    assert ref not in mine_for_opener and own.reference not in mine_for_opener
    assert "Zq Colleague" in browser.get("/cases").get_data(as_text=True)


def test_the_page_refuses_outsiders_wrong_roles_forged_choices_and_missing_tokens(
    app: Flask, db: Session, office: Office
) -> None:
    ref = office.case.reference
    outsider = sign_in(app, office.other_delegation.email)
    assert outsider.get(f"/cases/{ref}?reassign=1").status_code == 404
    token = AuthActions(outsider, app).csrf_token("/cases")
    answer = outsider.post(
        f"/cases/{ref}/assignment",
        data={"assignee": office.other_delegation.id, "csrf_token": token},
    )
    assert answer.status_code == 404
    officer = sign_in(app, office.officer.email)
    page = officer.get(f"/cases/{ref}?reassign=1")
    assert page.status_code == 200 and 'id="assignment"' not in page.get_data(as_text=True)
    token = AuthActions(officer, app).csrf_token("/cases")
    answer = officer.post(
        f"/cases/{ref}/assignment", data={"assignee": office.colleague.id, "csrf_token": token}
    )
    assert answer.status_code == 403
    analyst = sign_in(app, office.analyst.email)
    assert analyst.get(f"/cases/{ref}?reassign=1").status_code == 403

    browser = sign_in(app, office.opener.email)
    missing = browser.post(f"/cases/{ref}/assignment", data={"assignee": office.colleague.id})
    assert missing.status_code == 400
    token = AuthActions(browser, app).csrf_token(f"/cases/{ref}")
    forged = browser.post(
        f"/cases/{ref}/assignment",
        data={"assignee": office.other_delegation.id, "csrf_token": token},
    )
    assert forged.status_code == 422
    panel = forged.get_data(as_text=True).split('id="assignment"')[1].split("</form>")[0]
    assert 'class="field-error"' in panel and 'aria-invalid="true"' in panel
    assert _assignee(db, office) == office.opener.id


# The API -----------------------------------------------------------------------------------
def test_the_api_reads_and_changes_the_assignment_with_the_same_rules(
    app: Flask, db: Session, office: Office
) -> None:
    def api(user: User) -> Api:
        return Api(app.test_client(), token_for(db, user))

    ref = office.case.reference
    opener = api(office.opener)
    shown = data_of(opener.get(f"/cases/{ref}/assignment"))
    assert shown["assigned_to"] == {"id": office.opener.id, "display_name": "Zq Opener"}
    assert {c["id"] for c in shown["choices"]} == {office.opener.id, office.colleague.id}
    refused = opener.call(
        "PUT", f"/cases/{ref}/assignment", json={"assignee_id": office.other_delegation.id}
    )
    assert rule_of(refused) == "assignment.delegation"
    errors_of(
        api(office.officer).call(
            "PUT", f"/cases/{ref}/assignment", json={"assignee_id": office.colleague.id}
        ),
        403,
    )
    errors_of(api(office.analyst).get(f"/cases/{ref}/assignment"), 403)
    errors_of(api(office.other_delegation).get(f"/cases/{ref}/assignment"), 404)
    seen = data_of(api(office.officer).get(f"/cases/{ref}/assignment"))
    assert seen["assigned_to"]["id"] == office.opener.id and seen["choices"] == []
    errors_of(
        api(office.other_delegation).call(
            "PUT", f"/cases/{ref}/assignment", json={"assignee_id": office.colleague.id}
        ),
        404,
    )
    errors_of(opener.call("PUT", f"/cases/{ref}/assignment", json={"assignee_id": "x"}), 422)
    assert _assignee(db, office) == office.opener.id
    moved = data_of(
        opener.call("PUT", f"/cases/{ref}/assignment", json={"assignee_id": office.colleague.id})
    )
    assert moved["assigned_to"]["id"] == office.colleague.id
    mine = data_of(api(office.colleague).get("/cases?mine=true"))
    assert [c["reference"] for c in mine] == [ref]
    assert data_of(opener.get("/cases?mine=true")) == []
