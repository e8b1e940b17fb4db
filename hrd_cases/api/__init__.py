"""JSON API v1. Authenticated by bearer personal access tokens only, never by cookies, so it
needs no CSRF token; the login gate (hrd_cases.auth.gate) resolves the token."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/me")
def me():  # type: ignore[no-untyped-def]
    user = g.api_user
    return jsonify(
        {
            "data": {
                "id": user.id,
                "email": user.email,
                "display_name": user.display_name,
                "role": user.role.value,
                "delegation": user.delegation.code if user.delegation else None,
                "countries": user.country_codes,
            },
            "errors": None,
            "meta": {},
        }
    )
