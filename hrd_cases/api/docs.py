"""``GET /api/docs``: the API documentation as a plain server-rendered page, generated from
the OpenAPI document. No CDN, no script (the CSP forbids inline script anyway).

A page for people, so it is on its own blueprint and takes the signed-in browser session
(any role), like every other page; the API itself never accepts cookies.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from hrd_cases.api.openapi import openapi_spec

docs_bp = Blueprint("api_docs", __name__, template_folder="templates")


@docs_bp.get("/api/docs")
def page():
    spec = openapi_spec()
    return render_template(
        "api_docs/page.html",
        spec=spec,
        operations=_operations(spec),
        schemas=spec["components"]["schemas"],
    )


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    listed = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            listed.append(
                {
                    "anchor": op["operationId"],
                    "method": method.upper(),
                    "path": "/api/v1" + path,
                    "summary": op["summary"],
                    "description": op.get("description", ""),
                    "tag": op["tags"][0],
                    "parameters": op.get("parameters", []),
                    "body": _ref_name(body.get("schema")),
                    "responses": [
                        (code, response["description"], _data_name(response))
                        for code, response in op["responses"].items()
                    ],
                }
            )
    return sorted(listed, key=lambda o: (o["tag"], o["path"], o["method"]))


def _ref_name(schema: dict[str, Any] | None) -> str | None:
    if not schema:
        return None
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        inner = _ref_name(schema.get("items"))
        return f"list of {inner}" if inner else None
    return None


def _data_name(response: dict[str, Any]) -> str | None:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        return _ref_name(schema)
    return _ref_name(schema.get("properties", {}).get("data"))
