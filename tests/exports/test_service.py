"""The export service: exact counts from the database, audit, permission, no keyring needed,
byte-for-byte reproducibility."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases import create_app
from hrd_cases.crypto import CryptoError
from hrd_cases.domain.errors import Forbidden
from hrd_cases.exports.quarter import ExportError, Quarter, export_window
from hrd_cases.exports.queries import collect
from hrd_cases.exports.service import (
    EXPORT_FORMATS,
    build_quarterly_export,
    compute_report,
)
from hrd_cases.models import AuditEntry, Case, Role
from hrd_cases.records import RecordVault
from hrd_cases.settings import Settings
from tests.support.exports import build_known_dataset, this_quarter, today
from tests.support.factories import make_user, strategy_catalogue


def test_counts_of_a_known_dataset(db: Session, vault: RecordVault) -> None:
    build_known_dataset(db, vault)
    raw = collect(db, export_window(this_quarter(), today()), strategy_catalogue())
    assert raw.counts["profiles"] == {
        ("KE", "woman_hrd"): 2,
        ("KE", "lawyer"): 1,
        ("KE", "journalist_media"): 1,
        ("UG", "woman_hrd"): 1,
    }
    assert raw.counts["threats"] == {
        ("KE", "judicial_harassment"): 2,
        ("KE", "surveillance"): 1,
        ("KE", "travel_ban"): 1,
        ("UG", "judicial_harassment"): 1,
    }
    assert raw.counts["mechanisms"] == {("KE", "eu_hrd_mechanism"): 1, ("KE", "shelter_city"): 1}
    assert raw.counts["assistance"] == {
        ("KE", "legal"): 1,
        ("KE", "digital_security"): 1,
        ("KE", "urgent_relocation"): 1,
    }
    # Both decided seconds after the request: within Kenya's 48-hour decision deadline.
    assert raw.counts["decisions"] == {
        ("KE", "approved"): 1,
        ("KE", "rejected"): 1,
        ("KE", "within_deadline"): 2,
    }
    assert raw.amount_approved == {"KE": 4000}
    assert raw.counts["hearings"] == {("KE", "acquitted"): 1}
    assert raw.counts["statements"] == {}
    assert raw.counts["deliveries"] == {("KE", "delivered"): 1}
    assert len(raw.intake_to_decision["KE"]) == 2
    assert all(0 <= s < 3600 for s in raw.intake_to_decision["KE"])


def test_the_as_of_date_bounds_the_window() -> None:
    quarter = Quarter(2026, 3)
    window = export_window(quarter, date(2026, 8, 15))
    assert window.start == datetime(2026, 7, 1, tzinfo=UTC)
    assert window.end == datetime(2026, 8, 16, tzinfo=UTC)  # the whole as-of day
    assert export_window(quarter, date(2027, 1, 5)).end == datetime(2026, 10, 1, tzinfo=UTC)
    with pytest.raises(ExportError, match="before 2026Q3 starts"):
        export_window(quarter, date(2026, 6, 30))


def test_report_of_the_known_dataset_with_k_2(db: Session, vault: RecordVault) -> None:
    build_known_dataset(db, vault)
    report = compute_report(
        db, quarter=this_quarter(), as_of=today(), k=2, catalogue=strategy_catalogue()
    )
    profiles = report.tables[0]
    keys = [c.key for c in profiles.columns]
    shown = {r.code: dict(zip(keys, r.cells, strict=True)) for r in profiles.by_country}
    # UG's single woman HRD is suppressed; KE's 2 must go too (else 3 - 2 gives UG away).
    assert shown["UG"]["woman_hrd"] == "x" and shown["KE"]["woman_hrd"] == "x"
    total = dict(zip(keys, profiles.total.cells, strict=True))
    # Published, the all-countries 3 would confine UG's 1 to [1, 2] (KE's cell is at least 1):
    # inside its protection interval [1, 3]. With the row's total hidden, its zeros are
    # hidden too, so that 'x' there may mean 0.
    assert total["woman_hrd"] == "x" and total["academic"] == "x"
    assert shown["UG"]["academic"] == "x" and shown["UG"]["total"] == "x"
    decisions = next(t for t in report.tables if t.spec.key == "referral_decisions")
    assert decisions.total.cells[:2] == ("x", "x")  # 1 approved, 1 rejected: amount too
    timeliness = next(t for t in report.tables if t.spec.key == "decision_timeliness")
    # Tables 3c and 6a share their total: the same cell, shown or hidden alike.
    assert timeliness.total.cells[0] == decisions.total.cells[2]


def test_an_export_is_audited(db: Session, vault: RecordVault, app: Flask) -> None:
    build_known_dataset(db, vault)
    analyst = make_user(db, Role.ANALYST)
    with app.app_context():
        export = build_quarterly_export(
            db,
            quarter=this_quarter().label,
            fmt="json",
            as_of=today(),
            k=5,
            actor=analyst,
            via="web",
        )
    assert export.filename.endswith(".json") and export.content_type == "application/json"
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None
    assert (entry.action, entry.actor_id, entry.object_id, entry.outcome) == (
        "export.quarterly",
        analyst.id,
        this_quarter().label,
        "success",
    )
    assert entry.details["format"] == "json" and entry.details["via"] == "web"
    assert entry.details["k"] == 5 and len(str(entry.details["sha256"])) == 64


def test_a_role_without_the_permission_is_refused_and_the_refusal_audited(
    db: Session, app: Flask
) -> None:
    focal = make_user(db, Role.FOCAL_POINT)
    with pytest.raises(Forbidden):
        build_quarterly_export(
            db,
            quarter=this_quarter(),
            fmt="csv",
            as_of=today(),
            k=5,
            actor=focal,
            via="api",
            catalogue=strategy_catalogue(),
        )
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and (entry.action, entry.outcome) == ("export.quarterly", "refused")


@pytest.mark.parametrize("k", [0, 1, 101])
def test_k_out_of_range_is_refused(db: Session, k: int) -> None:
    with pytest.raises(ExportError, match="k must be between 2 and 100"):
        build_quarterly_export(
            db,
            quarter=this_quarter(),
            fmt="csv",
            as_of=today(),
            k=k,
            actor=None,
            via="cli",
            catalogue=strategy_catalogue(),
        )


def _export_all(session: Session, app: Flask) -> dict[str, bytes]:
    with app.app_context():
        return {
            name: build_quarterly_export(
                session,
                quarter=this_quarter(),
                fmt=name,
                as_of=today(),
                k=5,
                actor=None,
                via="cli",
            ).body
            for name in EXPORT_FORMATS
        }


def test_every_format_is_produced_with_no_keyring_at_all(
    db: Session, vault: RecordVault, settings: Settings, tmp_path
) -> None:
    build_known_dataset(db, vault)
    absent = tmp_path / "no-keyring.json"
    keyless = create_app(settings.replace(keyring_file=absent, keyring_json=None))
    assert not absent.exists()
    with keyless.extensions["hrd_db"].session() as session:
        bodies = _export_all(session, keyless)
    keyless.extensions["hrd_db"].engine.dispose()
    assert set(bodies) == {"csv", "xlsx", "json", "html", "docx"}
    document = json.loads(bodies["json"])
    # Four cases: every count is small, so the audit leaves the total hidden too.
    assert document["format_version"] == 3
    assert document["tables"][0]["total"]["values"]["total"] == "x"
    assert b"woman_hrd" in bodies["csv"] and b"<svg" in bodies["html"]
    assert zipfile.ZipFile(io.BytesIO(bodies["xlsx"])).testzip() is None
    # The keyring was never needed: a decryption attempt would have failed loudly.
    with pytest.raises(CryptoError):
        keyless.extensions["hrd_vault"].open_field(db.scalars(select(Case)).first(), "narrative")


def test_same_data_and_as_of_give_identical_bytes_across_app_instances(
    db: Session, vault: RecordVault, app: Flask, settings: Settings
) -> None:
    build_known_dataset(db, vault)
    first = _export_all(db, app)
    second = _export_all(db, app)
    fresh = create_app(settings)
    with fresh.extensions["hrd_db"].session() as session:
        third = _export_all(session, fresh)
    fresh.extensions["hrd_db"].engine.dispose()
    for name in EXPORT_FORMATS:
        assert first[name] == second[name] == third[name], name


def test_the_cli_progress_bar_counts_every_stage_of_a_release(db: Session, app: Flask) -> None:
    """The CLI's bar has a fixed length: the release service's stages."""
    from hrd_cases.cli.export import RELEASE_STAGES
    from hrd_cases.exports.releases import releasable_from, release_quarter

    stages: list[str] = []
    quarter = this_quarter()
    release_quarter(
        db,
        quarter,
        actor=None,
        via="cli",
        catalogue=strategy_catalogue(),
        k=5,
        p=2,
        lag_days=30,
        today=releasable_from(quarter, 30),
        on_stage=stages.append,
    )
    assert len(stages) == RELEASE_STAGES
    assert stages[-1] == "rendering every format"
