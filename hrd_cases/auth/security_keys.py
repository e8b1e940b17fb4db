"""WebAuthn security keys and passkeys as a second factor (py_webauthn does the verifying).

The relying-party ID and origin come from settings and are checked strictly on every ceremony.
Each ceremony's challenge travels in a signed, short-lived state token (in the browser session
for the HTML pages, in the answer for the JSON API) bound to the user and the purpose, so a
challenge issued to one user or for registration cannot serve another user or a sign-in.
Every refusal is audited with its reason; no refusal names the key or says more to the user.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json, parse_authenticator_data
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidJSONStructure,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from hrd_cases import audit
from hrd_cases.auth.recovery import generate_recovery_codes, hash_recovery_code
from hrd_cases.db import begin_write, utcnow
from hrd_cases.models import RecoveryCode, SecurityKey, User
from hrd_cases.settings import Settings

# A ceremony left open longer than this must start again.
CEREMONY_SECONDS = 300
MAX_KEY_NAME_LENGTH = 80
REGISTRATION, AUTHENTICATION = "register", "authenticate"


class SecurityKeyError(Exception):
    """A ceremony was refused; ``reason`` goes to the audit log, never to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LastFactorError(Exception):
    """Removing this would leave the account with no second factor (or break the policy)."""


@dataclass(frozen=True, slots=True)
class Ceremony:
    options_json: str  # PublicKeyCredential{Creation,Request}Options, base64url as in WebAuthn-3
    state: str  # signed token to present with the browser's answer


def keys_required(settings: Settings, user: User) -> bool:
    """The per-role policy: these users must use a key; TOTP is refused for them."""
    return str(user.role.value) in settings.security_key_required_roles


def totp_allowed(settings: Settings, user: User) -> bool:
    return user.has_totp and not keys_required(settings, user)


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="hrd_cases.webauthn.ceremony")


def _state(settings: Settings, user: User, purpose: str, challenge: bytes) -> str:
    challenge_text = base64.urlsafe_b64encode(challenge).decode()
    return _serializer(settings).dumps({"u": user.id, "p": purpose, "c": challenge_text})


def _challenge(settings: Settings, user: User, purpose: str, state: str) -> bytes:
    try:
        data = _serializer(settings).loads(state, max_age=CEREMONY_SECONDS)
    except BadSignature as exc:  # SignatureExpired is a BadSignature
        raise SecurityKeyError("bad_or_expired_state") from exc
    if not isinstance(data, dict) or data.get("u") != user.id or data.get("p") != purpose:
        raise SecurityKeyError("state_for_another_user_or_purpose")
    return base64.urlsafe_b64decode(str(data["c"]))


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    descriptors = []
    for key in user.security_keys:
        transports = [
            AuthenticatorTransport(t) for t in key.transports.split(",") if t in _TRANSPORTS
        ]
        descriptors.append(
            PublicKeyCredentialDescriptor(id=key.credential_id, transports=transports or None)
        )
    return descriptors


_TRANSPORTS = {t.value for t in AuthenticatorTransport}


# Registration ----------------------------------------------------------------------------------
def begin_registration(settings: Settings, user: User) -> Ceremony:
    options = generate_registration_options(
        rp_id=settings.webauthn_rp_id,
        rp_name=settings.webauthn_rp_name,
        user_id=f"hrd-user-{user.id}".encode(),  # opaque handle: no e-mail inside
        user_name=user.email,
        user_display_name=user.display_name,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(user),  # one authenticator, one registration
    )
    return Ceremony(
        options_to_json(options), _state(settings, user, REGISTRATION, options.challenge)
    )


def finish_registration(
    session: Session,
    settings: Settings,
    user: User,
    state: str,
    credential_json: str,
    name: str,
) -> tuple[SecurityKey, list[str] | None]:
    """Store a verified new key. Returns it, and fresh recovery codes when it is the account's
    first second factor (they are shown once). Refusals are audited and raised."""
    name = " ".join(name.split())[:MAX_KEY_NAME_LENGTH] or "Security key"
    try:
        challenge = _challenge(settings, user, REGISTRATION, state)
        verified = verify_registration_response(
            credential=credential_json,
            expected_challenge=challenge,
            expected_rp_id=settings.webauthn_rp_id,
            expected_origin=settings.webauthn_origin,
            require_user_verification=False,  # preferred, not required: plain U2F keys work
        )
    except (InvalidRegistrationResponse, InvalidJSONStructure, ValueError, KeyError) as exc:
        reason = _reason(exc)
        _audit_refusal(session, user, "registration", reason)
        raise SecurityKeyError(reason) from exc
    except SecurityKeyError as exc:
        _audit_refusal(session, user, "registration", exc.reason)
        raise
    begin_write(session)
    session.refresh(user)
    taken = session.scalar(
        select(SecurityKey.id).where(SecurityKey.credential_id == verified.credential_id)
    )
    if taken is not None:
        session.rollback()
        _audit_refusal(session, user, "registration", "credential_already_registered")
        raise SecurityKeyError("credential_already_registered")
    first_factor = not user.has_second_factor
    transports = _transports_of(credential_json)
    key = SecurityKey(
        user_id=user.id,
        name=name,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
        backup_state=verified.credential_backed_up,
        transports=",".join(transports),
    )
    session.add(key)
    codes = None
    if first_factor:
        codes = generate_recovery_codes()
        for old in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
            session.delete(old)
        session.add_all(
            RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(c)) for c in codes
        )
    session.flush()
    audit.record(
        session,
        "account.security_key.register",
        actor_id=user.id,
        object_type="security_key",
        object_id=key.id,
        details={"backup_eligible": key.backup_eligible},
    )
    session.commit()
    session.refresh(user)
    return key, codes


