"""`hrd-cases retention apply`: crypto-shreds exactly the closed cases past their template's
retention, keeps defenders still concerned by a live case, keeps every aggregate."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from hrd_cases.audit import verify_chain
from hrd_cases.crypto import ErasedError
from hrd_cases.db import utcnow
from hrd_cases.domain.vocabulary import ClosureOutcome
from hrd_cases.models import (
    AuditEntry,
    Case,
    CaseDefender,
    CaseProfileCategory,
    CaseThreat,
    DataKey,
    Defender,
    KekRetirement,
    Role,
    User,
)
from hrd_cases.ops.retention import _shred_case, apply_retention, years_before
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import link_defender
from hrd_cases.workflow import case_steps
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue
from tests.support.ops import row_counts


class World:
    """KE (5 years' retention) and AF (3 years) cases in every situation retention meets."""

    def __init__(self, db: Session, vault: RecordVault) -> None:
        self.db, self.vault = db, vault
        self.focal = {
            country: make_user(
                db, Role.FOCAL_POINT, delegation=make_delegation(db, country=country)
            )
            for country in ("KE", "AF")
        }
        now = utcnow()
        self.due_alone = self.closed("KE", "Due Alone", now - timedelta(days=6 * 365))
        self.not_yet = self.closed("KE", "Not Yet Due", now - timedelta(days=4 * 365))
        self.due_af = self.closed("AF", "Afghan Due", now - timedelta(days=4 * 365))
        self.open = self.case("KE", "Still Open")
        self.reopened = self.closed("KE", "Reopened Once", now - timedelta(days=6 * 365))
        case_steps.reopen_case(db, self.focal["KE"], self.reopened.reference)
        # A defender in a due case and in an open case keeps their record.
        self.shared_due = self.closed("KE", "Shared Live", now - timedelta(days=7 * 365))
        self.link(self.open, self.shared_due.defenders[0])
        # A defender in two due cases goes with them.
        self.both_due_1 = self.closed("KE", "Twice Due", now - timedelta(days=8 * 365))
        self.both_due_2 = self.closed("KE", "Other Name", now - timedelta(days=9 * 365))
        self.link(self.both_due_2, self.both_due_1.defenders[0])

    def case(self, country: str, name: str) -> Case:
        return make_case(
            self.db,
            self.vault,
            delegation=self.focal[country].delegation,
            actor=self.focal[country],
            defender={"name": name},
            narrative=f"Narrative about {name}",
        )

    def closed(self, country: str, name: str, closed_at) -> Case:
        case = self.case(country, name)
        case_steps.close_case(
            self.db,
            self.vault,
            strategy_catalogue(),
            self.focal[country],
            case.reference,
            ClosureOutcome.RESOLVED,
            f"Closure reason for {name}",
        )
        self.db.execute(update(Case).where(Case.id == case.id).values(closed_at=closed_at))
        self.db.commit()
        return case

    def link(self, case: Case, defender: Defender) -> None:
        self.db.add(link_defender(self.vault, case, defender))
        self.db.commit()

    def narrative(self, case: Case) -> str | None:
        self.db.expire_all()
        try:
            return self.vault.open_field(self.db.get(Case, case.id), "narrative")
        except ErasedError:
            return None

    def defender_name(self, defender_id) -> str | None:
        self.db.expire_all()
        try:
            return self.vault.open_field(self.db.get(Defender, defender_id), "name")
        except ErasedError:
            return None


def aggregates(db: Session) -> dict[str, list[tuple[object, ...]]]:
    """What quarterly exports count: clear categories only."""
    return {
        "by country, risk, outcome": db.execute(
            select(Case.country, Case.risk_level, Case.closure_outcome, func.count())
            .group_by(Case.country, Case.risk_level, Case.closure_outcome)
            .order_by(Case.country, Case.risk_level, Case.closure_outcome)
        ).all(),
        "profiles": db.execute(
            select(CaseProfileCategory.category, func.count())
            .group_by(CaseProfileCategory.category)
            .order_by(CaseProfileCategory.category)
        ).all(),
        "threats": db.execute(
            select(CaseThreat.threat, func.count())
            .group_by(CaseThreat.threat)
            .order_by(CaseThreat.threat)
        ).all(),
        "case defenders": [(db.scalar(select(func.count()).select_from(CaseDefender)),)],
    }


def _snapshot(db: Session) -> tuple[object, ...]:
    db.expire_all()
    return (
        row_counts(db),
        db.execute(select(DataKey.id, DataKey.wrapped_key).order_by(DataKey.id)).all(),
        db.execute(select(Case.id, Case.narrative_ciphertext).order_by(Case.id)).all(),
    )


def test_dry_run_counts_and_changes_nothing(db: Session, vault: RecordVault) -> None:
    world = World(db, vault)
    before = _snapshot(db)
    report = apply_retention(db, strategy_catalogue(), dry_run=True)
    assert _snapshot(db) == before
    assert (report.cases, report.case_contents, report.defenders) == (5, 5, 4)
    assert report.defenders_kept == 1
    assert report.by_template == {"AF v1": 1, "KE v2": 4}
    text = "\n".join(report.lines())
    for name in ("Due Alone", "Twice Due", "Afghan", world.due_alone.reference, "HRD-"):
        assert name not in text


def test_apply_shreds_exactly_the_due_cases_and_keeps_aggregates(
    db: Session, vault: RecordVault
) -> None:
    w = World(db, vault)
    before = aggregates(db)

    report = apply_retention(db, strategy_catalogue())

    assert (report.cases, report.case_contents, report.defenders) == (5, 5, 4)
    for shredded in (w.due_alone, w.due_af, w.shared_due, w.both_due_1, w.both_due_2):
        assert w.narrative(shredded) is None
    assert w.narrative(w.not_yet) == "Narrative about Not Yet Due"
    assert w.narrative(w.open) == "Narrative about Still Open"
    assert w.narrative(w.reopened) == "Narrative about Reopened Once"
    assert w.defender_name(w.due_alone.defenders[0].id) is None
    assert w.defender_name(w.due_af.defenders[0].id) is None
    assert w.defender_name(w.both_due_1.defenders[0].id) is None
    assert w.defender_name(w.both_due_2.defenders[0].id) is None
    assert w.defender_name(w.shared_due.defenders[0].id) == "Shared Live"  # in an open case
    assert w.defender_name(w.not_yet.defenders[0].id) == "Not Yet Due"
    assert w.defender_name(w.reopened.defenders[0].id) == "Reopened Once"
    assert aggregates(db) == before
    db.expire_all()
    assert db.get(Case, w.due_alone.id).closed_at is not None  # still a closed case

    actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions.count("retention.shred") == 5
    assert actions.count("defender.erase") == 4
    assert actions[-1] == "retention.apply"
    assert verify_chain(db)[1] is None

    # As after an erasure: an epoch retires the shredded keys' KEK, the output says by when,
    # and the database kept no old row version (SQLite: the WAL was emptied).
    epoch = db.scalars(select(KekRetirement)).one()
    assert report.kek_retired_by == epoch.due_at and epoch.completed_at is None
    assert f"retired by {epoch.due_at:%Y-%m-%d %H:%M} UTC" in "\n".join(report.lines())
    url = make_url(str(db.get_bind().url))
    if url.get_backend_name() == "sqlite":
        wal = Path(f"{url.database}-wal")
        assert not wal.exists() or wal.stat().st_size == 0

    again = apply_retention(db, strategy_catalogue())
    assert (again.cases, again.case_contents, again.defenders) == (0, 0, 0)
    assert again.kek_retired_by is None
    assert (
        db.scalars(select(AuditEntry.action).order_by(AuditEntry.seq))
        .all()
        .count("retention.shred")
        == 5
    )


def test_a_case_reopened_after_the_count_is_left_alone(db: Session, vault: RecordVault) -> None:
    w = World(db, vault)
    case_steps.reopen_case(db, w.focal["KE"], w.due_alone.reference)
    assert _shred_case(db, strategy_catalogue(), w.due_alone.id, utcnow()) is None
    assert w.narrative(w.due_alone) == "Narrative about Due Alone"


def test_retention_is_counted_from_closure_by_the_cases_own_template(
    db: Session, vault: RecordVault
) -> None:
    w = World(db, vault)
    # Closed exactly the retention period ago, give or take a minute.
    just_due = years_before(utcnow(), 5) - timedelta(minutes=1)
    not_quite = years_before(utcnow(), 5) + timedelta(minutes=1)
    db.execute(update(Case).where(Case.id == w.not_yet.id).values(closed_at=not_quite))
    db.commit()
    assert apply_retention(db, strategy_catalogue(), dry_run=True).cases == 5
    db.execute(update(Case).where(Case.id == w.not_yet.id).values(closed_at=just_due))
    db.commit()
    assert apply_retention(db, strategy_catalogue(), dry_run=True).cases == 6


def test_cli_dry_run_and_apply(app: Flask, db: Session, vault: RecordVault) -> None:
    w = World(db, vault)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "apply", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would shred 5 closed cases past retention (5 case contents, 4 defenders)" in dry.output
    assert "dry run, nothing changed" in dry.output
    assert w.due_alone.reference not in dry.output and "Due Alone" not in dry.output
    applied = runner.invoke(args=["retention", "apply"])
    assert applied.exit_code == 0, applied.output
    assert "shredded 5 closed cases" in applied.output
    assert "Due Alone" not in applied.output
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(User)) == 2
