"""The OpenAPI document: valid (openapi-spec-validator), complete (every /api/v1 route in
the URL map, every method), secured (bearer on every operation) and readable as a page."""

from __future__ import annotations

import re

from flask import Flask
from openapi_spec_validator import validate
from sqlalchemy.orm import Session

from hrd_cases.models import Role
from tests.support.access import sign_in
from tests.support.api import World, data_of
from tests.support.factories import make_user

_ARGUMENT = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>")


def api_routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = _ARGUMENT.sub(r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    return routes


def test_the_document_validates_and_lists_every_route(app: Flask, world: World) -> None:
    response = world.api["analyst"].get("/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    documented = {
        (path, method) for path, operations in spec["paths"].items() for method in operations
    }
    routes = api_routes(app)
    assert len(routes) >= 25
    assert documented == routes
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method} {path}"
            assert operation["security"] == [{"bearerAuth": []}], where
            assert {"401", "403"} <= set(operation["responses"]), where
            assert operation["operationId"] and operation["summary"], where
            if "{" in path:
                assert "404" in operation["responses"], where
            if method in ("post", "patch"):
                assert {"400", "413", "415", "422"} <= set(operation["responses"]), where
            if "requestBody" in operation:
                content = operation["requestBody"]["content"]
                if "multipart/form-data" in content:  # a file upload: its parts are listed
                    schema = content["multipart/form-data"]["schema"]
                    assert schema["additionalProperties"] is False, where
                    continue
                ref = content["application/json"]["schema"]["$ref"]
                name = ref.rsplit("/", 1)[-1]
                # Unknown fields are refused: the document says so.
                assert spec["components"]["schemas"][name]["additionalProperties"] is False


def test_names_are_searched_by_post_only(world: World) -> None:
    spec = world.api["owner"].get("/openapi.json").get_json()
    assert set(spec["paths"]["/defenders/search"]) == {"post"}
    for operations in spec["paths"].values():
        for operation in operations.values():
            names = {p.get("name") for p in operation.get("parameters", [])}
            assert "name" not in names  # no name in a query string, anywhere


def test_the_document_needs_a_token(world: World) -> None:
    assert world.api["anonymous"].get("/openapi.json").status_code == 401
    for role in ("owner", "officer", "analyst", "admin"):
        assert world.api[role].get("/openapi.json").status_code == 200


