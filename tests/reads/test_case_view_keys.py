"""The case view unwraps each data key once per read (issue 13, speed), and keeps nothing
across reads: a key erased between two views leaves the second view with no plaintext."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from hrd_cases.models import Role
from hrd_cases.reads.case_view import view_case
from hrd_cases.records import RecordVault
from tests.support.factories import make_delegation, make_user
from tests.support.scenarios import busy_case


def test_an_erased_case_key_is_not_served_from_an_earlier_read(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    kenya = make_delegation(db, code="DEL-KE-K", country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    busy = busy_case(db, vault, kenya, focal)
    catalogue = app.extensions["hrd_strategies"]
    before = view_case(db, vault, catalogue, focal, busy.reference)
    assert before.narrative is not None
    assert "Legal costs 3000" in before.justifications.values()
    vault.erase_data_key(before.case.data_key)
    db.commit()
    after = view_case(db, vault, catalogue, focal, busy.reference)
    assert after.narrative is None
    assert set(after.justifications.values()) == {None}
    assert all(set(texts.values()) == {None} for texts in after.hearing_texts.values())
    assert set(after.statement_drafts.values()) == {None}
