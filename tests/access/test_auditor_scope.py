"""The auditor (a data-protection officer) sees no case content on any route: every HTML
route and every API route, read from the URL map, with every method, answers without a
defender's name, location or narrative, and changes nothing."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases.models import Case, Role
from tests.support.access import build_url, fresh, sign_in
from tests.support.api import (
    DEFENDER_LOCATION,
    DEFENDER_NAME,
    NARRATIVE,
    Api,
    World,
    token_for,
)
from tests.support.api import world as world  # the fixture, by name
from tests.support.app import AuthActions
from tests.support.factories import make_user

# Each part of the case's content on its own too, so that a field shown in part still fails
# (not the bare word "Canary": public text holds it, the time zone Atlantic/Canary).
SECRETS = (
    DEFENDER_NAME,
    DEFENDER_LOCATION,
    NARRATIVE,
    "Wanjiku",
    "Canary-Mwangi",
    "Canary Estate",
    "canary narrative",
)
# Signing out, or the sign-in steps that drop a browser session with no sign-in pending,
# would end the walk; they show no case content to anyone.
# Sign-in steps start over (they clear the session) when no sign-in is pending: walking them
# would sign the auditor out, not show anything.
SKIP_ENDPOINTS = {
    "auth.logout",
    "auth.second_factor",
    "auth.enrol",
    "auth.oidc_start",
    "auth.oidc_callback",
    "auth.security_key_sign_in",
    "auth.security_key_sign_in_options",
    "auth.security_key_sign_in_finish",
    "auth.register_key_at_sign_in",
    "auth.register_key_at_sign_in_options",
    "auth.register_key_at_sign_in_finish",
    "static",
}


def test_the_auditor_sees_no_case_content_on_any_route(
    app: Flask, db: Session, world: World
) -> None:
    auditor = make_user(db, Role.AUDITOR)
    browser = sign_in(app, auditor.email)
    api = Api(app.test_client(), token_for(db, auditor))
    reference = world.case.reference
    cases_before = fresh(db).scalar(select(func.count()).select_from(Case))
    known = {
        "reference": reference,
        "case_reference": reference,
        "defender_reference": "D-1",
        "user_id": str(world.users["owner"].id),
    }
    html_checked = api_checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        url = build_url(rule, **{k: v for k, v in known.items() if k in rule.arguments})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if rule.endpoint.startswith("api."):
                response = api.call(
                    method, url.removeprefix("/api/v1"), {} if method != "GET" else None
                )
                api_checked += 1
            else:
                data = None
                if method != "GET":
                    data = {"csrf_token": AuthActions(browser, app).csrf_token("/account/password")}
                response = browser.open(url, method=method, data=data)
                html_checked += 1
            body = response.get_data(as_text=True)
            where = f"{method} {url} -> {response.status_code}"
            for secret in SECRETS:
                assert secret not in body, where
            if "reference" in rule.arguments:
                assert response.status_code in (403, 404), where
    assert html_checked >= 30 and api_checked >= 25, (html_checked, api_checked)
    # The walk changed nothing about cases, and the auditor is still signed in.
    assert fresh(db).scalar(select(func.count()).select_from(Case)) == cases_before
    assert browser.get("/").status_code == 200
    # The case-access page answers the auditor by reference, with no content.
    page = browser.get(f"/audit/access?case={reference}")
    assert page.status_code == 200 and reference in page.get_data(as_text=True)