def test_the_documentation_page_is_served_to_signed_in_browsers(
    app: Flask, db: Session, world: World
) -> None:
    anonymous = app.test_client().get("/api/docs")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    analyst = make_user(db, Role.ANALYST)
    page = sign_in(app, analyst.email).get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    spec = world.api["analyst"].get("/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method in operations:
            assert f"{method.upper()} /api/v1{path}" in html, (method, path)
    assert "<script" not in html  # no script, no CDN: the CSP allows neither
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from another host
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_me(world: World) -> None:
    me = data_of(world.api["officer"].get("/me"))
    assert me["role"] == "protection_officer" and me["countries"] == ["KE", "UG"]
    assert "referral.decide" in me["permissions"]
    assert data_of(world.api["owner"].get("/me"))["delegation"] == "DEL-KE-A"


def test_strategies_for_every_role(world: World) -> None:
    for role in ("owner", "officer", "analyst", "admin"):
        listed = data_of(world.api[role].get("/strategies"))
        codes = {s["code"] for s in listed}
        assert {"KE", "default"} <= codes, role
    kenya = data_of(world.api["analyst"].get("/strategies/KE"))
    assert kenya["version_in_force"] == 2
    second = kenya["version_details"][1]
    assert second["actions"]["referral"]["approvals_required"] == 2
    assert second["deadlines"]["referral_hours_by_risk"]["critical"] == 24
    assert world.api["analyst"].get("/strategies/ZZ").status_code == 404
    assert world.api["anonymous"].get("/strategies").status_code == 401


# The contract is exact: what the document declares is what the code accepts -------------------
def _declared(pattern: str, value: str) -> bool:
    """ECMA-262 semantics of a JSON Schema pattern: a search, where $ matches only at the very
    end (Python's $ also matches before a final newline)."""
    return re.search(pattern.replace("$", r"\Z"), value) is not None


HOSTILE_TEXTS = [
    "Zoë Achieng",
    "Zoe\u0308",  # decomposed accent
    "0",
    "   ",
    "\u3000",
    "\u200b\u200c\u200d",  # zero-width only
    "\u200bA",
    "A\x00B",
    "A\nB",
    "A\tB",
    "A\rB",
    "\u202eevil",
    "\u2066isolate\u2069",
    "\x85next line",
    "\ufffd",
    "\U0001d400",  # mathematical bold A: a letter outside the BMP
    "\u0660\u0661",  # Arabic-Indic digits: no letter
    "Ǆ",  # titlecase letter
]


def test_text_patterns_declare_exactly_the_input_policy() -> None:
    """Attack: every hostile text from the issue (and a few more), through the document's
    pattern and through the policy's own check: the two must agree on every one."""
    from hrd_cases.api.schemas.common import NAME_PATTERN
    from hrd_cases.domain.text_input import (
        MULTILINE_PATTERN,
        SEARCH_NAME_RULE,
        SINGLE_LINE_PATTERN,
        FieldRule,
        TextKind,
        check_text,
    )

    rules = {
        NAME_PATTERN: SEARCH_NAME_RULE,
        SINGLE_LINE_PATTERN: FieldRule(TextKind.LINE, 200),
        MULTILINE_PATTERN: FieldRule(TextKind.MULTILINE, 200),
    }
    for pattern, rule in rules.items():
        for text in HOSTILE_TEXTS:
            assert _declared(pattern, text) == (check_text(text, rule) is None), (rule, text)


def test_text_patterns_agree_with_the_policy_on_generated_text() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from hrd_cases.api.schemas.common import NAME_PATTERN
    from hrd_cases.domain.text_input import SEARCH_NAME_RULE, check_text

    @settings(max_examples=400, deadline=None, database=None)
    @given(st.text(st.characters(exclude_categories=("Cs",)), max_size=6))
    def agree(text: str) -> None:
        assert _declared(NAME_PATTERN, text) == (check_text(text, SEARCH_NAME_RULE) is None)

    agree()


def test_document_declares_countries_dates_and_urls_as_the_code_checks(
    app: Flask, world: World
) -> None:
    from hrd_cases.domain.vocabulary import COUNTRY_CODES

    spec = world.api["owner"].get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    country = schemas["CaseCreate"]["properties"]["country"]
    assert country["enum"] == list(COUNTRY_CODES) and "KE" in country["enum"]
    when = schemas["HearingSchedule"]["properties"]["scheduled_for"]
    assert when["format"] == "date-time" and _declared(when["pattern"], "2199-12-31T23:00:00-05:00")
    assert not _declared(when["pattern"], "2200-01-01T00:00:00Z")
    assert not _declared(when["pattern"], "1899-12-31T23:59:59Z")
    url = schemas["Publication"]["properties"]["publication_url"]
    assert url["format"] == "uri" and url["maxLength"] == 500

    # The same values through the API: the declared edges are the accepted edges.
    api = world.api["owner"]
    case = world.case.reference

    def schedule(moment: str) -> int:
        # A date long past is accepted once its entry is confirmed (issue 16).
        body = {"scheduled_for": moment, "court": "Zq Court", "confirm_past": True}
        return api.post(f"/cases/{case}/hearings", body).status_code

    assert schedule("2199-12-31T23:00:00-05:00") == 201
    assert schedule("1900-01-01T00:30:00+01:00") == 201
    assert schedule("2200-01-01T00:00:00+05:00") == 422
    assert schedule("1899-12-31T23:59:59Z") == 422
    refused = api.post("/cases", {"country": "XX", "risk_level": "low", "defender": {"name": "A"}})
    assert refused.status_code == 422 and "country" in refused.get_json()["errors"]


def test_publication_address_rule_is_the_declared_one() -> None:
    from marshmallow import ValidationError

    from hrd_cases.api.schemas.actions import PublicationSchema

    schema = PublicationSchema()
    for accepted in ("https://0.a", "https://eeas.europa.eu/statement?id=1#top", "https://[::1]/"):
        assert schema.load({"publication_url": accepted})["publication_url"] == accepted
    for refused in (
        "http://eeas.europa.eu",
        "https://",
        "https:///path",
        "javascript:alert(1)",
        "https://a b",
        "https://" + "a" * 500,
    ):
        try:
            schema.load({"publication_url": refused})
        except ValidationError:
            continue
        raise AssertionError(refused)


def _pointer(document: object, pointer: str) -> object:
    for part in pointer.split("/"):
        document = document[int(part)] if isinstance(document, list) else document[part]  # type: ignore[index]
    return document


def test_every_identifier_parameter_is_reached_by_a_link_that_resolves(world: World) -> None:
    """Issue 15: the stateful fuzz (and a client) can reach every operation that takes an
    identifier from an answer that carries it, and the links point where the value is."""
    spec = world.api["owner"].get("/openapi.json").get_json()
    targets: set[str] = set()
    for operations in spec["paths"].values():
        for operation in operations.values():
            for response in operation["responses"].values():
                for link in response.get("links", {}).values():
                    targets.add(link["operationId"])
    unreached = [
        f"{method} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if "{" in path and operation["operationId"] not in targets
    ]
    # The caller names the quarter (YYYYQn) or the year: no answer hands one over.
    assert sorted(unreached) == [
        "get /exports/annual/{year}",
        "get /exports/quarterly/{quarter}",
        "get /exports/quarterly/{quarter}/preview",
        "post /exports/quarterly/{quarter}/releases",
    ]
    # The case's answer carries the ids of everything on it: each link's value is there.
    reference = world.case.reference
    answer = world.api["owner"].get(f"/cases/{reference}").get_json()
    links = spec["paths"]["/cases/{reference}"]["get"]["responses"]["200"]["links"]
    assert {"submit_referral", "cancel_hearing", "erase_defender_view"} <= set(links)
    # Only identifiers the caller did not send: the case's own reference is no new link.
    assert "list_attachments" not in links
    assert "links" not in spec["paths"]["/cases/{reference}"]["patch"]["responses"]["200"]
    for link in links.values():
        for name, expression in link["parameters"].items():
            if expression == "$request.path.reference":
                assert name == "reference"  # the case the answer came from
                continue
            assert expression.startswith("$response.body#/")
            pointer = expression.removeprefix("$response.body#/")
            head = pointer.split("/0/")[0]
            if "/0/" in pointer and not _pointer(answer, head):
                continue  # an empty list (no hearing yet): the link is simply not followed
            assert _pointer(answer, pointer), expression
    # A revocation follows the token's creation, never "the first token listed" (the
    # caller's own token may be first).
    listed = spec["paths"]["/account/tokens"]["get"]["responses"]["200"].get("links", {})
    assert "revoke_my_token" not in listed
    created = spec["paths"]["/account/tokens"]["post"]["responses"]["201"]["links"]
    assert created["revoke_my_token"]["parameters"] == {"token_id": "$response.body#/data/token/id"}


def test_integer_ids_are_declared_and_routed_as_the_same_range(world: World) -> None:
    spec = world.api["admin"].get("/openapi.json").get_json()
    declared = {
        parameter["name"]: parameter["schema"]
        for operations in spec["paths"].values()
        for operation in operations.values()
        for parameter in operation["parameters"]
        if parameter.get("in") == "path"
        and parameter["schema"].get("type") == "integer"
        and parameter["name"] != "year"  # a year, not a row id (2000 to 2199)
    }
    assert set(declared) == {"user_id", "token_id", "key_id", "notification_id"}
    assert all(
        s == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1} for s in declared.values()
    )
    admin = world.api["admin"]
    user_id = world.users["owner"].id
    assert admin.get(f"/admin/accounts/{user_id}").status_code == 200
    # Outside the declared range or not an integer: no route, whatever the database holds.
    for outside in ("0", str(2**31), str(2**70), "-1", "1.5", "abc"):
        assert admin.get(f"/admin/accounts/{outside}").status_code == 404, outside
        assert admin.post(f"/admin/accounts/{outside}/reset-password").status_code == 404


def test_rules_of_nested_inputs_are_declared_too(world: World) -> None:
    """A correction inside an update must name a field: declared on the nested schema as
    well, so an empty one is a schema-invalid request (refused), never a valid one refused."""
    spec = world.api["owner"].get("/openapi.json").get_json()
    assert spec["components"]["schemas"]["CaseDefenderCorrection"]["minProperties"] == 1
    empty = world.api["owner"].patch(f"/cases/{world.case.reference}", {"defender": {}})
    assert empty.status_code == 422
    # A corrected name is never blank: the pattern says what the service refuses (422).
    name = spec["components"]["schemas"]["DefenderCorrection"]["properties"]["name"]
    pattern = re.compile(name["pattern"].replace("$", r"\Z"))
    assert pattern.match("Amina") and not pattern.match("\u2006\u2009 ")
    blank = world.api["owner"].patch(
        f"/cases/{world.case.reference}", {"defender": {"name": "\u2006\u2009 "}}
    )
    assert blank.status_code == 422
