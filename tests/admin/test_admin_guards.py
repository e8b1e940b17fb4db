"""Account administration, attacked: every admin route refuses other roles (403) and
requests without a CSRF token (400); nobody changes their own role or disables themself; the
last active admin cannot be removed, from the browser, the CLI or the service."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases.auth import accounts
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.models import AuditEntry, Role, User
from tests.support.access import build_url, fresh, is_signed_in, reload_user, sign_in
from tests.support.admin import change_scope, confirm_change, csrf
from tests.support.factories import make_user

ADMIN_BLUEPRINTS = ("admin.", "templates.", "tokens.all_tokens", "tokens.admin_revoke_token")


def admin_requests(app: Flask, user_id: int) -> list[tuple[str, str]]:
    """Every (method, URL) of the admin pages, read from the URL map so new routes count."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(ADMIN_BLUEPRINTS):
            continue
        known = {"user_id": str(user_id)}
        if "change" in rule.arguments:
            for change in (
                "disable",
                "enable",
                "reset-second-factor",
                "end-sessions",
                "reset-password",
            ):
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    found.append((method, build_url(rule, **known, change=change)))
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, build_url(rule, **known)))
    assert len(found) >= 14, found
    return found


def audit_count(db: Session) -> int:
    return fresh(db).scalar(select(func.count()).select_from(AuditEntry)) or 0


@pytest.mark.parametrize("role", [Role.FOCAL_POINT, Role.PROTECTION_OFFICER, Role.ANALYST])
def test_every_admin_route_refuses_other_roles(app: Flask, db: Session, role: Role) -> None:
    target = make_user(db, Role.ANALYST)
    intruder = make_user(db, role, countries=("KE",) if role is Role.PROTECTION_OFFICER else ())
    browser = sign_in(app, intruder.email)
    token = csrf(browser, "/account/password")
    before = audit_count(db)
    for method, url in admin_requests(app, target.id):
        data = {
            "csrf_token": token,
            "role": "admin",
            "confirmed": "yes",
            "email": "x@example.org",
            "display_name": "X",
        }
        response = browser.open(url, method=method, data=data)
        assert response.status_code == 403, (method, url, response.status_code)
    fresh_target = reload_user(db, target.id)
    assert fresh_target.is_active and fresh_target.role is Role.ANALYST
    assert fresh(db).scalar(select(User).where(User.email == "x@example.org")) is None
    assert reload_user(db, intruder.id).role is role
    assert audit_count(db) == before
    assert is_signed_in(sign_in(app, target.email))


def test_every_unsafe_admin_route_requires_a_csrf_token_even_for_an_admin(
    app: Flask, db: Session
) -> None:
    admin = make_user(db, Role.ADMIN)
    target = make_user(db, Role.ADMIN)
    target_browser = sign_in(app, target.email)
    browser = sign_in(app, admin.email)
    before = audit_count(db)
    posts = [(m, u) for m, u in admin_requests(app, target.id) if m == "POST"]
    for method, url in posts:
        for token in (None, "", "forged"):
            data = {
                "role": "analyst",
                "confirmed": "yes",
                "email": "x@example.org",
                "display_name": "X",
            }
            if token is not None:
                data["csrf_token"] = token
            response = browser.open(url, method=method, data=data)
            assert response.status_code == 400, (method, url, response.status_code)
    fresh_target = reload_user(db, target.id)
    assert fresh_target.is_active and fresh_target.role is Role.ADMIN
    assert is_signed_in(target_browser)
    assert audit_count(db) == before


def test_an_admin_cannot_disable_themself_or_change_their_own_role(app: Flask, db: Session) -> None:
    admin = make_user(db, Role.ADMIN)
    make_user(db, Role.ADMIN)  # not the last admin: the own-account rule alone refuses
    browser = sign_in(app, admin.email)
    refused = confirm_change(browser, admin.id, "disable")
    assert refused.status_code == 303
    assert "cannot disable your own account" in browser.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    assert change_scope(browser, admin.id, role="analyst").status_code == 303
    fresh_admin = reload_user(db, admin.id)
    assert fresh_admin.is_active and fresh_admin.role is Role.ADMIN
    assert is_signed_in(browser)


def test_the_last_active_admin_cannot_be_removed(app: Flask, db: Session) -> None:
    first = make_user(db, Role.ADMIN)
    second = make_user(db, Role.ADMIN)
    browser = sign_in(app, first.email)
    # With two admins, one may disable the other...
    assert confirm_change(browser, second.id, "disable").status_code == 303
    assert not reload_user(db, second.id).is_active
    # ...but now `first` is the last: neither the service, the CLI nor a demotion removes it.
    for attempt in (
        lambda: accounts.set_active(db, reload_user(db, first.id), False),
        lambda: accounts.change_role(db, reload_user(db, first.id), Role.ANALYST),
        lambda: accounts.set_active(db, reload_user(db, first.id), False, actor_id=second.id),
    ):
        with pytest.raises(InvalidTransition) as refused:
            attempt()
        assert refused.value.rule == "user.last_admin"
    result = app.test_cli_runner().invoke(args=["user", "disable", first.email])
    assert result.exit_code != 0
    fresh_first = reload_user(db, first.id)
    assert fresh_first.is_active and fresh_first.role is Role.ADMIN
    assert is_signed_in(browser)
    # A disabled admin does not count: enabling `second` again makes `first` removable.
    assert confirm_change(browser, second.id, "enable").status_code == 303
    accounts.set_active(db, reload_user(db, first.id), False, actor_id=second.id)
    assert not reload_user(db, first.id).is_active


def test_scope_change_needs_confirmation_and_ends_the_users_sessions_at_once(
    app: Flask, db: Session
) -> None:
    admin = make_user(db, Role.ADMIN)
    officer = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
    officer_browser = sign_in(app, officer.email)
    browser = sign_in(app, admin.email)
    review = change_scope(
        browser, officer.id, confirmed=False, role="protection_officer", countries="UG, TZ"
    )
    assert review.status_code == 200 and "Confirm" in review.get_data(as_text=True)
    assert reload_user(db, officer.id).country_codes == ["KE"]  # the first step changes nothing
    assert is_signed_in(officer_browser)
    done = change_scope(browser, officer.id, role="protection_officer", countries="UG, TZ")
    assert done.status_code == 303
    assert reload_user(db, officer.id).country_codes == ["TZ", "UG"]
    assert not is_signed_in(officer_browser)
    actions = list(
        fresh(db).scalars(select(AuditEntry.action).where(AuditEntry.actor_id == admin.id))
    )
    assert "user.role_change" in actions


@pytest.mark.parametrize("change", ["disable", "end-sessions", "reset-second-factor"])
def test_each_change_asks_first_then_ends_sessions_and_is_audited(
    app: Flask, db: Session, change: str
) -> None:
    admin = make_user(db, Role.ADMIN)
    user = make_user(db, Role.ANALYST)
    user_browser = sign_in(app, user.email)
    browser = sign_in(app, admin.email)
    before = audit_count(db)
    page = browser.get(f"/admin/accounts/{user.id}/{change}")
    assert page.status_code == 200 and "Confirm" in page.get_data(as_text=True)
    assert is_signed_in(user_browser) and audit_count(db) == before
    assert confirm_change(browser, user.id, change).status_code in (200, 303)
    assert not is_signed_in(user_browser)
    assert audit_count(db) > before
