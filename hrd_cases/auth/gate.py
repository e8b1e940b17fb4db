"""Deny-by-default login gate: every endpoint needs a signed-in user unless listed here.

HTML endpoints take the cookie session; API endpoints (blueprint ``api``) take a bearer token
and ignore cookies entirely, which is why they need no CSRF token.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user

from hrd_cases.extensions import login_manager
from hrd_cases.http.errors import error_envelope

# The only endpoints reachable without signing in. Adding one here is a security decision.
PUBLIC_ENDPOINTS: frozenset[str] = frozenset(
    {
        "static",
        "health.healthz",
        "auth.login",
        "auth.second_factor",  # needs a pending password check, enforced by the view
        "auth.enrol",  # idem
        "auth.account_link",  # needs a valid single-use link, enforced by the view
        "auth.forgot_password",  # the same answer for every address
        # Security-key sign-in and the policy's forced registration: also need the pending
        # password check, and the registration a passed second step (enforced by the views).
        "auth.security_key_sign_in",
        "auth.security_key_sign_in_options",
        "auth.security_key_sign_in_finish",
        "auth.register_key_at_sign_in",
        "auth.register_key_at_sign_in_options",
        "auth.register_key_at_sign_in_finish",
        # Single sign-on: the start redirects to the provider; the callback checks state,
        # nonce and the ID token before anything is signed in.
        "auth.oidc_start",
        "auth.oidc_callback",
        # The footer's language switcher: sets a cookie (and, signed in, the preference).
        "language.switch",
    }
)
API_BLUEPRINT = "api"


def register_login_gate(app: Flask) -> None:
    app.before_request(_require_login)


def _require_login():
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None  # no route matched (Flask answers 404), or public
    if request.blueprint == API_BLUEPRINT:
        return _require_api_token()
    if current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


def _require_api_token():
    from hrd_cases.auth.accounts import api_token_in_use
    from hrd_cases.current import current_session

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    row = None
    if scheme.lower() == "bearer" and token:
        row = api_token_in_use(current_session(), token.strip())
    if row is None:
        response = error_envelope(401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="hrd_cases"'
        return response
    g.api_user = row.user
    g.api_token_id = row.id  # a token never revokes itself (api.tokens)
    return None
