"""Deny-by-default login gate: every endpoint needs a signed-in user unless listed here."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user

from hrd_cases.extensions import login_manager

# The only endpoints reachable without signing in. Adding one here is a security decision.
PUBLIC_ENDPOINTS: frozenset[str] = frozenset({"static", "health.healthz", "web.login"})


def register_login_gate(app: Flask) -> None:
    app.before_request(_require_login)


def _require_login():  # type: ignore[no-untyped-def]
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.endpoint is None:
        return None  # no route matched: Flask answers 404 without revealing anything
    if current_user.is_authenticated:
        return None
    return login_manager.unauthorized()