def _transports_of(credential_json: str) -> list[str]:
    try:
        listed = json.loads(credential_json).get("response", {}).get("transports") or []
    except (ValueError, AttributeError):
        return []
    return [t for t in listed if isinstance(t, str) and t in _TRANSPORTS]


# Authentication --------------------------------------------------------------------------------
def begin_authentication(settings: Settings, user: User) -> Ceremony:
    options = generate_authentication_options(
        rp_id=settings.webauthn_rp_id,
        allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return Ceremony(
        options_to_json(options), _state(settings, user, AUTHENTICATION, options.challenge)
    )


def verify_assertion(
    session: Session, settings: Settings, user: User, state: str, credential_json: str
) -> SecurityKey:
    """The user's key that signed this challenge; anything else is refused and audited:
    a bad or expired state, another user's or an unknown credential, a wrong origin or RP ID,
    a bad signature, a replayed assertion or a counter that went backwards."""
    try:
        return _verify_assertion(session, settings, user, state, credential_json)
    except SecurityKeyError as exc:
        session.rollback()
        _audit_refusal(session, user, "authentication", exc.reason)
        raise


def _verify_assertion(
    session: Session, settings: Settings, user: User, state: str, credential_json: str
) -> SecurityKey:
    challenge = _challenge(settings, user, AUTHENTICATION, state)
    try:
        credential = parse_authentication_credential_json(credential_json)
    except (InvalidJSONStructure, InvalidAuthenticationResponse, ValueError) as exc:
        raise SecurityKeyError("malformed_response") from exc
    begin_write(session)
    key = session.scalar(
        select(SecurityKey)
        .where(SecurityKey.credential_id == credential.raw_id)
        .with_for_update()  # two racing assertions are serialised; the second is a replay
    )
    if key is None:
        raise SecurityKeyError("unknown_credential")
    if key.user_id != user.id:
        raise SecurityKeyError("credential_of_another_user")
    challenge_hash = hashlib.sha256(challenge).hexdigest()
    if key.last_challenge_hash == challenge_hash:
        raise SecurityKeyError("replayed_assertion")
    try:
        presented_count = parse_authenticator_data(
            credential.response.authenticator_data
        ).sign_count
    except Exception as exc:  # any parse failure is a malformed answer
        raise SecurityKeyError("malformed_response") from exc
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=settings.webauthn_rp_id,
            expected_origin=settings.webauthn_origin,
            credential_public_key=key.public_key,
            credential_current_sign_count=key.sign_count,
            require_user_verification=False,
        )
    except InvalidAuthenticationResponse as exc:
        if (presented_count or key.sign_count) and presented_count <= key.sign_count:
            raise SecurityKeyError("counter_not_increasing") from exc
        raise SecurityKeyError(_reason(exc)) from exc
    key.sign_count = verified.new_sign_count
    key.backup_state = verified.credential_backed_up
    key.last_challenge_hash = challenge_hash
    key.last_used_at = utcnow()
    audit.record(
        session,
        "login.security_key.success",
        actor_id=user.id,
        object_type="security_key",
        object_id=key.id,
    )
    session.commit()
    return key


def _reason(exc: Exception) -> str:
    """A short audit reason from py_webauthn's message (which names no secret)."""
    text = str(exc).lower()
    for needle, reason in (
        ("origin", "wrong_origin"),
        ("rp id", "wrong_rp_id"),
        ("challenge", "wrong_challenge"),
        ("signature", "bad_signature"),
        ("sign count", "counter_not_increasing"),
        ("type", "wrong_ceremony_type"),
    ):
        if needle in text:
            return reason
    return "invalid_response"


def _audit_refusal(session: Session, user: User, ceremony: str, reason: str) -> None:
    begin_write(session)
    audit.record(
        session,
        f"account.security_key.{ceremony}.refused",
        actor_id=user.id,
        object_type="user",
        object_id=user.id,
        outcome=audit.Outcome.REFUSED,
        details={"reason": reason},
    )
    session.commit()


# Managing factors ------------------------------------------------------------------------------
def list_keys(user: User) -> list[SecurityKey]:
    return list(user.security_keys)


def remove_key(session: Session, settings: Settings, user: User, key_id: int) -> None:
    """Never the last second factor, nor the last key of a user whose role requires keys."""
    begin_write(session)
    session.refresh(user, with_for_update=True)
    key = next((k for k in user.security_keys if k.id == key_id), None)
    if key is None:
        session.rollback()
        raise LookupError("no such key for this user")
    others = len(user.security_keys) - 1
    if others == 0 and (not user.has_totp or keys_required(settings, user)):
        session.rollback()
        raise LastFactorError
    session.delete(key)
    audit.record(
        session,
        "account.security_key.remove",
        actor_id=user.id,
        object_type="security_key",
        object_id=key_id,
    )
    session.commit()
    session.refresh(user)


def remove_totp(session: Session, user: User) -> None:
    """Drop the authenticator app once a key is registered (never the last factor)."""
    begin_write(session)
    session.refresh(user, with_for_update=True)
    if not user.has_totp or not user.security_keys:
        session.rollback()
        raise LastFactorError
    user.totp_secret_ciphertext = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    audit.record(
        session,
        "account.second_factor.totp_remove",
        actor_id=user.id,
        object_type="user",
        object_id=user.id,
    )
    session.commit()
    session.refresh(user)
