"""Issue 16, part A, through the services: corrections keep every earlier value under the key
of the field they came from, a corrected name is found and the old one no longer, the timeline
and the audit log name fields and never values, and erasure (on demand or by retention)
leaves no version and no note readable. Runs on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hrd_cases.crypto import ErasedError
from hrd_cases.db import utcnow
from hrd_cases.domain.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from hrd_cases.domain.vocabulary import ClosureOutcome, RiskLevel
from hrd_cases.models import (
    AuditEntry,
    Case,
    CaseNote,
    FieldVersion,
    Role,
    TimelineEvent,
    User,
)
from hrd_cases.ops.retention import apply_retention
from hrd_cases.reads.history import case_history
from hrd_cases.reads.lists import case_ids_for_name
from hrd_cases.reads.notes import case_notes
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import (
    ErasureReason,
    erase_defender,
    link_defender,
    search_defenders,
)
from hrd_cases.workflow import case_steps
from hrd_cases.workflow.corrections import correct_case
from hrd_cases.workflow.notes import add_note
from tests.support.access import fresh
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue

OLD_NAME = "Zq Achieng Oldname-Canary"
NEW_NAME = "Zq Achieng Newname-Canary"
OLD_PHONE = "Zq +254 700 111 222"
NEW_PHONE = "Zq +254 700 333 444"
OLD_NARRATIVE = "Zq narrative as first told"
NEW_NARRATIVE = "Zq narrative as corrected"
NOTE = "Zq note: called the lawyer, hearing moved"


class World:
    def __init__(self, db: Session, vault: RecordVault) -> None:
        self.db, self.vault = db, vault
        kenya = make_delegation(db, code="DEL-KE-A", country="KE")
        self.focal = make_user(db, Role.FOCAL_POINT, delegation=kenya, display_name="Fiona Focal")
        self.colleague = make_user(db, Role.FOCAL_POINT, delegation=kenya)
        self.other_focal = make_user(
            db, Role.FOCAL_POINT, delegation=make_delegation(db, code="DEL-KE-B", country="KE")
        )
        self.officer = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
        self.analyst = make_user(db, Role.ANALYST)
        self.admin = make_user(db, Role.ADMIN)
        self.case = make_case(
            db,
            vault,
            delegation=kenya,
            actor=self.focal,
            defender={"name": OLD_NAME, "contact_details": OLD_PHONE, "location": "Zq Kisumu"},
            narrative=OLD_NARRATIVE,
        )
        self.reference = self.case.reference
        self.defender = self.case.defenders[0]

    def correct(self, actor: User | None = None, changes=None, **defender: str | None):
        return correct_case(
            self.db,
            self.vault,
            strategy_catalogue(),
            actor or self.focal,
            self.reference,
            changes or {},
            defender_changes=defender or None,
        )

    def found(self, name: str, user: User | None = None) -> bool:
        return bool(case_ids_for_name(self.db, self.vault, user or self.focal, name))


@pytest.fixture
def w(db: Session, vault: RecordVault) -> World:
    return World(db, vault)


def test_a_corrected_name_is_found_and_the_old_one_is_not(w: World) -> None:
    assert w.found(OLD_NAME) and w.found("Oldname-Canary")
    correction = w.correct(name=NEW_NAME, contact_details=NEW_PHONE)
    assert correction.defender_fields == ("name", "contact_details")
    assert correction.case_fields == ()
    w.db.expire_all()
    for user in (w.focal, w.officer):
        assert w.found(NEW_NAME, user) and w.found("newname-canary", user)
        assert not w.found(OLD_NAME, user) and not w.found("Oldname-Canary", user)
    assert [m.name for m in search_defenders(w.db, w.vault, NEW_NAME, visible_ids=None)] == [
        NEW_NAME
    ]
    assert search_defenders(w.db, w.vault, OLD_NAME, visible_ids=None) == []
    # Other names corrected too: found by them, not by the ones they replaced.
    w.correct(other_names="Zq Mama Haki; Zq Achi")
    assert w.found("Zq Mama Haki")
    w.correct(other_names=None)
    w.db.expire_all()
    assert not w.found("Zq Mama Haki") and w.found(NEW_NAME)


def test_earlier_versions_are_kept_with_who_and_when(w: World) -> None:
    w.correct(name=NEW_NAME)
    w.correct(w.colleague, name="Zq Achieng Third-Canary", contact_details=NEW_PHONE)
    w.correct(changes={"narrative": NEW_NARRATIVE, "threats": ["surveillance"]})
    w.correct(changes={"risk_level": "critical", "profile_categories": []})
    history = case_history(w.db, w.vault, w.officer, w.reference)
    shown = {(f.defender_reference, f.field): f for f in history.fields}
    name = shown[(w.defender.reference, "name")]
    assert name.current == "Zq Achieng Third-Canary"
    assert [v.value for v in name.versions] == [NEW_NAME, OLD_NAME]  # newest first
    assert [v.replaced_by.id for v in name.versions if v.replaced_by] == [
        w.colleague.id,
        w.focal.id,
    ]
    assert name.versions[0].replaced_at >= name.versions[1].replaced_at
    assert shown[(w.defender.reference, "contact_details")].versions[0].value == OLD_PHONE
    assert shown[(None, "narrative")].versions[0].value == OLD_NARRATIVE
    assert shown[(None, "narrative")].current == NEW_NARRATIVE
    assert shown[(None, "threats")].versions[0].value == "judicial_harassment"
    assert shown[(None, "risk_level")].versions[0].value == "high"
    assert shown[(None, "profile_categories")].versions[0].value == "journalist_media"
    assert shown[(None, "profile_categories")].current is None
    # Only corrected fields are listed; location was never corrected.
    assert (w.defender.reference, "location") not in shown
    # Every version is ciphertext in the database, never the value.
    rows = fresh(w.db).scalars(select(FieldVersion)).all()
    assert len(rows) == 7
    assert all(OLD_NAME.encode() not in (r.value_ciphertext or b"") for r in rows)
    # The new risk level counts as a re-assessment, as before.
    case = fresh(w.db).scalar(select(Case).where(Case.reference == w.reference))
    assert case is not None and case.risk_level is RiskLevel.CRITICAL and case.assessed_at


def test_the_timeline_and_audit_name_fields_never_values(w: World) -> None:
    w.correct(name=NEW_NAME, contact_details=NEW_PHONE)
    w.correct(changes={"narrative": NEW_NARRATIVE})
    add_note(w.db, w.vault, w.focal, w.reference, NOTE)
    db = fresh(w.db)
    events = db.scalars(
        select(TimelineEvent).where(TimelineEvent.case_id == w.case.id).order_by(TimelineEvent.id)
    ).all()
    kinds = [(e.kind, e.details) for e in events[-3:]]
    assert kinds == [
        ("defender.corrected", {"fields": "name,contact_details"}),
        ("case.corrected", {"fields": "narrative"}),
        ("case.note_added", {}),
    ]
    assert events[-3].subject_id == w.defender.reference
    dumped = repr([(e.kind, e.details, e.subject_id) for e in events]) + repr(
        [(a.action, a.details, a.object_id) for a in db.scalars(select(AuditEntry))]
    )
    assert {"defender.correct", "case.correct", "case.note"} <= {
        a.action for a in db.scalars(select(AuditEntry))
    }
    for value in (OLD_NAME, NEW_NAME, OLD_PHONE, NEW_PHONE, OLD_NARRATIVE, NEW_NARRATIVE, NOTE):
        assert value not in dumped
        assert "Zq" not in dumped


def test_the_same_value_records_nothing(w: World) -> None:
    before = fresh(w.db).scalar(select(TimelineEvent.id).order_by(TimelineEvent.id.desc()))
    correction = w.correct(
        changes={"narrative": f"  {OLD_NARRATIVE} ", "risk_level": "high"},
        name=OLD_NAME,
        contact_details=OLD_PHONE,
    )
    assert not correction.changed
    db = fresh(w.db)
    assert db.scalar(select(TimelineEvent.id).order_by(TimelineEvent.id.desc())) == before
    assert db.scalars(select(FieldVersion)).all() == []


def test_guards_scope_roles_rules_and_input(w: World) -> None:
    with pytest.raises(NotFound):
        w.correct(w.other_focal, name=NEW_NAME)
    for role_user in (w.officer, w.analyst, w.admin):
        with pytest.raises(Forbidden):
            w.correct(role_user, name=NEW_NAME)
        with pytest.raises(Forbidden):
            add_note(w.db, w.vault, role_user, w.reference, NOTE)
    with pytest.raises(NotFound):
        add_note(w.db, w.vault, w.other_focal, w.reference, NOTE)
    # The name is corrected, never emptied; Kenya's template requires a location.
    with pytest.raises(ValidationFailed) as empty_name:
        w.correct(name="  ")
    assert set(empty_name.value.messages) == {"name"}
    with pytest.raises(InvalidTransition) as required:
        w.correct(location=None)
    assert required.value.rule == "intake.required_fields"
    with pytest.raises(InvalidTransition) as narrative_required:
        w.correct(changes={"narrative": ""})
    assert narrative_required.value.rule == "intake.required_fields"
    with pytest.raises(ValidationFailed):
        w.correct(name="Zq \u202eevil")  # the input policy refuses direction overrides
    with pytest.raises(ValidationFailed) as empty_note:
        add_note(w.db, w.vault, w.focal, w.reference, "   ")
    assert set(empty_note.value.messages) == {"text"}
    with pytest.raises(NotFound):
        correct_case(
            w.db,
            w.vault,
            strategy_catalogue(),
            w.focal,
            w.reference,
            {},
            defender_reference="HRD-AAAAA-AAAAA",
            defender_changes={"name": NEW_NAME},
        )
    # A closed case accepts nothing but reopen.
    case_steps.close_case(
        w.db, w.vault, strategy_catalogue(), w.focal, w.reference, ClosureOutcome.RESOLVED, "Zq"
    )
    with pytest.raises(InvalidTransition) as closed:
        w.correct(name=NEW_NAME)
    assert closed.value.rule == "case.closed"
    with pytest.raises(InvalidTransition) as closed_note:
        add_note(w.db, w.vault, w.focal, w.reference, NOTE)
    assert closed_note.value.rule == "case.closed"
    assert fresh(w.db).scalars(select(FieldVersion)).all() == []


def test_a_case_with_two_defenders_names_the_one_corrected(w: World) -> None:
    second = make_case(w.db, w.vault, delegation=w.focal.delegation, defender={"name": "Zq Two"})
    w.db.add(link_defender(w.vault, w.case, second.defenders[0]))
    w.db.commit()
    with pytest.raises(InvalidTransition) as ambiguous:
        w.correct(name=NEW_NAME)
    assert ambiguous.value.rule == "defender.reference_required"
    correct_case(
        w.db,
        w.vault,
        strategy_catalogue(),
        w.focal,
        w.reference,
        {},
        defender_reference=second.defenders[0].reference,
        defender_changes={"name": "Zq Two Corrected"},
    )
    assert w.found("Zq Two Corrected") and w.found(OLD_NAME)


def test_notes_are_dated_attributed_newest_first(w: World) -> None:
    first = add_note(w.db, w.vault, w.focal, w.reference, "Zq first note")
    w.db.execute(
        update(CaseNote)
        .where(CaseNote.id == first.id)
        .values(written_at=utcnow() - timedelta(hours=2))
    )
    w.db.commit()
    add_note(w.db, w.vault, w.colleague, w.reference, "Zq second note")
    shown = case_notes(w.db, w.vault, w.officer, w.reference)
    assert [(n.text, n.author.id) for n in shown] == [
        ("Zq second note", w.colleague.id),
        ("Zq first note", w.focal.id),
    ]
    assert shown[0].written_at > shown[1].written_at
    for outsider in (w.analyst, w.admin):
        with pytest.raises(Forbidden):
            case_notes(w.db, w.vault, outsider, w.reference)
        with pytest.raises(Forbidden):
            case_history(w.db, w.vault, outsider, w.reference)
    with pytest.raises(NotFound):
        case_notes(w.db, w.vault, w.other_focal, w.reference)
    with pytest.raises(NotFound):
        case_history(w.db, w.vault, w.other_focal, w.reference)


def _unreadable(w: World) -> None:
    """Every version and every note: no ciphertext left, and no key to open one with."""
    db = fresh(w.db)
    versions = db.scalars(select(FieldVersion)).all()
    notes = db.scalars(select(CaseNote)).all()
    assert versions and notes
    assert all(v.value_ciphertext is None for v in versions)
    assert all(n.text_ciphertext is None for n in notes)
    for record in [*versions, *notes]:
        assert record.key_holder().wrapped_key is None
        with pytest.raises(ErasedError):
            w.vault.record_key(record)


def _with_history(w: World) -> None:
    w.correct(name=NEW_NAME, contact_details=NEW_PHONE)
    w.correct(changes={"narrative": NEW_NARRATIVE, "risk_level": "critical"})
    add_note(w.db, w.vault, w.focal, w.reference, NOTE)


def test_erasure_destroys_every_version_and_every_note(w: World) -> None:
    _with_history(w)
    erase_defender(
        w.db,
        w.defender.reference,
        ErasureReason.DEFENDER_REQUEST,
        actor_id=w.focal.id,
        include_case_content=True,
    )
    _unreadable(w)
    history = case_history(w.db, w.vault, w.focal, w.reference)
    assert history.fields and all(f.erased for f in history.fields if f.field != "risk_level")
    assert all(v.value is None for f in history.fields for v in f.versions)
    assert all(n.text is None for n in case_notes(w.db, w.vault, w.focal, w.reference))
    assert not w.found(NEW_NAME) and not w.found(OLD_NAME)
    # Nothing new can be sealed under the destroyed keys.
    with pytest.raises(ErasedError):
        add_note(w.db, w.vault, w.focal, w.reference, NOTE)
    with pytest.raises(ErasedError):
        w.correct(changes={"narrative": "Zq again"})


def test_erasing_only_the_defender_leaves_the_case_versions(w: World) -> None:
    _with_history(w)
    erase_defender(w.db, w.defender.reference, ErasureReason.SAFETY, actor_id=w.focal.id)
    db = fresh(w.db)
    of_defender = db.scalars(select(FieldVersion).where(FieldVersion.defender_id.is_not(None)))
    assert all(v.value_ciphertext is None for v in of_defender)
    history = {
        (f.defender_reference, f.field): f
        for f in case_history(db, w.vault, w.focal, w.reference).fields
    }
    assert history[(None, "narrative")].versions[0].value == OLD_NARRATIVE
    assert history[(w.defender.reference, "name")].erased
    assert [v.value for v in history[(w.defender.reference, "name")].versions] == [None]


def test_retention_shreds_every_version_and_every_note(w: World) -> None:
    _with_history(w)
    case_steps.close_case(
        w.db, w.vault, strategy_catalogue(), w.focal, w.reference, ClosureOutcome.RESOLVED, "Zq"
    )
    w.db.execute(
        update(Case)
        .where(Case.id == w.case.id)
        .values(closed_at=utcnow() - timedelta(days=6 * 365))
    )
    w.db.commit()
    report = apply_retention(w.db, strategy_catalogue())
    assert report.cases == 1
    _unreadable(w)
