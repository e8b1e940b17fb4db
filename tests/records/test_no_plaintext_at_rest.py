"""Acceptance: distinctive canaries in every encrypted field never reach the database files
(SQLite file and WAL) or a pg_dump, nor the logs."""

from __future__ import annotations

import logging
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.domain.vocabulary import (
    AssistanceType,
    ClosureOutcome,
    ConsentScope,
    Mechanism,
    StatementLevel,
)
from hrd_cases.models import Defender, Role, User
from hrd_cases.reads.history import case_history
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import search_defenders
from hrd_cases.workflow.case_steps import close_case
from hrd_cases.workflow.consent import record_consent
from hrd_cases.workflow.corrections import correct_case
from hrd_cases.workflow.hearings import file_report, record_observation, schedule_hearing
from hrd_cases.workflow.notes import add_note
from hrd_cases.workflow.referrals import (
    ReferralInput,
    create_referral,
    decide_referral,
    return_referral,
    revise_referral,
)
from hrd_cases.workflow.statements import (
    draft_statement,
    return_statement,
    revise_statement,
    submit_statement,
)
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue

CANARY = "Qz7Canary"


def _canaries() -> dict[str, str]:
    return {
        field: f"{CANARY}{field.title().replace('_', '')}" for field in Defender.encrypted_fields
    }


def _database_bytes(app: Flask) -> bytes:
    url = make_url(app.extensions["hrd_settings"].database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, (
        "pg_dump is needed to check a PostgreSQL dump (apt-get install postgresql-client)"
    )
    plain_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    dump = subprocess.run(  # noqa: S603 - fixed program, URL from test settings
        [pg_dump, "--data-only", "--dbname", plain_url],
        capture_output=True,
        check=True,
        timeout=120,
    )
    assert b"COPY public.defenders" in dump.stdout  # the dump really holds the table
    return dump.stdout


def test_no_canary_in_the_database_files_or_logs(
    app: Flask,
    db: Session,
    vault: RecordVault,
    runner: FlaskCliRunner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    assert runner.invoke(args=["demo"]).exit_code == 0  # the demo data is at rest too
    catalogue = strategy_catalogue()
    canaries = _canaries()
    texts = {
        name: f"{CANARY}{name}: some words"
        for name in (
            "Narrative",
            "Justification",
            "Court",
            "Charges",
            "Report",
            "ConsentNotes",
            "Draft",
            "Closure",
            "ReturnReason",
            "RevisedJustification",
            "StatementReturn",
            "RevisedDraft",
            "Note",
            "CorrectedNarrative",
            "CorrectedName",
            "CorrectedLocation",
        )
    }
    turkiye = make_delegation(db, country="TR")
    focal = make_user(db, Role.FOCAL_POINT, delegation=turkiye)
    officers = [make_user(db, Role.PROTECTION_OFFICER, countries=("TR",)) for _ in range(2)]
    case = make_case(
        db, vault, delegation=turkiye, actor=focal, defender=canaries, narrative=texts["Narrative"]
    )
    referral = create_referral(
        db,
        vault,
        catalogue,
        focal,
        case.reference,
        ReferralInput(
            Mechanism.EU_HRD_MECHANISM,
            (AssistanceType.LEGAL,),
            justification=texts["Justification"],
        ),
    )
    # Issue 16: returned for revision (the reason), edited (a new justification), approved.
    return_referral(db, vault, officers[0], referral.id, reason=texts["ReturnReason"])
    revise_referral(
        db,
        vault,
        catalogue,
        focal,
        referral.id,
        ReferralInput(
            Mechanism.EU_HRD_MECHANISM,
            (AssistanceType.LEGAL,),
            justification=texts["RevisedJustification"],
        ),
    )
    for officer in officers[1:]:
        decide_referral(db, officer, referral.id, approve=True)
    hearing = schedule_hearing(
        db,
        vault,
        catalogue,
        focal,
        case.reference,
        scheduled_for=utcnow() - timedelta(days=1),
        court=texts["Court"],
        charges=texts["Charges"],
    )
    record_observation(db, catalogue, focal, hearing.id, observed=True, observers=("EU",))
    file_report(db, vault, catalogue, focal, hearing.id, texts["Report"])
    record_consent(
        db,
        vault,
        focal,
        case.reference,
        scopes=[ConsentScope.PRIVATE_DEMARCHE],
        given_on=utcnow(),
        notes=texts["ConsentNotes"],
    )
    statement = draft_statement(
        db,
        vault,
        catalogue,
        focal,
        case.reference,
        level=StatementLevel.PRIVATE_DEMARCHE,
        text=texts["Draft"],
    )
    submit_statement(db, focal, statement.id)
    return_statement(db, vault, officers[0], statement.id, reason=texts["StatementReturn"])
    revise_statement(
        db,
        vault,
        catalogue,
        focal,
        statement.id,
        level=StatementLevel.PRIVATE_DEMARCHE,
        text=texts["RevisedDraft"],
    )
    # Issue 16: a note, and corrections whose earlier values (the canaries above) are kept.
    add_note(db, vault, focal, case.reference, texts["Note"])
    correct_case(
        db,
        vault,
        catalogue,
        focal,
        case.reference,
        {"narrative": texts["CorrectedNarrative"]},
        defender_changes={"name": texts["CorrectedName"], "location": texts["CorrectedLocation"]},
    )
    assert len(case_history(db, vault, focal, case.reference).fields) == 3
    close_case(
        db,
        vault,
        catalogue,
        focal,
        case.reference,
        ClosureOutcome.RESOLVED,
        reason=texts["Closure"],
    )
    # Reads and search must not write or log plaintext either.
    assert (
        search_defenders(db, vault, texts["CorrectedName"], visible_ids=None)[0].defender.id
        == case.defenders[0].id
    )
    assert not search_defenders(db, vault, canaries["name"], visible_ids=None)  # corrected
    assert search_defenders(db, vault, texts["CorrectedName"], visible_ids=None)
    assert vault.open_field(case, "narrative") == texts["CorrectedNarrative"]
    totp_secrets = [
        vault.open_field(u, "totp_secret")
        for u in db.scalars(select(User))
        if u.totp_secret_ciphertext
    ]
    db.commit()

    stored = _database_bytes(app)
    assert len(stored) > 0
    for value in [*canaries.values(), *texts.values(), *totp_secrets]:
        assert value and value.encode() not in stored, value
    assert CANARY.encode() not in stored
    assert CANARY.encode("utf-16-le") not in stored
    assert CANARY not in caplog.text
