"""Acceptance 2 and 3, and the release-with-revision attack of acceptance 1.

A release is computed once; later downloads are its stored bytes, checked against their hash,
whatever is added to the quarter afterwards. An unclosed quarter is refused in one line by the
service and the CLI. A revision is audited together with the version it revises."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hrd_cases.domain.vocabulary import AssistanceType, Mechanism
from hrd_cases.exports.quarter import ExportError, export_window
from hrd_cases.exports.queries import RawFigures
from hrd_cases.exports.releases import (
    _counts_from_text,
    download_release,
    releasable_from,
    release_quarter,
)
from hrd_cases.exports.report import build_report
from hrd_cases.exports.service import EXPORT_FORMATS
from hrd_cases.models import AuditEntry, QuarterlyRelease, ReleaseFile, Role
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import ErasureReason, erase_defender
from hrd_cases.workflow.referrals import ReferralInput, create_referral, decide_referral
from tests.exports.attacker import attack, program_from_json
from tests.support.exports import build_known_dataset, this_quarter
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue

LAG = 30


def _release(db: Session, reason: str | None = None) -> QuarterlyRelease:
    quarter = this_quarter()
    return release_quarter(
        db,
        quarter,
        actor=None,
        via="cli",
        catalogue=strategy_catalogue(),
        k=5,
        p=2,
        lag_days=LAG,
        today=releasable_from(quarter, LAG),
        reason=reason,
    )


def _downloads(db: Session) -> dict[str, bytes]:
    return {
        name: download_release(db, this_quarter(), name, actor=None, via="cli").body
        for name in EXPORT_FORMATS
    }


def _more_activity_in_the_quarter(db: Session, vault: RecordVault) -> None:
    """New cases, a decision and an erasure, all dated inside the released quarter."""
    kenya = make_delegation(db, country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    officer = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
    cases = [make_case(db, vault, delegation=kenya, actor=focal) for _ in range(7)]
    referral = create_referral(
        db,
        vault,
        strategy_catalogue(),
        focal,
        cases[0].reference,
        ReferralInput(Mechanism.SHELTER_CITY, (AssistanceType.LEGAL,)),
    )
    decide_referral(
        db, officer, referral.id, approve=False, reason="Outside the mechanism.", vault=vault
    )
    defender = cases[1].defenders[0]
    erase_defender(db, defender.reference, ErasureReason.DEFENDER_REQUEST, actor_id=None)


def test_a_released_quarter_gives_the_same_bytes_whatever_is_added(
    db: Session, vault: RecordVault
) -> None:
    build_known_dataset(db, vault)
    _release(db)
    before = _downloads(db)
    assert json.loads(before["json"])["status"] == "release"
    _more_activity_in_the_quarter(db, vault)
    after = _downloads(db)
    assert after == before
    assert set(after) == {"csv", "xlsx", "json", "html", "docx"}


def test_every_download_checks_the_stored_hash(db: Session, vault: RecordVault) -> None:
    build_known_dataset(db, vault)
    release = _release(db)
    db.execute(
        update(ReleaseFile)
        .where(ReleaseFile.release_id == release.id, ReleaseFile.format == "csv")
        .values(body=b"Table 1,tampered\\r\\n")
    )
    db.commit()
    with pytest.raises(ExportError, match="failed its integrity check"):
        download_release(db, this_quarter(), "csv", actor=None, via="cli")
    failures = db.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "export.download", AuditEntry.outcome == "failure"
        )
    ).all()
    assert len(failures) == 1
    # The other formats are intact and still served.
    assert download_release(db, this_quarter(), "json", actor=None, via="cli").body


def test_an_unclosed_quarter_is_refused_by_the_service_and_the_cli(
    app: Flask, db: Session, vault: RecordVault, runner: FlaskCliRunner, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    build_known_dataset(db, vault)
    quarter = this_quarter()
    with pytest.raises(ExportError, match="cannot be released before"):
        release_quarter(
            db,
            quarter,
            actor=None,
            via="cli",
            catalogue=strategy_catalogue(),
            k=5,
            p=2,
            lag_days=LAG,
            today=releasable_from(quarter, LAG) - timedelta(days=1),
        )
    for args in (
        ["export", "release", quarter.label],
        ["export", "quarterly", quarter.label, "--format", "csv", "--out", str(tmp_path / "x.csv")],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code != 0
        message = result.output.strip().splitlines()[-1]
        assert message.startswith("Error: ") and quarter.label in message, result.output


def test_the_cli_releases_a_closed_quarter_and_writes_its_bytes(
    app: Flask, db: Session, runner: FlaskCliRunner, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    today = this_quarter().first_day
    closed = f"{today.year - 1}Q4" if today.month == 1 else f"{today.year}Q{(today.month - 1) // 3}"
    result = runner.invoke(args=["export", "release", closed])
    assert result.exit_code == 0, result.output
    assert f"released {closed} version 1" in result.output
    again = runner.invoke(args=["export", "release", closed])
    assert again.exit_code != 0 and "already released" in again.output
    out = tmp_path / "release.json"
    written = runner.invoke(
        args=["export", "quarterly", closed, "--format", "json", "--out", str(out)]
    )
    assert written.exit_code == 0, written.output
    stored = db.scalar(select(ReleaseFile).where(ReleaseFile.format == "json"))
    assert stored is not None and out.read_bytes() == stored.body


def _truth_of(release: QuarterlyRelease, prefix: str) -> dict[tuple[str, str, str, str], int]:
    quarter = this_quarter()
    raw = RawFigures(counts=_counts_from_text(release.true_counts))
    window = export_window(quarter, quarter.last_day)
    report = build_report(raw, quarter=quarter, as_of=quarter.last_day, window=window, k=5, p=2)
    return {
        (prefix + family, level, code, column): value
        for family, (_, protected) in report.protected.items()
        for ((level, code), column), value in protected.values.items()
    }


def test_a_revision_and_its_release_together_disclose_no_difference(
    db: Session, vault: RecordVault
) -> None:
    build_known_dataset(db, vault)
    first = _release(db)
    with pytest.raises(ExportError, match="must state what changed"):
        _release(db)
    _more_activity_in_the_quarter(db, vault)
    second = _release(db, reason="Late entries from the Kenya delegation.")
    assert second.version == 2
    documents = [
        json.loads(
            download_release(db, this_quarter(), "json", actor=None, via="cli", version=v).body
        )
        for v in (1, 2)
    ]
    assert documents[1]["revision_reason"] == "Late entries from the Kenya delegation."
    findings = attack(program_from_json(*documents))
    old, new = _truth_of(first, "v0:"), _truth_of(second, "v1:")
    changed = 0
    for (family, level, code, column), value in new.items():
        before = old.get(("v0:" + family[3:], level, code, column), 0)
        moved = value - before
        if not 0 < abs(moved) < 5 or value == 0:
            continue
        changed += 1
        found = findings.get((family, level, code, column))
        assert found is not None, f"a small change is published in version 2: {family} {code}"
        low2, high2 = found.low, found.high
        old_found = findings.get(("v0:" + family[3:], level, code, column))
        low1, high1 = (old_found.low, old_found.high) if old_found else (before, before)
        # The attacker's range for the difference must hold the change +/- p.
        assert low2 - (high1 if high1 is not None else 10**9) <= max(1, value - 2) - before
        assert high2 is None or high2 - low1 >= value + 2 - before
    assert changed, "the revision changed nothing: the test would prove nothing"


def test_the_home_figure_follows_the_latest_version_and_checks_each_new_document(
    db: Session, vault: RecordVault
) -> None:
    """The analyst's home page reads each released quarter's figure once per document (by
    its hash): a revision is a new document and shows at once; a document whose bytes do not
    match their hash is refused, not shown."""
    import hashlib

    from hrd_cases.exports.releases import released_cases_opened

    def published(release: QuarterlyRelease) -> int | None:
        body = download_release(
            db, this_quarter(), "json", actor=None, via="cli", version=release.version
        ).body
        rows = json.loads(body)["headline"]["rows"]
        value = next(r for r in rows if r["level"] == "all")["values"]["cases_opened"]
        return value if isinstance(value, int) else None

    build_known_dataset(db, vault)
    label = this_quarter().label
    first = _release(db)
    assert released_cases_opened(db) == {label: published(first)}
    assert released_cases_opened(db) == {label: published(first)}  # the remembered figure
    _more_activity_in_the_quarter(db, vault)  # seven more cases in the quarter
    second = _release(db, reason="Late entries for Kenya.")
    assert published(second) != published(first)
    assert released_cases_opened(db) == {label: published(second)}
    tampered = json.loads(
        db.scalar(
            select(ReleaseFile.body).where(
                ReleaseFile.release_id == second.id, ReleaseFile.format == "json"
            )
        )
    )
    tampered["title"] = "tampered"
    body = json.dumps(tampered).encode()
    db.execute(
        update(QuarterlyRelease)
        .where(QuarterlyRelease.id == second.id)
        .values(content_sha256=hashlib.sha256(body).hexdigest())
    )
    db.execute(
        update(ReleaseFile)
        .where(ReleaseFile.release_id == second.id, ReleaseFile.format == "json")
        .values(body=body)
    )
    db.commit()
    with pytest.raises(ExportError, match="failed its integrity check"):
        released_cases_opened(db)
