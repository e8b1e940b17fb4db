"""Bad input of every kind gets its own status in the envelope, never a 500, and never an
echo of what was sent (a name typed in the wrong place must not come back or reach logs)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from hrd_cases.auth import accounts
from hrd_cases.db import utcnow
from hrd_cases.http.errors import MAX_BODY_BYTES
from hrd_cases.models import ApiToken
from tests.support.access import fresh, reload_user
from tests.support.api import (
    ABSENT_ID,
    ABSENT_REFERENCE,
    DEFENDER_NAME,
    INTAKE,
    Api,
    World,
    errors_of,
)

CANARY = "Zq Canary Person Name"


def assert_401(api: Api) -> None:
    response = api.get("/cases")
    errors_of(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_missing_and_wrong_tokens_are_401(app: Flask, world: World) -> None:
    client = app.test_client()
    assert_401(world.api["anonymous"])
    for token in ("", "hrdpat_wrong", world.tokens["owner"] + "x", "x" * 300):
        assert_401(Api(client, token))
    response = client.get(
        "/api/v1/cases", headers={"Authorization": f"Basic {world.tokens['owner']}"}
    )
    errors_of(response, 401)


def test_expired_revoked_and_deactivated_tokens_are_401(db: Session, world: World) -> None:
    owner, officer, colleague = (world.users[r] for r in ("owner", "officer", "owner_colleague"))
    fresh(db).execute(
        update(ApiToken)
        .where(ApiToken.user_id == owner.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.commit()
    assert_401(world.api["owner"])
    for row in fresh(db).query(ApiToken).filter(ApiToken.user_id == officer.id):
        accounts.revoke_api_token(db, row.id)
    assert_401(world.api["officer"])
    accounts.set_active(db, reload_user(db, colleague.id), False)
    assert_401(world.api["owner_colleague"])
    # Even on a case route with a body: the token is checked before anything else.
    response = world.api["owner_colleague"].post(f"/cases/{world.case.reference}/referrals", {})
    errors_of(response, 401)


def test_malformed_json_is_400(world: World) -> None:
    api = world.api["owner"]
    deep = "[" * 100_000 + "]" * 100_000  # under the size limit, over the parser's stack
    for body in ("{", '{"country": "KE",}', "nul", "\xff\xfe", deep):
        response = api.call(
            "POST", "/cases", data=body, headers={"Content-Type": "application/json"}
        )
        errors_of(response, 400)


def test_a_body_that_is_not_json_is_415(world: World) -> None:
    api = world.api["owner"]
    response = api.call("POST", "/cases", data="country=KE", content_type="text/plain")
    errors_of(response, 415)
    response = api.call(
        "POST", f"/cases/{world.case.reference}/reopening", data="x", content_type="text/plain"
    )
    errors_of(response, 415)


def test_an_oversized_body_is_413(world: World) -> None:
    api = world.api["owner"]
    narrative = "a" * (MAX_BODY_BYTES + 10)
    response = api.post("/cases", {**INTAKE, "narrative": narrative})
    errors_of(response, 413)
    # Just under the limit the body is read, and the length rule answers (422, not 413).
    response = api.post("/cases", {**INTAKE, "narrative": "a" * 30_000})
    assert errors_of(response, 422) == {"narrative": ["At most 20000 characters."]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"risk_level": "extreme"}, "risk_level"),
        ({"risk_level": None}, "risk_level"),
        ({"country": "XX"}, "country"),
        ({"country": "ke"}, "country"),
        ({"country": "KEN"}, "country"),
        ({"country": 44}, "country"),
        ({"threats": ["beheading"]}, "threats.0"),
        ({"threats": "surveillance"}, "threats"),
        ({"profile_categories": ["lawyer", 7]}, "profile_categories.1"),
        ({"narrative": "x" * 20_001}, "narrative"),
        ({"narrative": "nul\x00byte"}, "narrative"),
        ({"narrative": "lone \ud800 surrogate"}, "narrative"),
        ({"defender": {"name": "x" * 201}}, "defender.name"),
        ({"defender": {"name": ""}}, "defender.name"),
        ({"defender": {"name": "A", "passport": "1"}}, "defender.passport"),
        ({"defender": None}, "defender"),
        ({"defender": "A Name"}, "defender"),
    ],
)
def test_invalid_input_is_422_with_field_messages(
    world: World, change: dict[str, object], field: str
) -> None:
    errors = errors_of(world.api["owner"].post("/cases", {**INTAKE, **change}), 422)
    assert field in errors, errors


def test_a_body_that_is_not_an_object_is_422(world: World) -> None:
    for body in ([], "text", 3, None):
        response = world.api["owner"].call(
            "POST",
            "/cases",
            data=__import__("json").dumps(body),
            headers={"Content-Type": "application/json"},
        )
        errors_of(response, 422)


def test_wrong_role_is_403_before_anything_is_looked_up(world: World) -> None:
    for path in (f"/cases/{world.case.reference}", f"/cases/{ABSENT_REFERENCE}", "/cases/x"):
        assert errors_of(world.api["analyst"].get(path), 403) == {
            "message": ["Your role does not allow this."]
        }


def test_wrong_method_is_405_in_the_envelope(world: World) -> None:
    response = world.api["owner"].call("DELETE", f"/cases/{world.case.reference}")
    errors_of(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "PATCH"}


def test_unknown_api_path_is_404_in_the_envelope(world: World) -> None:
    errors_of(world.api["owner"].get("/no-such-thing"), 404)
    errors_of(world.api["owner"].post(f"/referrals/{ABSENT_ID}/decisions-x", {}), 404)


def test_no_plaintext_in_errors_or_logs(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hrd_cases")
    api = world.api["owner"]
    attempts = [
        api.post("/cases", {**INTAKE, CANARY: "x"}),  # a name as an unknown key
        api.post("/cases", {**INTAKE, "Zq": "x"}),  # even a one-word one
        api.post("/cases", {**INTAKE, "country": CANARY}),
        api.post("/cases", {**INTAKE, "risk_level": CANARY}),
        api.post("/cases", {**INTAKE, "threats": [CANARY]}),
        api.post("/cases", {**INTAKE, "defender": {"name": CANARY, CANARY: CANARY}}),
        api.post("/cases", {**INTAKE, "defender": {"name": CANARY * 20}}),
        api.post("/defenders/search", {"name": CANARY, "extra": CANARY}),
        api.patch(f"/cases/{world.case.reference}", {"narrative": None}),  # 409
        api.post(f"/cases/{world.case.reference}/statements", {"level": CANARY, "text": CANARY}),
        api.call("POST", "/cases", data='{"name": "' + CANARY, content_type="application/json"),
        api.get(f"/cases?country={CANARY}"),
        world.api["other_focal_point"].get(f"/cases/{world.case.reference}"),
        world.api["analyst"].post("/defenders/search", {"name": DEFENDER_NAME}),
    ]
    for response in attempts:
        assert response.status_code in (400, 403, 404, 409, 422), response.status_code
        body = response.get_data(as_text=True)
        assert CANARY not in body and "Zq" not in body, body
        assert DEFENDER_NAME not in body
    assert "(unknown field)" in attempts[0].get_json()["errors"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert CANARY not in logged and DEFENDER_NAME not in logged
