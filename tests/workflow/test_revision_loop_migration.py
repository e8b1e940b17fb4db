"""Issue 16's revision-loop revision with data, on the suite's backend: upgrade, downgrade (a
returned item goes back to awaiting a decision, a withdrawn referral becomes closed, only the
latest revision's decisions stay) and upgrade again."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from hrd_cases.db import create_db_engine
from hrd_cases.db import migrate as dbschema
from hrd_cases.domain.vocabulary import AssistanceType, Mechanism
from hrd_cases.models import Role
from hrd_cases.records import RecordVault
from hrd_cases.workflow import referrals
from hrd_cases.workflow.referrals import ReferralInput
from tests import pg
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue

REVISION = "b3d5f1a27c64"
PREVIOUS = str(
    ScriptDirectory.from_config(dbschema.alembic_config("sqlite://"))
    .get_revision(REVISION)
    .down_revision
)
GRANT = ReferralInput(Mechanism.EU_HRD_MECHANISM, (AssistanceType.LEGAL,), 3000)


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    server_url = os.environ.get("DATABASE_URL")
    if pg.is_postgres(server_url):
        assert server_url is not None
        with pg.temporary_database(server_url, prefix="hrd_revision_migration") as database:
            yield database
    else:
        yield f"sqlite:///{tmp_path / 'revisions.sqlite3'}"


def _rows(engine, sql: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql)).all()]


def _key(value: object) -> str:
    return str(value).replace("-", "")  # a UUID reads differently on each backend


def test_revision_loops_upgrade_downgrade_and_upgrade_again(
    app: Flask, url: str, vault: RecordVault
) -> None:
    dbschema.upgrade(url, REVISION)
    engine = create_db_engine(url)
    try:
        with Session(engine) as db:
            db.info["app"] = app
            kenya = make_delegation(db, country="KE")
            focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
            one, two = (make_user(db, Role.PROTECTION_OFFICER, countries=("KE",)) for _ in "12")
            case = make_case(db, vault, delegation=kenya, actor=focal)
            catalogue = strategy_catalogue()
            new = [
                referrals.create_referral(db, vault, catalogue, focal, case.reference, GRANT)
                for _ in range(3)
            ]
            revised, returned, withdrawn = new
            # revised: approved by one, returned by two, edited, approved again by one.
            referrals.decide_referral(db, one, revised.id, approve=True)
            referrals.return_referral(db, vault, two, revised.id, reason="Zq change")
            referrals.revise_referral(db, vault, catalogue, focal, revised.id, GRANT)
            referrals.decide_referral(db, one, revised.id, approve=True)
            referrals.return_referral(db, vault, one, returned.id, reason="Zq more")
            referrals.withdraw_referral(db, focal, withdrawn.id)
            names = ("revised", "returned", "withdrawn")
            ids = {name: r.id.hex for name, r in zip(names, new, strict=True)}
            officer_one = one.id
        assert len(_rows(engine, "SELECT id FROM referral_decisions")) == 4
        engine.dispose()

        dbschema.downgrade(url, PREVIOUS)
        columns = {c["name"] for c in inspect(engine).get_columns("referrals")}
        assert not {"revision", "returned_at", "withdrawn_at"} & columns
        decision_columns = {c["name"] for c in inspect(engine).get_columns("referral_decisions")}
        assert not {"round", "returned"} & decision_columns
        states = {_key(i): s for i, s in _rows(engine, "SELECT id, state FROM referrals")}
        assert states == {
            ids["revised"]: "requested",
            ids["returned"]: "requested",  # back to awaiting a decision
            ids["withdrawn"]: "closed",
        }
        # Only the latest revision's approval stays: one per officer, as the old schema wants.
        kept = _rows(engine, "SELECT referral_id, officer_id FROM referral_decisions")
        assert [(_key(r), o) for r, o in kept] == [(ids["revised"], officer_one)]
        engine.dispose()

        dbschema.upgrade(url, REVISION)
        rows = _rows(engine, "SELECT id, revision, returned_at, withdrawn_at FROM referrals")
        assert sorted((rev, back, gone) for _, rev, back, gone in rows) == [(1, None, None)] * 3
        assert _rows(engine, "SELECT round, returned FROM referral_decisions") in (
            [(1, False)],
            [(1, 0)],
        )
    finally:
        engine.dispose()
