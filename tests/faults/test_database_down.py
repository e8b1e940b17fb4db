"""The database going away mid-request: a 503 page (HTML) or 503 JSON (API) that leaks
nothing, no partial write, and the next request works again."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases import create_app
from hrd_cases.audit import verify_chain
from hrd_cases.auth.accounts import create_api_token
from hrd_cases.db import database_of
from hrd_cases.models import AuditChainHead, AuditEntry, Case, DataKey, Defender, Role
from hrd_cases.records import RecordVault
from hrd_cases.settings import Settings
from tests.support.access import client_with_cookie, session_cookie, sign_in
from tests.support.factories import make_case, make_user
from tests.support.faults import connection_dies_before, statement_starts

NAME = "Leyla Faultline"
NARRATIVE = "Detained after the Diyarbakir protest"
LEAKS = (
    *(NAME, NARRATIVE),
    *("SELECT", "INSERT", "UPDATE", "psycopg", "sqlite", "Traceback", "OperationalError"),
)


def _assert_unavailable_page(response, *, json: bool) -> None:
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    for leak in LEAKS:
        assert leak not in body, leak
    if json:
        # The API's envelope (issue 7): no data, the fixed message, nothing else.
        envelope = response.get_json()
        assert envelope["data"] is None
        assert "The service is briefly unavailable" in str(envelope["errors"]["message"])
    else:
        assert response.mimetype == "text/html"
        assert "Temporarily unavailable" in body


def _audit_state(db: Session) -> tuple[int, int]:
    db.rollback()  # a fresh snapshot: SQLite's WAL would keep showing the old one
    head = db.get(AuditChainHead, 1)
    count = db.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return (head.last_seq if head else 0), count


def test_connection_lost_in_the_middle_of_a_write_gives_503_and_no_partial_write(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    focal = make_user(db, Role.FOCAL_POINT)
    case = make_case(
        db, vault, delegation=focal.delegation, defender={"name": NAME}, narrative=NARRATIVE
    )
    browser = sign_in(app, focal.email)
    before = _audit_state(db)

    # Viewing a case audits the view: UPDATE chain head, INSERT entry, UPDATE head. The
    # connection dies after the first of these statements.
    engine = database_of(app).engine
    with connection_dies_before(engine, statement_starts("INSERT INTO audit_entries")) as fault:
        response = browser.get(f"/cases/{case.reference}")
    assert fault.fired == 1
    _assert_unavailable_page(response, json=False)
    assert _audit_state(db) == before  # the chain head update went with the connection
    assert verify_chain(db)[1] is None

    # The pool replaces the dead connection: the very next request works and is audited.
    again = browser.get(f"/cases/{case.reference}")
    assert again.status_code == 200 and NAME in again.get_data(as_text=True)
    assert _audit_state(db) == (before[0] + 1, before[1] + 1)


def test_connection_lost_during_an_api_request_gives_503_json(app: Flask, db: Session) -> None:
    user = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
    _, token = create_api_token(db, user, "fault test", days=1, max_days=90)
    client = app.test_client()
    engine = database_of(app).engine
    with connection_dies_before(engine, lambda s: "api_tokens" in s) as fault:
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert fault.fired == 1
    _assert_unavailable_page(response, json=True)
    ok = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200


def test_intake_interrupted_after_its_first_insert_leaves_nothing(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    """The biggest write (data keys, defender, tokens, case, categories, event, audit) is
    atomic: a connection lost after its first INSERT leaves no row of it behind."""
    from sqlalchemy.exc import OperationalError

    focal = make_user(db, Role.FOCAL_POINT)
    make_case(db, vault, delegation=focal.delegation)  # the database is not empty
    tables = (DataKey, Defender, Case, AuditEntry)
    before = [db.scalar(select(func.count()).select_from(t)) for t in tables]
    engine = database_of(app).engine
    with database_of(app).session() as session:
        writes = {"n": 0}

        def second_insert(statement: str) -> bool:
            if statement.lstrip().upper().startswith("INSERT"):
                writes["n"] += 1
            return writes["n"] == 2

        with (
            connection_dies_before(engine, second_insert) as fault,
            pytest.raises(OperationalError),
        ):
            make_case(session, vault, delegation=focal.delegation, defender={"name": NAME})
        assert fault.fired == 1
    db.rollback()
    assert [db.scalar(select(func.count()).select_from(t)) for t in tables] == before
    assert verify_chain(db)[1] is None


def test_unreachable_database_gives_503_page_and_json(
    app: Flask, db: Session, settings: Settings, tmp_path: Path
) -> None:
    """The server is gone altogether (not just one connection): a signed-in browser gets the
    503 page, not a bare 500 from rendering a page that asks the database who is signed in."""
    focal = make_user(db, Role.FOCAL_POINT)
    cookie = session_cookie(sign_in(app, focal.email))
    assert cookie is not None
    if settings.is_sqlite:
        gone = f"sqlite:///{tmp_path / 'no-such-dir' / 'db.sqlite3'}"
    else:
        gone = "postgresql+psycopg://postgres@127.0.0.1:1/hrd_gone?connect_timeout=2"
    down = create_app(settings.replace(database_url=gone))
    try:
        _assert_unavailable_page(client_with_cookie(down, cookie).get("/cases"), json=False)
        response = down.test_client().get(
            "/api/v1/me", headers={"Authorization": "Bearer hrdpat_whatever"}
        )
        _assert_unavailable_page(response, json=True)
    finally:
        database_of(down).engine.dispose()
