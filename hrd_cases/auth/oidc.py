"""OpenID Connect sign-in with Authlib as the client (authorization code + PKCE S256).

Authlib discovers the provider from its metadata, keeps ``state`` and ``nonce`` in the signed
session and checks them, and verifies the ID token against the provider's JWKS (fetched again
when a token names a key it does not know: key rotation). This module decides who that is:
only an account an admin already created, matched on (issuer, ``sub``) once bound, and bound
at the first sign-in by a verified e-mail. Everything refused is audited with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from requests import RequestException
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.db import begin_write
from hrd_cases.models import OidcIdentity, User
from hrd_cases.settings import Settings

CLIENT_NAME = "organisation"


class OidcRefused(Exception):
    """A sign-in through the provider was refused; ``reason`` is for the audit log only."""

    def __init__(self, reason: str, *, status: int = 403) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer)


def register_oidc(app: Flask, settings: Settings) -> None:
    """One Authlib client per app, bound to the configured provider (if any)."""
    if not enabled(settings):
        return
    oauth = OAuth(app)
    oauth.register(
        CLIENT_NAME,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256"},
    )
    app.extensions["hrd_oidc"] = oauth


def client(app: Flask) -> Any:
    return app.extensions["hrd_oidc"].create_client(CLIENT_NAME)


def refusal_reason(exc: Exception) -> OidcRefused:
    """What went wrong, in a word for the audit log; the user sees one clear page."""
    if isinstance(exc, OidcRefused):
        return exc
    if isinstance(exc, MismatchingStateError):
        return OidcRefused("state_mismatch", status=400)
    if isinstance(exc, ExpiredTokenError):
        return OidcRefused("expired_id_token", status=400)
    if isinstance(exc, InvalidClaimError | MissingClaimError):
        claim = str(getattr(exc, "claim", "") or "claim")
        return OidcRefused(
            {"nonce": "wrong_nonce", "iss": "wrong_issuer", "aud": "wrong_audience"}.get(
                claim, f"invalid_{claim}"
            ),
            status=400,
        )
    if isinstance(exc, BadSignatureError):
        return OidcRefused("bad_signature", status=400)
    if isinstance(exc, JoseError):
        return OidcRefused("invalid_id_token", status=400)
    if isinstance(exc, OAuthError):
        return OidcRefused(f"provider_error_{(exc.error or 'unknown')[:40]}", status=400)
    if isinstance(exc, RequestException):
        return OidcRefused("provider_unreachable", status=503)
    return OidcRefused("invalid_response", status=400)


def identity_claims(provider: Any, token: Mapping[str, Any]) -> dict[str, Any]:
    """The verified ID token's claims, with e-mail from the UserInfo endpoint when the provider
    keeps it out of the ID token (allowed by the specification for the code flow)."""
    claims = dict(token.get("userinfo") or {})
    if not claims:
        raise OidcRefused("no_id_token", status=400)
    if "email" not in claims:
        extra = provider.userinfo(token=token)
        if str(extra.get("sub")) == str(claims.get("sub")):  # OIDC Core 5.3.2: must match
            claims["email"] = extra.get("email")
            claims["email_verified"] = extra.get("email_verified")
    return claims


def match_account(session: Session, settings: Settings, claims: Mapping[str, Any]) -> User:
    """The existing, active account for these claims; binds ``sub`` at the first sign-in."""
    issuer, subject = str(claims.get("iss") or ""), str(claims.get("sub") or "")
    if not issuer or not subject:
        raise OidcRefused("no_subject", status=400)
    begin_write(session)
    identity = session.scalar(
        select(OidcIdentity).where(OidcIdentity.issuer == issuer, OidcIdentity.subject == subject)
    )
    user = None if identity is None else session.get(User, identity.user_id)
    if user is None:
        email = str(claims.get("email") or "").strip().lower()
        if email and claims.get("email_verified") is True:
            candidate = session.scalar(select(User).where(User.email == email))
            # Bind only an account not yet bound to another identity of this provider.
            already = candidate is not None and session.scalar(
                select(OidcIdentity.id).where(
                    OidcIdentity.user_id == candidate.id, OidcIdentity.issuer == issuer
                )
            )
            if candidate is not None and not already:
                session.add(OidcIdentity(user_id=candidate.id, issuer=issuer, subject=subject))
                audit.record(
                    session,
                    "account.oidc.bind",
                    actor_id=candidate.id,
                    object_type="user",
                    object_id=candidate.id,
                )
                user = candidate
    if user is None or not user.is_active:
        session.rollback()
        raise OidcRefused("unknown_identity" if user is None else "inactive_account")
    session.commit()
    return user


def provider_did_mfa(settings: Settings, claims: Mapping[str, Any]) -> bool:
    """Only when trusted by setting, and only if acr or amr names a multi-factor method."""
    if not settings.oidc_trust_provider_mfa:
        return False
    acr = str(claims.get("acr") or "")
    amr = claims.get("amr") or []
    amr_values = {str(v) for v in amr} if isinstance(amr, list) else set()
    return acr in settings.oidc_mfa_acr_values or bool(
        amr_values & set(settings.oidc_mfa_amr_values)
    )


def password_allowed(settings: Settings, user: User) -> bool:
    return not (enabled(settings) and user.role.value in settings.oidc_password_disabled_roles)


def audit_refusal(session: Session, refusal: OidcRefused, user_id: int | None = None) -> None:
    session.rollback()
    begin_write(session)
    audit.record(
        session,
        "login.oidc.refused",
        actor_id=user_id,
        object_type="user" if user_id else None,
        object_id=user_id,
        outcome=audit.Outcome.REFUSED,
        details={"reason": refusal.reason},
    )
    session.commit()
