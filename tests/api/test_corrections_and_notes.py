"""Issue 16, part A, on the API: PATCH corrects identity fields now (through the same service
as the page), a corrected name is found and the old one is not, earlier versions and notes are
read by readers of the case only, and every new step has its attack tests (scope 404, role
403, template rule 409 naming it, closed case 409)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.models import AuditEntry, TimelineEvent
from tests.support.access import fresh
from tests.support.api import (
    DEFENDER_LOCATION,
    DEFENDER_NAME,
    NARRATIVE,
    World,
    data_of,
    errors_of,
    rule_of,
)

NEW_NAME = "Zq Wanjiku Corrected-Mwangi"
NEW_PHONE = "Zq +254 711 000 999"


def _found(world: World, role: str, name: str) -> list[str]:
    found = data_of(world.api[role].post("/defenders/search", {"name": name}))
    return [match["name"] for match in found]


def test_patch_corrects_the_name_which_is_found_and_the_old_one_not(
    db: Session, world: World
) -> None:
    reference = world.case.reference
    owner = world.api["owner"]
    assert _found(world, "owner", DEFENDER_NAME) == [DEFENDER_NAME]
    summary = data_of(
        owner.patch(
            f"/cases/{reference}",
            {"defender": {"name": NEW_NAME, "contact_details": NEW_PHONE}, "risk_level": "medium"},
        )
    )
    assert summary["risk_level"] == "medium" and "name" not in summary
    for role in ("owner", "officer"):
        assert _found(world, role, NEW_NAME) == [NEW_NAME]
        assert _found(world, role, "corrected-mwangi") == [NEW_NAME]
        assert _found(world, role, DEFENDER_NAME) == []
    case = data_of(owner.get(f"/cases/{reference}"))
    assert case["defenders"][0]["name"] == NEW_NAME
    assert case["defenders"][0]["contact_details"] == NEW_PHONE
    kinds = {e["kind"]: e for e in data_of(owner.get(f"/cases/{reference}/timeline"))}
    assert kinds["defender.corrected"]["details"] == {"fields": "name,contact_details"}
    assert kinds["case.corrected"]["details"] == {"fields": "risk_level"}
    assert NEW_NAME not in str(kinds) and DEFENDER_NAME not in str(kinds)


def test_the_defender_route_corrects_and_the_history_shows_earlier_versions(
    world: World,
) -> None:
    reference = world.case.reference
    defender = world.case.defenders[0].reference
    changed = data_of(
        world.api["owner"].patch(
            f"/cases/{reference}/defenders/{defender}",
            {"name": NEW_NAME, "location": DEFENDER_LOCATION, "organisation": "Zq Haki"},
        )
    )
    # The location was given with its current value: not a change.
    assert changed == {
        "case": reference,
        "case_fields": [],
        "defender": defender,
        "defender_fields": ["name", "organisation"],
    }
    data_of(world.api["owner"].patch(f"/cases/{reference}", {"narrative": "Zq told again"}))
    for role in ("owner", "officer"):
        history = data_of(world.api[role].get(f"/cases/{reference}/history"))
        shown = {(f["defender"], f["field"]): f for f in history}
        name = shown[(defender, "name")]
        assert name["current"] == NEW_NAME and name["erased"] is False
        assert [v["value"] for v in name["versions"]] == [DEFENDER_NAME]
        assert name["versions"][0]["replaced_by"] == world.users["owner"].display_name
        assert shown[(defender, "organisation")]["versions"][0]["value"] is None  # was empty
        assert shown[(None, "narrative")]["versions"][0]["value"] == NARRATIVE
        assert set(shown) == {(defender, "name"), (defender, "organisation"), (None, "narrative")}


def test_reading_the_history_and_notes_is_audited_as_a_view(db: Session, world: World) -> None:
    reference = world.case.reference
    data_of(world.api["officer"].get(f"/cases/{reference}/history"))
    data_of(world.api["officer"].get(f"/cases/{reference}/notes"))
    views = fresh(db).scalars(
        select(AuditEntry).where(
            AuditEntry.action == "case.view", AuditEntry.actor_id == world.users["officer"].id
        )
    )
    assert sorted((v.details or {}).get("part") for v in views) == ["history", "notes"]


def test_notes_are_added_by_focal_points_and_read_newest_first(world: World) -> None:
    reference = world.case.reference
    first = data_of(world.api["owner"].post(f"/cases/{reference}/notes", {"text": "Zq one"}), 201)
    assert first["author"] == world.users["owner"].display_name and first["text"] == "Zq one"
    data_of(world.api["owner_colleague"].post(f"/cases/{reference}/notes", {"text": "Zq two"}), 201)
    for role in ("owner", "officer"):
        notes = data_of(world.api[role].get(f"/cases/{reference}/notes"))
        assert [n["text"] for n in notes] == ["Zq two", "Zq one"]
        assert notes[0]["written_at"] >= notes[1]["written_at"]
        detail = data_of(world.api[role].get(f"/cases/{reference}"))
        assert [n["text"] for n in detail["notes"]] == ["Zq two", "Zq one"]
    timeline = data_of(world.api["owner"].get(f"/cases/{reference}/timeline"))
    added = [e for e in timeline if e["kind"] == "case.note_added"]
    assert len(added) == 2 and "Zq" not in str(added)


def test_attacks_on_corrections_and_notes(db: Session, world: World) -> None:
    reference = world.case.reference
    defender = world.case.defenders[0].reference
    writes = (
        ("PATCH", f"/cases/{reference}", {"defender": {"name": NEW_NAME}}),
        ("PATCH", f"/cases/{reference}/defenders/{defender}", {"name": NEW_NAME}),
        ("POST", f"/cases/{reference}/notes", {"text": "Zq intruder"}),
    )
    reads = (f"/cases/{reference}/history", f"/cases/{reference}/notes")
    for method, path, body in writes:
        # Out of scope reads like absent; the wrong role is refused; nothing changes.
        errors_of(world.api["other_focal_point"].call(method, path, body), 404)
        for role in ("officer", "officer_two", "analyst", "admin"):
            errors_of(world.api[role].call(method, path, body), 403)
        errors_of(world.api["anonymous"].call(method, path, body), 401)
    for path in reads:
        errors_of(world.api["other_officer"].get(path), 404)
        errors_of(world.api["other_focal_point"].get(path), 404)
        for role in ("analyst", "admin"):
            errors_of(world.api[role].get(path), 403)
    assert _found(world, "owner", DEFENDER_NAME) == [DEFENDER_NAME]
    assert data_of(world.api["owner"].get(f"/cases/{reference}/notes")) == []
    # An absent defender of this case reads like absent.
    errors_of(
        world.api["owner"].patch(f"/cases/{reference}/defenders/HRD-AAAAA-AAAAA", {"name": "Zq"}),
        404,
    )
    # Named in the body instead, on a case that exists: refused beside that field (409), so a
    # client can tell "no such case" from "not on this case".
    refused = world.api["owner"].patch(
        f"/cases/{reference}", {"defender": {"reference": "HRD-AAAAA-AAAAA", "name": "Zq"}}
    )
    assert rule_of(refused) == "defender.not_on_case"
    assert errors_of(refused, 409)["defender.reference"] == ["Not a defender of this case."]
    # Not shaped like a defender's reference at all: bad input (the document's pattern).
    malformed = {"defender": {"reference": "\x7f", "name": "Zq"}}
    assert "defender.reference" in errors_of(
        world.api["owner"].patch(f"/cases/{reference}", malformed), 422
    )
    # Template rule: Kenya's template requires a location at intake; it cannot be emptied.
    owner = world.api["owner"]
    response = owner.patch(f"/cases/{reference}/defenders/{defender}", {"location": None})
    assert rule_of(response) == "intake.required_fields"
    assert "location" in str(response.get_json()["errors"])
    # Input: the name is never emptied, nothing to correct is refused, no unknown field.
    errors_of(owner.patch(f"/cases/{reference}/defenders/{defender}", {"name": ""}), 422)
    errors_of(owner.patch(f"/cases/{reference}/defenders/{defender}", {}), 422)
    errors_of(owner.patch(f"/cases/{reference}/defenders/{defender}", {"role": "x"}), 422)
    errors_of(owner.post(f"/cases/{reference}/notes", {"text": ""}), 422)
    errors_of(owner.post(f"/cases/{reference}/notes", {}), 422)
    # A closed case accepts nothing but reopen.
    data_of(owner.post(f"/cases/{reference}/closure", {"outcome": "resolved"}))
    assert rule_of(owner.post(f"/cases/{reference}/notes", {"text": "Zq late"})) == "case.closed"
    assert (
        rule_of(owner.patch(f"/cases/{reference}/defenders/{defender}", {"name": NEW_NAME}))
        == "case.closed"
    )
    events = fresh(db).scalars(select(TimelineEvent.kind)).all()
    assert "defender.corrected" not in events and "case.note_added" not in events


def test_an_erased_defender_cannot_be_corrected(db: Session, world: World) -> None:
    from hrd_cases.records.defenders import ErasureReason, erase_defender

    reference = world.case.reference
    defender = world.case.defenders[0].reference
    data_of(
        world.api["owner"].patch(f"/cases/{reference}/defenders/{defender}", {"name": NEW_NAME})
    )
    data_of(world.api["owner"].post(f"/cases/{reference}/notes", {"text": "Zq before"}), 201)
    erase_defender(
        fresh(db), defender, ErasureReason.SAFETY, actor_id=None, include_case_content=True
    )
    owner = world.api["owner"]
    response = owner.patch(f"/cases/{reference}/defenders/{defender}", {"name": "Zq again"})
    assert rule_of(response) == "record.erased"
    assert [n["text"] for n in data_of(owner.get(f"/cases/{reference}/notes"))] == [None]
    history = data_of(owner.get(f"/cases/{reference}/history"))
    assert history and all(f["erased"] and f["current"] is None for f in history)
    assert all(v["value"] is None for f in history for v in f["versions"])
    assert rule_of(owner.post(f"/cases/{reference}/notes", {"text": "Zq after"})) == (
        "record.erased"
    )


def test_the_document_says_a_note_is_not_blank(world: World) -> None:
    """Issue 15 (strict fuzz): a note of white space only is refused, so the document's
    pattern refuses it too; a schema-valid note is accepted."""
    import re

    spec = world.api["owner"].get("/openapi.json").get_json()
    pattern = spec["components"]["schemas"]["NoteInput"]["properties"]["text"]["pattern"]
    declared = re.compile(pattern.replace("$", r"\Z"))
    reference = world.case.reference
    for blank in ("\u3000", " \n\t"):
        assert not declared.match(blank)
        errors_of(world.api["owner"].post(f"/cases/{reference}/notes", {"text": blank}), 422)
    assert declared.match("Called the lawyer \u3000 again")
    assert (
        world.api["owner"].post(f"/cases/{reference}/notes", {"text": "Zq called"}).status_code
        == 201
    )
