"""Cases over the API: list, create, read, update, close, reopen, timeline, name search;
each for a role that may and one that may not."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.domain.vocabulary import RiskLevel
from hrd_cases.models import AuditEntry, Case
from hrd_cases.records import RecordVault
from tests.support.access import fresh
from tests.support.api import (
    DEFENDER_LOCATION,
    DEFENDER_NAME,
    INTAKE,
    NARRATIVE,
    World,
    data_of,
    errors_of,
    rule_of,
)
from tests.support.factories import make_case


def test_focal_point_and_covering_officer_list_the_case_with_its_name_only(
    world: World,
) -> None:
    """Issue 16: readers in scope see who is who (the primary defender's name); nothing else
    of the content (narrative, location) is in a listing."""
    owner = world.users["owner"]
    for role in ("owner", "owner_colleague", "officer"):
        response = world.api[role].get("/cases")
        cases = data_of(response)
        assert [c["reference"] for c in cases] == [world.case.reference], role
        assert response.get_json()["meta"] == {"page": 1, "per_page": 25, "total": 1, "pages": 1}
        body = response.get_data(as_text=True)
        assert cases[0]["defender_name"] == DEFENDER_NAME, role
        assert NARRATIVE not in body and DEFENDER_LOCATION not in body
        assert cases[0]["stage"] == "intake" and cases[0]["status"] == "open"
        assert cases[0]["assigned_to"] == {"id": owner.id, "display_name": owner.display_name}


def test_listing_is_scoped_and_refused_to_roles_without_cases(world: World) -> None:
    for role in ("other_focal_point", "other_officer"):
        assert data_of(world.api[role].get("/cases")) == [], role
    for role in ("analyst", "admin"):
        errors_of(world.api[role].get("/cases"), 403)


def test_listing_filters_and_pages(db: Session, vault: RecordVault, world: World) -> None:
    owner = world.users["owner"]
    for _ in range(3):
        make_case(db, vault, delegation=owner.delegation, actor=owner, risk_level=RiskLevel.LOW)
    api = world.api["owner"]
    assert len(data_of(api.get("/cases?risk_level=low"))) == 3
    assert len(data_of(api.get("/cases?risk_level=high&country=KE"))) == 1
    assert data_of(api.get("/cases?status=closed")) == []
    page = api.get("/cases?per_page=2&page=2")
    assert len(data_of(page)) == 2
    assert page.get_json()["meta"] == {"page": 2, "per_page": 2, "total": 4, "pages": 2}
    # An absurd page is clamped to the last one, never a server error.
    assert api.get("/cases?per_page=2&page=999999").get_json()["meta"]["page"] == 2
    assert data_of(api.get("/cases?opened_before=2000-01-01T00:00:00Z")) == []
    for bad in (
        "risk_level=extreme",
        "country=XX",
        "country=ke",
        "page=0",
        "per_page=101",
        "status=maybe",
        "opened_from=yesterday",
        "opened_from=2020-01-01T00:00:00",
        "colour=red",
        "page=1&page=2",
    ):
        errors_of(api.get(f"/cases?{bad}"), 422)


def test_focal_point_logs_a_case_for_their_delegation(db: Session, world: World) -> None:
    response = world.api["owner"].post("/cases", INTAKE)
    created = data_of(response, 201)
    assert created["country"] == "KE" and created["delegation"] == "DEL-KE-A"
    assert created["risk_level"] == "high" and created["template"]["code"] == "KE"
    assert set(created["profile_categories"]) == {"journalist_media", "woman_hrd"}
    assert response.headers["Location"] == f"/api/v1/cases/{created['reference']}"
    assert "Zq Otieno" not in response.get_data(as_text=True)  # no name in the answer
    case = fresh(db).scalar(select(Case).where(Case.reference == created["reference"]))
    assert case is not None and case.created_by_id == world.users["owner"].id
    detail = data_of(world.api["owner"].get(f"/cases/{created['reference']}"))
    assert detail["defenders"][0]["name"] == "Zq Otieno Canary"
    assert detail["narrative"] == "Zq canary intake narrative"


def test_only_focal_points_log_cases(world: World) -> None:
    for role in ("officer", "analyst", "admin"):
        errors_of(world.api[role].post("/cases", INTAKE), 403)


def test_intake_rules_of_the_template_answer_409(world: World) -> None:
    api = world.api["owner"]
    # The delegation is in Kenya: a case it logs concerns Kenya.
    assert rule_of(api.post("/cases", {**INTAKE, "country": "UG"})) == "intake.country"
    # Kenya's template requires a narrative and threats at intake.
    without = {k: v for k, v in INTAKE.items() if k != "narrative"}
    assert rule_of(api.post("/cases", without)) == "intake.required_fields"


def test_read_a_case_with_content_is_audited(db: Session, world: World) -> None:
    reference = world.case.reference
    for role in ("owner", "officer"):
        response = world.api[role].get(f"/cases/{reference}")
        case = data_of(response)
        assert case["reference"] == reference
        assert case["defenders"][0]["name"] == DEFENDER_NAME
        assert case["defenders"][0]["location"] == DEFENDER_LOCATION
        assert case["defenders"][0]["erased"] is False
        assert case["narrative"] == NARRATIVE
        assert case["deadlines"][0]["kind"] == "referral due"
    viewers = set(
        fresh(db).scalars(
            select(AuditEntry.actor_id).where(
                AuditEntry.action == "case.view", AuditEntry.object_id == reference
            )
        )
    )
    assert viewers == {world.users["owner"].id, world.users["officer"].id}
    for role in ("analyst", "admin"):
        errors_of(world.api[role].get(f"/cases/{reference}"), 403)


def test_focal_point_updates_a_case(db: Session, world: World) -> None:
    reference = world.case.reference
    api = world.api["owner"]
    changed = data_of(
        api.patch(
            f"/cases/{reference}",
            {
                "risk_level": "critical",
                "threats": ["travel_ban", "surveillance"],
                "profile_categories": ["lawyer"],
                "narrative": "Zq updated canary narrative",
            },
        )
    )
    assert changed["risk_level"] == "critical" and changed["assessed_at"] is not None
    assert changed["threats"] == ["surveillance", "travel_ban"]
    assert changed["profile_categories"] == ["lawyer"]
    assert changed["stage"] == "assessment"
    assert data_of(api.get(f"/cases/{reference}"))["narrative"] == "Zq updated canary narrative"
    kinds = [e["kind"] for e in data_of(api.get(f"/cases/{reference}/timeline"))]
    assert kinds[-2:] == ["case.assessed", "case.corrected"]
    assert "case.correct" in set(fresh(db).scalars(select(AuditEntry.action)))


def test_update_is_refused_to_officers_and_checked(world: World) -> None:
    reference = world.case.reference
    for role in ("officer", "analyst", "admin"):
        errors_of(world.api[role].patch(f"/cases/{reference}", {"risk_level": "low"}), 403)
    api = world.api["owner"]
    errors_of(api.patch(f"/cases/{reference}", {}), 422)  # nothing to change
    errors_of(api.patch(f"/cases/{reference}", {"delegation": "DEL-KE-B"}), 422)
    # Kenya's template requires a narrative: it cannot be emptied later.
    assert rule_of(api.patch(f"/cases/{reference}", {"narrative": None})) == (
        "intake.required_fields"
    )


def test_close_and_reopen(world: World) -> None:
    reference = world.case.reference
    api = world.api["owner"]
    for role in ("officer", "analyst"):
        errors_of(world.api[role].post(f"/cases/{reference}/closure", {"outcome": "resolved"}), 403)
    assert rule_of(api.post(f"/cases/{reference}/closure", {})) == "closure.required_fields"
    closed = data_of(
        api.post(f"/cases/{reference}/closure", {"outcome": "resolved", "reason": "Zq safe"})
    )
    assert closed["status"] == "closed" and closed["stage"] == "closed"
    assert rule_of(api.patch(f"/cases/{reference}", {"risk_level": "low"})) == "case.closed"
    assert rule_of(api.post(f"/cases/{reference}/closure", {"outcome": "other"})) == "case.closed"
    errors_of(world.api["officer"].post(f"/cases/{reference}/reopening"), 403)
    reopened = data_of(api.post(f"/cases/{reference}/reopening"))
    assert reopened["status"] == "open" and reopened["reopened_at"] is not None
    assert rule_of(api.post(f"/cases/{reference}/reopening")) == "case.transition"
    errors_of(api.post(f"/cases/{reference}/reopening", {"now": True}), 422)


def test_timeline(world: World) -> None:
    reference = world.case.reference
    for role in ("owner", "officer"):
        events = data_of(world.api[role].get(f"/cases/{reference}/timeline"))
        assert events[0]["kind"] == "case.opened"
        assert events[0]["details"] == {"risk_level": "high"}
    for role in ("analyst", "admin"):
        errors_of(world.api[role].get(f"/cases/{reference}/timeline"), 403)
    for role in ("other_focal_point", "other_officer"):
        errors_of(world.api[role].get(f"/cases/{reference}/timeline"), 404)


def test_name_search_is_scoped_post_only_and_audited_without_the_name(
    db: Session, world: World
) -> None:
    for role in ("owner", "officer"):
        for query in ("wanjiku", "ZQ WANJIKU CANARY-MWANGI", "Canary-Mwangi"):
            response = world.api[role].post("/defenders/search", {"name": query})
            matches = data_of(response)
            assert [m["name"] for m in matches] == [DEFENDER_NAME], (role, query)
            assert matches[0]["cases"] == [world.case.reference]
    assert data_of(world.api["owner"].post("/defenders/search", {"name": "nobody"})) == []
    for role in ("other_focal_point", "other_officer"):
        assert data_of(world.api[role].post("/defenders/search", {"name": "wanjiku"})) == []
    for role in ("analyst", "admin"):
        errors_of(world.api[role].post("/defenders/search", {"name": "wanjiku"}), 403)
    # Never a name in a URL: there is no GET search.
    response = world.api["owner"].get("/defenders/search?name=wanjiku")
    errors_of(response, 405)
    assert "POST" in response.headers["Allow"]
    errors_of(world.api["owner"].post("/defenders/search", {"name": ""}), 422)
    errors_of(world.api["owner"].post("/defenders/search", {"name": "x", "limit": 500}), 422)
    searches = (
        fresh(db).scalars(select(AuditEntry).where(AuditEntry.action == "defender.search")).all()
    )
    assert searches and all("wanjiku" not in str(e.details).lower() for e in searches)


def test_an_erased_case_reads_as_erased_and_refuses_new_content(db: Session, world: World) -> None:
    from hrd_cases.records.defenders import ErasureReason, erase_defender

    reference = world.case.reference
    defender_reference = world.case.defenders[0].reference
    erase_defender(
        db, defender_reference, ErasureReason.SAFETY, actor_id=None, include_case_content=True
    )
    api = world.api["owner"]
    case = data_of(api.get(f"/cases/{reference}"))
    assert case["defenders"][0]["erased"] is True and case["defenders"][0]["name"] is None
    assert case["narrative"] is None and case["content_erased"] is True
    assert DEFENDER_NAME not in api.get(f"/cases/{reference}").get_data(as_text=True)
    response = api.patch(f"/cases/{reference}", {"narrative": "Zq new narrative"})
    assert rule_of(response) == "record.erased"
    # Categories still change: they hold no personal data.
    assert data_of(api.patch(f"/cases/{reference}", {"risk_level": "low"}))["risk_level"] == "low"
