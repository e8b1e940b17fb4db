"""Acceptance: the demo data's exports hold no defender name, reference, narrative or report:
every plaintext the demo encrypts is decrypted here and searched for in every output."""

from __future__ import annotations

import io
import zipfile

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.exports.service import EXPORT_FORMATS, build_quarterly_export
from hrd_cases.models import (
    Case,
    CaseNote,
    Consent,
    Defender,
    FieldVersion,
    Hearing,
    Referral,
    Statement,
)
from hrd_cases.records import RecordVault
from tests.support.exports import this_quarter, today


def _demo_secrets(db: Session, vault: RecordVault) -> set[str]:
    found: set[str] = set()
    # Notes and earlier versions of corrected fields too (issue 16: the demo has both).
    for model in (Defender, Case, Referral, Hearing, Consent, Statement, CaseNote, FieldVersion):
        for record in db.scalars(select(model)):
            for value in vault.open(record, model.encrypted_fields).values():
                if value:
                    found.add(value)
            reference = getattr(record, "reference", None)
            if reference:
                found.add(reference)
    return found


def _searchable(name: str, body: bytes) -> bytes:
    if name not in ("xlsx", "docx"):
        return body
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return b"".join(archive.read(entry) for entry in archive.namelist())


def test_demo_exports_hold_no_plaintext(
    app: Flask, db: Session, vault: RecordVault, runner: FlaskCliRunner
) -> None:
    assert runner.invoke(args=["demo"]).exit_code == 0
    secrets = _demo_secrets(db, vault)
    assert len(secrets) > 50  # names, references, narratives, reports, courts...
    assert db.scalar(select(CaseNote.id)) and db.scalar(select(FieldVersion.id))
    with app.app_context():
        for name in EXPORT_FORMATS:
            for k in (2, 5):
                body = build_quarterly_export(
                    db,
                    quarter=this_quarter(),
                    fmt=name,
                    as_of=today(),
                    k=k,
                    actor=None,
                    via="cli",
                ).body
                text = _searchable(name, body)
                assert b"Table 1" in text or b"cases_by_profile" in text
                leaked = sorted(s for s in secrets if s.encode() in text)
                assert leaked == [], f"{name}: {len(leaked)} plaintext value(s) in the export"


def test_demo_release_in_both_languages_and_its_annual_report_hold_no_plaintext(
    db: Session, vault: RecordVault, runner: FlaskCliRunner
) -> None:
    """The stored files of a release (every format, English and French, with the headline and
    its sentences) and the annual report built from releases: no demo plaintext in any."""
    from hrd_cases.exports.annual import annual_export
    from hrd_cases.exports.quarter import Quarter
    from hrd_cases.exports.releases import download_release, releasable_from, release_quarter
    from tests.support.factories import strategy_catalogue

    assert runner.invoke(args=["demo"]).exit_code == 0
    secrets = _demo_secrets(db, vault)
    year = this_quarter().year
    for number in range(1, 5):
        release_quarter(
            db,
            Quarter(year, number),
            actor=None,
            via="cli",
            catalogue=strategy_catalogue(),
            k=5,
            p=2,
            lag_days=30,
            today=releasable_from(Quarter(year, 4), 30),
        )
    for name in EXPORT_FORMATS:
        for language in ("en", "fr"):
            bodies = [
                download_release(
                    db, this_quarter(), name, actor=None, via="cli", language=language
                ).body,
                annual_export(db, year, name, actor=None, via="cli", language=language).body,
            ]
            for body in bodies:
                text = _searchable(name, body)
                leaked = sorted(s for s in secrets if s.encode() in text)
                assert leaked == [], f"{name} ({language}): {len(leaked)} plaintext value(s)"
