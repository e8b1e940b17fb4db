"""``GET /api/v1/openapi.json``: the OpenAPI 3.1 document, generated from the operations
declared with :func:`hrd_cases.api.registry.operation` and their marshmallow schemas (apispec).

It needs a bearer token like every API route: the login gate's allow-list stays as it is.
Humans read the same document as a page at ``/api/docs`` (signed-in browser session).
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Response, current_app, jsonify
from marshmallow import Schema, fields

from hrd_cases.api import bp
from hrd_cases.api.registry import OPERATIONS, ROW_ID_MAX, ROW_ID_MIN, Operation, operation
from hrd_cases.api.schemas.common import (
    CASE_REFERENCE_PATTERN,
    DEFENDER_REFERENCE,
    PaginationSchema,
)
from hrd_cases.http.errors import MAX_BODY_BYTES, json_message

API_VERSION = "1.0.0"
EVERY_ROLE = ("focal_point", "protection_officer", "analyst", "admin", "auditor")
JSON = "application/json"
ERROR_ENVELOPE = {"$ref": "#/components/schemas/ErrorEnvelope"}

_PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "reference": {
        "type": "string",
        "pattern": CASE_REFERENCE_PATTERN,
        "example": "KE-2026-0001",
        "description": "case reference",
    },
    "defender_reference": {
        "type": "string",
        "pattern": DEFENDER_REFERENCE.pattern,
        "example": "HRD-7K2QX-M9PDA",
        "description": "defender reference",
    },
    "code": {"type": "string", "example": "KE", "description": "country code or default"},
}


@operation(
    bp,
    "/openapi.json",
    "GET",
    summary="This OpenAPI document",
    tag="documentation",
    roles=EVERY_ROLE,
    content_types=(JSON,),
    extra={"raw_response": True},
)
def openapi_document() -> Response:
    """Not wrapped in the envelope: it is the document itself."""
    return jsonify(openapi_spec())


def openapi_spec() -> dict[str, Any]:
    cached = current_app.extensions.get("hrd_openapi")
    if cached is None:
        cached = current_app.extensions["hrd_openapi"] = build_spec().to_dict()
    return cached


def build_spec() -> APISpec:
    spec = APISpec(
        title="hrd_cases API",
        version=API_VERSION,
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
        info={
            "description": (
                "Cases, defenders and protection workflow for human rights defenders at "
                "risk. Authenticate with a personal access token (`hrd-cases token create`): "
                "`Authorization: Bearer hrdpat_...`. Every answer is an envelope "
                "`{data, errors, meta}`; errors map a field (or `message`) to messages. "
                "A case outside your scope is answered exactly like an absent one (404). "
                f"Request bodies are limited to {MAX_BODY_BYTES // 1024} KiB."
            )
        },
        servers=[{"url": "/api/v1"}],
    )
    spec.components.security_scheme(
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "personal access token, hrdpat_...",
        },
    )
    spec.components.schema("Pagination", schema=PaginationSchema)
    spec.components.schema(
        "ErrorEnvelope",
        {
            "type": "object",
            "required": ["data", "errors", "meta"],
            "additionalProperties": False,
            "properties": {
                "data": {"type": "null"},
                "errors": {
                    "type": "object",
                    "description": "field (dotted for nested input, or `message`) -> messages",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
                "meta": {
                    "type": "object",
                    "properties": {
                        "rule": {
                            "type": "string",
                            "description": "the workflow rule that refused a step (409)",
                        }
                    },
                },
            },
        },
    )
    for op in OPERATIONS:
        for schema in _with_nested((op.body, op.response)):
            extra = getattr(schema, "OPENAPI_EXTRA", None)
            if extra:
                # Constraints marshmallow checks in code (validates_schema), stated for clients.
                name = _schema_name(schema)
                if name not in spec.components.schemas:
                    spec.components.schema(name, schema=schema)
                spec.components.schemas[name].update(extra)
    seen_tags: list[str] = []
    for op in sorted(OPERATIONS, key=lambda o: (o.openapi_path, o.method)):
        if op.tag not in seen_tags:
            seen_tags.append(op.tag)
        spec.path(path=op.openapi_path, operations={op.method.lower(): _operation(op)})
    for tag in seen_tags:
        spec.tag({"name": tag})
    return spec


def _with_nested(schemas: Any) -> list[type[Schema]]:
    """These schema classes and every schema nested in them (a correction inside an update),
    each once, outermost first."""
    found: list[type[Schema]] = []
    pending = [schema for schema in schemas if schema is not None]
    while pending:
        schema = pending.pop(0)
        if not isinstance(schema, type) or not issubclass(schema, Schema) or schema in found:
            continue
        found.append(schema)
        for field in schema._declared_fields.values():
            inner = field.inner if isinstance(field, fields.List) else field
            if isinstance(inner, fields.Nested) and isinstance(inner.nested, type):
                pending.append(inner.nested)
    return found


def _schema_name(schema: Any) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and (schema.only or schema.exclude):
        # A subset (e.g. an action without its encrypted content) gets its own component.
        return name + "Brief"
    return name


def _operation(op: Operation) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = []
    for name, converter in op.path_parameters():
        declared = op.extra.get("path_schemas", {}).get(name)
        schema: dict[str, Any]
        if declared:
            schema = dict(declared)
        elif converter == "int":
            schema = {
                "type": "integer",
                "minimum": ROW_ID_MIN,
                "maximum": ROW_ID_MAX,
            }
        elif converter == "uuid" or name.endswith("_id"):
            schema = {"type": "string", "format": "uuid"}
        else:
            schema = dict(_PATH_PARAMETERS.get(name, {"type": "string"}))
        parameters.append({"in": "path", "name": name, "required": True, "schema": schema})
    if op.query is not None:
        parameters.append({"in": "query", "schema": op.query})
    parameters.extend(op.extra.get("parameters", []))
    document: dict[str, Any] = {
        "operationId": op.endpoint.split(".", 1)[1],
        "summary": op.summary,
        "description": _description(op),
        "tags": [op.tag],
        # The roles that may call it, for tools (the fuzz's stateful phase follows the links
        # between one role's operations); the description says the same to humans.
        "x-roles": list(op.roles),
        "security": [{"bearerAuth": []}],
        "parameters": parameters,
        "responses": _responses(op),
    }
    if "request_body" in op.extra:
        document["requestBody"] = op.extra["request_body"]
    elif op.body is not None:
        document["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": op.body}},
        }
    return document


def _description(op: Operation) -> str:
    roles = ", ".join(r.replace("_", " ") for r in op.roles)
    return f"{op.description}\n\nAllowed roles: {roles}.".strip()


def _responses(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {str(op.status): _success(op)}
    failures = {401, 403}
    if op.path_parameters():
        failures.add(404)
    if op.method != "GET":
        # A body that is not JSON, too large, of another type, or with unknown fields.
        failures |= {400, 413, 415, 422}
    if op.query is not None or op.extra.get("parameters"):
        failures.add(422)
    failures |= set(op.refusals)
    for code in sorted(failures):
        description = json_message(code, translated=False)
        if code == 409:
            description = "Step refused by a workflow rule (named in meta.rule)."
        responses[str(code)] = {
            "description": description,
            "content": {JSON: {"schema": ERROR_ENVELOPE}},
        }
    return responses


def _identifiers() -> dict[Any, tuple[tuple[str, str], ...]]:
    """Where each identifier sits in an answer, per response schema: (the path parameter it
    fills, its JSON pointer inside one item of ``data``). Lists point at their first item."""
    from hrd_cases.api.schemas.account import SecurityKeySchema
    from hrd_cases.api.schemas.actions import (
        ConsentSchema,
        HearingSchema,
        ReferralSchema,
        StatementSchema,
    )
    from hrd_cases.api.schemas.admin import AccountSchema, CreatedTokenSchema
    from hrd_cases.api.schemas.attachments import AttachmentAddedSchema, AttachmentSchema
    from hrd_cases.api.schemas.cases import (
        CaseDetailSchema,
        CaseSummarySchema,
        DefenderMatchSchema,
        ErasureSchema,
    )
    from hrd_cases.api.schemas.notifications import NotificationSchema
    from hrd_cases.api.schemas.strategies import StrategySchema, StrategySummarySchema

    return {
        CaseSummarySchema: (("reference", "reference"),),
        # A case answers the ids of everything on it.
        CaseDetailSchema: (
            ("reference", "reference"),
            ("defender_reference", "defenders/0/reference"),
            ("referral_id", "referrals/0/id"),
            ("hearing_id", "hearings/0/id"),
            ("consent_id", "consents/0/id"),
            ("statement_id", "statements/0/id"),
        ),
        ReferralSchema: (("referral_id", "id"),),
        HearingSchema: (("hearing_id", "id"),),
        ConsentSchema: (("consent_id", "id"),),
        StatementSchema: (("statement_id", "id"),),
        AttachmentSchema: (("attachment_id", "id"),),
        AttachmentAddedSchema: (("attachment_id", "attachment/id"),),
        DefenderMatchSchema: (("defender_reference", "reference"), ("reference", "cases/0")),
        ErasureSchema: (("defender_reference", "reference"),),
        NotificationSchema: (("notification_id", "id"),),
        SecurityKeySchema: (("key_id", "id"),),
        CreatedTokenSchema: (("token_id", "token/id"),),
        AccountSchema: (("user_id", "id"),),
        StrategySummarySchema: (("code", "code"),),
        StrategySchema: (("code", "code"),),
    }


# Links not offered although the identifier is there: a list's first token may be the
# caller's own (the newest), so revoking "the first one listed" would lock the caller out;
# a token is revoked after its creation instead.
_NOT_FROM_LISTS = frozenset({"revoke_my_token", "revoke_token"})


def _links(op: Operation) -> dict[str, Any]:
    """OpenAPI links from an answer to every operation the identifiers it returns unlock (a
    new case's reference, the ids of the referrals and hearings on a case, a notification's
    id): clients and Schemathesis' stateful phase follow them. A parameter the answer does
    not carry comes from the request's own path (a case's files: the case this answer came
    from)."""
    found = _identifiers().get(op.response)
    if not found:
        return {}
    prefix = "$response.body#/data/" + ("0/" if op.many else "")
    own_path = dict(op.path_parameters())
    # Only identifiers the caller did not send: a step on a case answers the case again,
    # but its reference was in the request, so there is nothing to hand over.
    sources = {
        parameter: prefix + pointer for parameter, pointer in found if parameter not in own_path
    }
    links = {}
    for target in OPERATIONS:
        needed = [name for name, _converter in target.path_parameters()]
        operation_id = target.endpoint.split(".", 1)[1]
        if target is op or not set(needed) & sources.keys():
            continue
        if op.many and op.method == "GET" and operation_id in _NOT_FROM_LISTS:
            continue
        values: dict[str, str] = {}
        for name in needed:
            if name in sources:
                values[name] = sources[name]
            elif name in own_path:
                values[name] = f"$request.path.{name}"
        if len(values) == len(needed):
            links[operation_id] = {"operationId": operation_id, "parameters": values}
    return links


def _success(op: Operation) -> dict[str, Any]:
    if op.extra.get("raw_response"):
        return {"description": "The OpenAPI document.", "content": {JSON: {"schema": {}}}}
    if "success_content" in op.extra:
        return op.extra["success_content"]
    data: Any = {"type": "null"}
    if op.response is not None:
        data = {"type": "array", "items": op.response} if op.many else op.response
    meta: dict[str, Any] = {"type": "object"}
    if op.query is not None and "page" in op.query().fields:
        meta = {"$ref": "#/components/schemas/Pagination"}
    success: dict[str, Any] = {
        "description": "Created." if op.status == 201 else "OK.",
        "content": {
            JSON: {
                "schema": {
                    "type": "object",
                    "required": ["data", "errors", "meta"],
                    "additionalProperties": False,
                    "properties": {"data": data, "errors": {"type": "null"}, "meta": meta},
                }
            }
        },
    }
    if links := _links(op):
        success["links"] = links
    return success


__all__ = ["build_spec", "openapi_spec"]
