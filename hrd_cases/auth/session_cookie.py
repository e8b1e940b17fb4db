"""The session cookie, encrypted: its holder (or anyone who copies it from a browser, a proxy
log or a screenshot of the developer tools) learns nothing from it.

Flask's default cookie is only signed: base64 of JSON plus a timestamp, readable by anyone.
It carried the half-signed-in account's id (``pending_user_id``), when that step began, the
server-side session token and the CSRF secret. Here the same contents are sealed with
AES-256-GCM under a key derived from SECRET_KEY; the time the cookie was issued (for the
absolute lifetime) travels inside the ciphertext, so no timestamp shows either. A cookie that
does not decrypt is treated as no cookie at all, like a bad signature before.

The cookie also stays small (browsers drop a cookie over 4 KB whole, which signs the user
out): see :func:`bounded_contents`.
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, Response
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature

FORMAT_VERSION = b"\x01"
NONCE_BYTES = 12
# Binds the ciphertext to its purpose: the same SECRET_KEY never seals anything else this way.
ASSOCIATED_DATA = b"hrd_cases session cookie v1"

# Flask keeps a flashed message in the session until a page shows it. A client that posts
# without rendering a page in between (a script or load test not following redirects, a
# browser tab opening downloads, a bot meeting the sign-in redirect again and again) piled
# them up past the browser's 4 KB limit. Only the newest few, each once, are worth showing.
MAX_PENDING_FLASHES = 3
MAX_FLASH_CHARACTERS = 400
# Flask-Login's "_id" (SHA-512 of the client's address and browser, 128 characters) serves
# only its session protection, which is off (app.py): client metadata carried for nothing.
UNUSED_KEYS = ("_id",)


@lru_cache(maxsize=4)
def derive_cookie_key(secret_key: str | bytes) -> bytes:
    """A key of its own for the cookie, so SECRET_KEY's other uses never share it."""
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=ASSOCIATED_DATA).derive(
        material
    )


class EncryptedCookieSerializer:
    """The two methods Flask's cookie session calls on its serializer: dumps and loads."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self._json = TaggedJSONSerializer()

    def dumps(self, contents: dict[str, Any]) -> str:
        payload = self._json.dumps({"issued": int(time.time()), "contents": contents})
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, payload.encode(), ASSOCIATED_DATA)
        return base64.urlsafe_b64encode(FORMAT_VERSION + nonce + sealed).decode().rstrip("=")

    def loads(self, value: str, max_age: int | None = None) -> dict[str, Any]:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError) as exc:
            raise BadSignature("session cookie is not base64") from exc
        if len(raw) <= 1 + NONCE_BYTES or raw[:1] != FORMAT_VERSION:
            raise BadSignature("session cookie has an unknown format")
        nonce, sealed = raw[1 : 1 + NONCE_BYTES], raw[1 + NONCE_BYTES :]
        try:
            payload = self._aead.decrypt(nonce, sealed, ASSOCIATED_DATA)
        except InvalidTag as exc:
            raise BadSignature("session cookie does not decrypt") from exc
        envelope = self._json.loads(payload.decode())
        if max_age is not None and time.time() - int(envelope["issued"]) > max_age:
            raise BadSignature("session cookie has expired")
        return dict(envelope["contents"])


def bounded_contents(session: SessionMixin) -> None:
    """Drop what need not travel, and keep the newest distinct flashes only, before sealing."""
    for key in UNUSED_KEYS:
        if key in session:
            session.pop(key)
    flashes = session.get("_flashes")
    if not flashes:
        return
    newest: list[tuple[str, str]] = []
    for category, message in reversed(flashes):
        kept = (category, _shortened(str(message)))
        if kept not in newest:
            newest.append(kept)
        if len(newest) == MAX_PENDING_FLASHES:
            break
    newest.reverse()
    if newest != [tuple(flash) for flash in flashes]:
        session["_flashes"] = newest


def _shortened(message: str) -> str:
    if len(message) <= MAX_FLASH_CHARACTERS:
        return message
    return message[: MAX_FLASH_CHARACTERS - 1] + "\u2026"


class EncryptedCookieSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session with the signer swapped for authenticated encryption."""

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        bounded_contents(session)
        super().save_session(app, session, response)

    def get_signing_serializer(self, app: Flask) -> EncryptedCookieSerializer | None:  # type: ignore[override]
        if not app.secret_key:
            return None
        return EncryptedCookieSerializer(derive_cookie_key(app.secret_key))
