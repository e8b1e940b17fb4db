"""A small world for API tests: two Kenyan delegations (a focal point's scope is the
delegation), officers covering Kenya or not, an analyst, an admin, one bearer token each,
and a case of delegation A with canary personal data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hrd_cases.auth import accounts
from hrd_cases.models import Case, Role, User
from hrd_cases.records import RecordVault
from tests.support.factories import make_case, make_delegation, make_user

DEFENDER_NAME = "Zq Wanjiku Canary-Mwangi"
DEFENDER_LOCATION = "Zq Canary Estate, Kisumu"
NARRATIVE = "Zq canary narrative: followed after the hearing"
ABSENT_REFERENCE = "KE-2099-9999"
ABSENT_ID = "00000000-0000-4000-8000-000000000000"


class Api:
    """Calls /api/v1 with a bearer token."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {} if self.token is None else {"Authorization": f"Bearer {self.token}"}
        return {**headers, **(extra or {})}

    def call(self, method: str, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        headers = self.headers(kwargs.pop("headers", None))
        if json is not None:
            kwargs["json"] = json
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        return self.call("POST", path, json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        return self.call("PATCH", path, json, **kwargs)


@dataclass
class World:
    case: Case
    users: dict[str, User]
    api: dict[str, Api]
    tokens: dict[str, str]


def token_for(db: Session, user: User) -> str:
    _, token = accounts.create_api_token(db, user, "tests", days=30, max_days=90)
    return token


@pytest.fixture
def world(app: Flask, db: Session, vault: RecordVault) -> World:
    kenya = make_delegation(db, code="DEL-KE-A", country="KE")
    kenya_b = make_delegation(db, code="DEL-KE-B", country="KE")
    users = {
        "owner": make_user(db, Role.FOCAL_POINT, delegation=kenya),
        "owner_colleague": make_user(db, Role.FOCAL_POINT, delegation=kenya),
        "other_focal_point": make_user(db, Role.FOCAL_POINT, delegation=kenya_b),
        "officer": make_user(db, Role.PROTECTION_OFFICER, countries=("KE", "UG")),
        "officer_two": make_user(db, Role.PROTECTION_OFFICER, countries=("KE",)),
        "other_officer": make_user(db, Role.PROTECTION_OFFICER, countries=("UG", "TZ")),
        "analyst": make_user(db, Role.ANALYST),
        "admin": make_user(db, Role.ADMIN),
    }
    case = make_case(
        db,
        vault,
        delegation=kenya,
        actor=users["owner"],
        defender={"name": DEFENDER_NAME, "location": DEFENDER_LOCATION},
        narrative=NARRATIVE,
    )
    tokens = {role: token_for(db, user) for role, user in users.items()}
    api = {role: Api(app.test_client(), token) for role, token in tokens.items()}
    api["anonymous"] = Api(app.test_client(), None)
    return World(case, users, api, tokens)


def data_of(response: TestResponse, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.get_json())
    body = response.get_json()
    assert body["errors"] is None
    return body["data"]


def errors_of(response: TestResponse, status: int) -> dict[str, list[str]]:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"data", "errors", "meta"}
    assert body["data"] is None
    assert isinstance(body["errors"], dict) and body["errors"]
    for messages in body["errors"].values():
        assert isinstance(messages, list) and all(isinstance(m, str) for m in messages)
    return body["errors"]


def rule_of(response: TestResponse) -> str:
    errors_of(response, 409)
    return response.get_json()["meta"]["rule"]


INTAKE: dict[str, Any] = {
    "country": "KE",
    "risk_level": "high",
    "defender": {"name": "Zq Otieno Canary", "location": "Zq Canary Nakuru"},
    "profile_categories": ["journalist_media", "woman_hrd"],
    "threats": ["surveillance"],
    "narrative": "Zq canary intake narrative",
}
