"""JSON API v1. Authenticated by bearer personal access tokens only, never by cookies, so it
needs no CSRF token; the login gate (hrd_cases.auth.gate) resolves the token.

Every operation is declared with :func:`hrd_cases.api.registry.operation` (route + schemas),
from which ``/api/v1/openapi.json`` is generated. Answers use one envelope (``envelope``).
"""

from __future__ import annotations

from flask import Blueprint

from hrd_cases.api.inputs import register_body_limit

bp: Blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
register_body_limit(bp)

# Importing the modules registers their operations on ``bp``.
from hrd_cases.api import (  # noqa: E402, F401
    account,
    actions,
    admin,
    attachments,
    audit,
    cases,
    casework,
    exports,
    homes,
    notifications,
    openapi,
    strategies,
    tokens,
)
from hrd_cases.api.docs import docs_bp  # noqa: E402, F401
