"""Personal access tokens for the JSON API: bearer only, revocable, expiring, dead with their
user, stored hashed, and every refusal a 401 with a Bearer challenge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hrd_cases.auth import accounts
from hrd_cases.db import utcnow
from hrd_cases.domain.errors import InvalidTransition, ValidationFailed
from hrd_cases.models import ApiToken, AuditEntry, Role, User
from tests.support.access import fresh, reload_user
from tests.support.factories import make_user


def call(client: FlaskClient, authorization: str | None) -> TestResponse:
    headers = {} if authorization is None else {"Authorization": authorization}
    return client.get("/api/v1/me", headers=headers)


def assert_refused(response: TestResponse) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.get_json()
    assert body["data"] is None
    assert "no-store" in response.headers["Cache-Control"]


def new_token(db: Session, user: User, days: int = 30) -> tuple[ApiToken, str]:
    return accounts.create_api_token(db, user, "laptop", days=days, max_days=90)


def test_a_bearer_token_works(db: Session, client: FlaskClient) -> None:
    user = make_user(db, Role.PROTECTION_OFFICER, countries=("KE", "UG"))
    _, token = new_token(db, user)
    response = call(client, f"Bearer {token}")
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert data["id"] == user.id and data["role"] == "protection_officer"
    assert data["countries"] == ["KE", "UG"]
    assert call(client, f"bearer {token}").status_code == 200  # the scheme is case-insensitive


def test_a_revoked_token_is_refused(db: Session, client: FlaskClient) -> None:
    user = make_user(db, Role.ANALYST)
    row, token = new_token(db, user)
    _, other = new_token(db, user)
    assert call(client, f"Bearer {token}").status_code == 200
    accounts.revoke_api_token(db, row.id)
    assert_refused(call(client, f"Bearer {token}"))
    assert call(client, f"Bearer {other}").status_code == 200  # only that one token
    assert "api_token.revoke" in set(fresh(db).scalars(select(AuditEntry.action)))


def test_an_expired_token_is_refused(db: Session, client: FlaskClient) -> None:
    user = make_user(db, Role.ANALYST)
    row, token = new_token(db, user, days=1)
    assert call(client, f"Bearer {token}").status_code == 200
    fresh(db).execute(
        update(ApiToken)
        .where(ApiToken.id == row.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.commit()
    assert_refused(call(client, f"Bearer {token}"))


def test_token_lifetime_is_bounded(db: Session) -> None:
    user = make_user(db, Role.ANALYST)
    for days in (0, -1):
        with pytest.raises(ValidationFailed):
            accounts.create_api_token(db, user, "x", days=days, max_days=90)
    for days in (91, 10_000):  # longer than the instance's policy: a rule, answered 409
        with pytest.raises(InvalidTransition, match="at most 90 days"):
            accounts.create_api_token(db, user, "x", days=days, max_days=90)
    row, _ = accounts.create_api_token(db, user, "x", days=90, max_days=90)
    assert row.expires_at - utcnow() <= timedelta(days=90)


def test_the_token_of_a_disabled_user_is_refused(db: Session, client: FlaskClient) -> None:
    user = make_user(db, Role.ANALYST)
    _, token = new_token(db, user)
    accounts.set_active(db, reload_user(db, user.id), False)
    assert_refused(call(client, f"Bearer {token}"))


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Token {token}",
        "Basic {token}",
        "{token}",
        "Bearer{token}",
        "Bearer {token}x",
        "Bearer {token_upper}",
        "Bearer {prefix_only}",
        "Bearer {truncated}",
        "Bearer {token_long}",
        "Bearer hrdpat_",
        "Bearer hrdpat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Bearer ' OR '1'='1",
    ],
)
def test_a_malformed_or_wrong_authorization_header_is_refused(
    db: Session, client: FlaskClient, header: str | None
) -> None:
    user = make_user(db, Role.ANALYST)
    _, token = new_token(db, user)
    if header is not None:
        header = header.format(
            token=token,
            token_upper=token.upper(),
            prefix_only=token[:12],
            truncated=token[:-1],
            token_long=token + "A" * 200,
        )
    assert_refused(call(client, header))
    assert call(client, f"Bearer {token}").status_code == 200  # control


def test_tokens_are_stored_only_hashed(app: Flask, db: Session) -> None:
    user = make_user(db, Role.ANALYST)
    row, token = new_token(db, user)
    secret_part = token[len(accounts.API_TOKEN_PREFIX) :]
    assert len(secret_part) >= 40
    with app.extensions["hrd_db"].engine.connect() as connection:
        stored = connection.execute(
            text("SELECT * FROM api_tokens WHERE id = :id"), {"id": row.id}
        ).one()
        audit_rows = connection.execute(text("SELECT * FROM audit_entries")).all()
    stored_text = " ".join(str(value) for value in stored)
    assert token not in stored_text
    assert secret_part not in stored_text
    assert secret_part[:16] not in stored_text  # not even a large part of the secret
    assert token.casefold() not in stored_text.casefold()
    assert len(row.token_hash) == 64 and row.token_hash != token
    audit_text = " ".join(str(value) for r in audit_rows for value in r)
    assert secret_part[:16] not in audit_text


def test_a_token_is_bound_to_its_user(db: Session, client: FlaskClient) -> None:
    alice, bob = make_user(db, Role.ANALYST), make_user(db, Role.ADMIN)
    _, alice_token = new_token(db, alice)
    _, bob_token = new_token(db, bob)
    assert call(client, f"Bearer {alice_token}").get_json()["data"]["id"] == alice.id
    assert call(client, f"Bearer {bob_token}").get_json()["data"]["id"] == bob.id


def test_second_factor_reset_revokes_api_tokens_and_use_is_recorded(app, db) -> None:
    from hrd_cases.auth import accounts
    from hrd_cases.models import ApiToken, Role
    from tests.support.factories import make_user

    user = make_user(db, Role.FOCAL_POINT)
    row, token = accounts.create_api_token(db, user, "ci", days=30, max_days=90)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    db.expire_all()
    assert db.get(ApiToken, row.id).last_used_at is not None
    accounts.reset_second_factor(db, user)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_proxy_hops_give_each_client_its_own_address(settings) -> None:
    """Behind one trusted proxy, the client address comes from X-Forwarded-For (rate limits
    are per client); without the setting, the header is ignored (it could be forged)."""
    from werkzeug.test import EnvironBuilder

    from hrd_cases import create_app

    def remote_addr_seen(proxy_hops: int) -> str:
        app = create_app(settings.replace(proxy_hops=proxy_hops))
        seen: dict[str, str] = {}

        def capture(environ, start_response):
            seen["addr"] = environ["REMOTE_ADDR"]
            start_response("204 No Content", [])
            return [b""]

        if proxy_hops:
            app.wsgi_app.app = capture
        else:
            app.wsgi_app = capture
        environ = EnvironBuilder(
            headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "10.0.0.1"}
        ).get_environ()
        app.wsgi_app(environ, lambda *args: None)
        return seen["addr"]

    assert remote_addr_seen(1) == "203.0.113.7"
    assert remote_addr_seen(0) == "10.0.0.1"
