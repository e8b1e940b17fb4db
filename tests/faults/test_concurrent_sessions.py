"""Found by the load test: under concurrent requests on SQLite, a request that read first and
then wrote its session's last-seen time (or an API token's last use) failed with "database is
locked" whenever another request had committed in between (a stale WAL snapshot cannot become
a writer), and the user got a 503. Writes after reads now take the write lock first."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hrd_cases.auth.accounts import create_api_token, user_for_api_token
from hrd_cases.auth.service import hash_token, load_session_user, start_session
from hrd_cases.db import database_of, utcnow
from hrd_cases.models import ApiToken, Delegation, Role, UserSession
from tests.support.factories import make_delegation, make_user


def _stale_reader(app: Flask) -> Session:
    """A session that has read (its snapshot is now fixed) before another one commits."""
    reader = database_of(app).session_factory()
    reader.scalar(select(Delegation.id).limit(1))
    with database_of(app).session() as other:
        make_delegation(other)  # commits after the reader's snapshot
    return reader


def test_session_last_seen_update_after_a_concurrent_commit(app: Flask, db: Session) -> None:
    user = make_user(db, Role.FOCAL_POINT)
    token = start_session(db, user)
    db.execute(
        update(UserSession)
        .where(UserSession.token_hash == hash_token(token))
        .values(last_seen_at=utcnow() - timedelta(minutes=5))
    )
    db.commit()
    reader = _stale_reader(app)
    try:
        assert load_session_user(reader, app.extensions["hrd_settings"], token) is not None
    finally:
        reader.close()
    db.rollback()
    seen = db.scalar(
        select(UserSession.last_seen_at).where(UserSession.token_hash == hash_token(token))
    )
    assert utcnow() - seen < timedelta(minutes=1)


def test_api_token_last_use_update_after_a_concurrent_commit(app: Flask, db: Session) -> None:
    user = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
    _, token = create_api_token(db, user, "t", days=1, max_days=90)
    reader = _stale_reader(app)
    try:
        assert user_for_api_token(reader, token) is not None
    finally:
        reader.close()
    db.rollback()
    assert db.scalar(select(ApiToken.last_used_at)) is not None
