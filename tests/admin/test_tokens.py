"""API tokens on the account page: created and shown once, listed with their last use and
never their value, revoked by their owner (another user's token looks absent) or by an admin,
who sees every token but never a value."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy.orm import Session

from hrd_cases.models import Role
from tests.support.access import sign_in
from tests.support.admin import csrf
from tests.support.factories import make_user

_VALUE = re.compile(r'id="token-value"[^>]*value="(hrdpat_[^"]+)"')


def create(browser, name: str = "reporting script", days: str = "30") -> str:  # type: ignore[no-untyped-def]
    response = browser.post(
        "/account/tokens",
        data={"name": name, "days": days, "csrf_token": csrf(browser, "/account/tokens")},
    )
    assert response.status_code == 200, response.status_code
    match = _VALUE.search(response.get_data(as_text=True))
    assert match
    return match.group(1)


def api_me(app: Flask, token: str) -> int:
    return (
        app.test_client()
        .get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        .status_code
    )


def test_create_list_use_and_revoke_a_token(app: Flask, db: Session) -> None:
    user = make_user(db, Role.ANALYST)
    browser = sign_in(app, user.email)
    token = create(browser)
    assert api_me(app, token) == 200
    listing = browser.get("/account/tokens").get_data(as_text=True)
    assert "reporting script" in listing and token not in listing and token[:12] in listing
    assert "never" not in listing.split("reporting script", 1)[1].split("</tr>", 1)[0]
    token_id = int(re.search(r"/account/tokens/(\d+)/revoke", listing).group(1))  # type: ignore[union-attr]
    browser.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf(browser, "/account/tokens")}
    )
    assert api_me(app, token) == 401
    assert "revoked" in browser.get("/account/tokens").get_data(as_text=True)


def test_a_token_beyond_the_maximum_lifetime_is_refused(app: Flask, db: Session) -> None:
    browser = sign_in(app, make_user(db, Role.ANALYST).email)
    response = browser.post(
        "/account/tokens",
        data={"name": "x", "days": "9999", "csrf_token": csrf(browser, "/account/tokens")},
    )
    assert response.status_code == 422 and "hrdpat_" not in response.get_data(as_text=True)


def test_nobody_revokes_another_users_token_but_an_admin(app: Flask, db: Session) -> None:
    owner = make_user(db, Role.ANALYST)
    token = create(sign_in(app, owner.email))
    other = sign_in(app, make_user(db, Role.FOCAL_POINT).email)
    for token_id in range(1, 5):
        response = other.post(
            f"/account/tokens/{token_id}/revoke",
            data={"csrf_token": csrf(other, "/account/tokens")},
        )
        assert response.status_code == 404
    assert api_me(app, token) == 200
    admin = sign_in(app, make_user(db, Role.ADMIN).email)
    listing = admin.get("/admin/tokens").get_data(as_text=True)
    assert owner.email in listing and token not in listing
    token_id = int(re.search(r"/admin/tokens/(\d+)/revoke", listing).group(1))  # type: ignore[union-attr]
    admin.post(
        f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf(admin, "/admin/tokens")}
    )
    assert api_me(app, token) == 401
