"""Security keys at the service level, against py_webauthn's real verification: each attack
(replay, wrong origin, wrong RP ID, counter going backwards, another user's credential, a
ceremony meant for someone else) is refused and audited with its reason."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.auth import security_keys as keys
from hrd_cases.models import AuditEntry, Role, SecurityKey, User
from hrd_cases.settings import Settings
from tests.support.access import fresh
from tests.support.factories import make_user
from tests.support.soft_authenticator import SoftAuthenticator


def _authenticator(settings: Settings, **kwargs: bool) -> SoftAuthenticator:
    return SoftAuthenticator(
        origin=settings.webauthn_origin, rp_id=settings.webauthn_rp_id, **kwargs
    )


def _register(
    db: Session, settings: Settings, user: User, authenticator: SoftAuthenticator, name: str = "k"
) -> SecurityKey:
    ceremony = keys.begin_registration(settings, user)
    key, _codes = keys.finish_registration(
        db, settings, user, ceremony.state, authenticator.register(ceremony.options_json), name
    )
    return key


def _refusals(db: Session, user: User) -> list[str]:
    entries = fresh(db).scalars(
        select(AuditEntry)
        .where(AuditEntry.actor_id == user.id, AuditEntry.outcome == "refused")
        .order_by(AuditEntry.seq)
    )
    return [str(e.details.get("reason")) for e in entries]


def _sign_in(
    db: Session,
    settings: Settings,
    user: User,
    authenticator: SoftAuthenticator,
    **assertion_options: object,
) -> SecurityKey:
    ceremony = keys.begin_authentication(settings, user)
    answer = authenticator.assertion(ceremony.options_json, **assertion_options)  # type: ignore[arg-type]
    return keys.verify_assertion(db, settings, user, ceremony.state, answer)


def test_registration_stores_counter_backup_flags_and_audits(
    app: Flask, db: Session, settings: Settings
) -> None:
    user = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
    db.commit()
    key = _register(db, settings, user, _authenticator(settings, synced=True), "  phone  passkey ")
    stored = fresh(db).get(SecurityKey, key.id)
    assert stored is not None
    assert (stored.name, stored.sign_count, stored.backup_eligible, stored.backup_state) == (
        "phone passkey",
        0,
        True,
        True,
    )
    assert stored.transports == "usb"
    actions = fresh(db).scalars(select(AuditEntry.action).where(AuditEntry.actor_id == user.id))
    assert "account.security_key.register" in list(actions)


def test_a_good_assertion_signs_in_and_moves_the_counter(
    app: Flask, db: Session, settings: Settings
) -> None:
    user = make_user(db, Role.ANALYST)
    db.commit()
    authenticator = _authenticator(settings)
    _register(db, settings, user, authenticator)
    key = _sign_in(db, settings, user, authenticator)
    assert fresh(db).get(SecurityKey, key.id).sign_count == 1  # type: ignore[union-attr]
    assert _refusals(db, user) == []


@pytest.mark.parametrize("counter", [None, 0], ids=["hardware-counter", "passkey-no-counter"])
def test_a_replayed_assertion_is_refused_and_audited(
    app: Flask, db: Session, settings: Settings, counter: int | None
) -> None:
    user = make_user(db, Role.ANALYST)
    db.commit()
    authenticator = _authenticator(settings)
    _register(db, settings, user, authenticator)
    ceremony = keys.begin_authentication(settings, user)
    options = {} if counter is None else {"sign_count": counter}
    answer = authenticator.assertion(ceremony.options_json, **options)  # type: ignore[arg-type]
    keys.verify_assertion(db, settings, user, ceremony.state, answer)
    with pytest.raises(keys.SecurityKeyError):
        keys.verify_assertion(db, settings, user, ceremony.state, answer)
    assert _refusals(db, user) == ["replayed_assertion"]


def test_a_wrong_origin_is_refused_and_audited(app: Flask, db: Session, settings: Settings) -> None:
    user = make_user(db, Role.ANALYST)
    db.commit()
    authenticator = _authenticator(settings)
    _register(db, settings, user, authenticator)
    with pytest.raises(keys.SecurityKeyError):
        _sign_in(db, settings, user, authenticator, origin="https://hrd-cases.example.net")
    assert _refusals(db, user) == ["wrong_origin"]


def test_a_wrong_rp_id_is_refused_and_audited(app: Flask, db: Session, settings: Settings) -> None:
    user = make_user(db, Role.ANALYST)
    db.commit()
    authenticator = _authenticator(settings)
    _register(db, settings, user, authenticator)
    with pytest.raises(keys.SecurityKeyError):
        _sign_in(db, settings, user, authenticator, rp_id="phishing.example")
    assert _refusals(db, user) == ["wrong_rp_id"]


def test_a_counter_going_backwards_is_refused_and_audited(
    app: Flask, db: Session, settings: Settings
) -> None:
    user = make_user(db, Role.ANALYST)
    db.commit()
    authenticator = _authenticator(settings)
    key = _register(db, settings, user, authenticator)
    _sign_in(db, settings, user, authenticator, sign_count=10)
    with pytest.raises(keys.SecurityKeyError):
        _sign_in(db, settings, user, authenticator, sign_count=5)  # a cloned key's counter
    assert _refusals(db, user) == ["counter_not_increasing"]
    assert fresh(db).get(SecurityKey, key.id).sign_count == 10  # type: ignore[union-attr]


def test_another_users_credential_is_refused_and_audited(
    app: Flask, db: Session, settings: Settings
) -> None:
    victim, attacker = make_user(db, Role.ANALYST), make_user(db, Role.ANALYST)
    db.commit()
    _register(db, settings, victim, _authenticator(settings))
    attackers_key = _authenticator(settings)
    _register(db, settings, attacker, attackers_key)
    with pytest.raises(keys.SecurityKeyError):
        _sign_in(db, settings, victim, attackers_key)
    assert _refusals(db, victim) == ["credential_of_another_user"]


def test_a_ceremony_issued_to_another_user_or_for_registration_is_refused(
    app: Flask, db: Session, settings: Settings
) -> None:
    user, other = make_user(db, Role.ANALYST), make_user(db, Role.ANALYST)
    db.commit()
    authenticator = _authenticator(settings)
    _register(db, settings, user, authenticator)
    for state in (
        keys.begin_authentication(settings, other).state,
        keys.begin_registration(settings, user).state,
        "not-a-signed-state",
    ):
        ceremony = keys.begin_authentication(settings, user)
        with pytest.raises(keys.SecurityKeyError):
            keys.verify_assertion(
                db, settings, user, state, authenticator.assertion(ceremony.options_json)
            )
    assert _refusals(db, user) == [
        "state_for_another_user_or_purpose",
        "state_for_another_user_or_purpose",
        "bad_or_expired_state",
    ]


def test_registration_from_a_wrong_origin_is_refused_and_audited(
    app: Flask, db: Session, settings: Settings
) -> None:
    user = make_user(db, Role.ANALYST)
    db.commit()
    ceremony = keys.begin_registration(settings, user)
    answer = _authenticator(settings).register(ceremony.options_json, origin="https://evil.example")
    with pytest.raises(keys.SecurityKeyError):
        keys.finish_registration(db, settings, user, ceremony.state, answer, "evil")
    assert _refusals(db, user) == ["wrong_origin"]
    assert fresh(db).scalars(select(SecurityKey)).all() == []


def test_the_last_factor_cannot_be_removed(app: Flask, db: Session, settings: Settings) -> None:
    user = make_user(db, Role.ANALYST)
    db.commit()
    first = _register(db, settings, user, _authenticator(settings), "first")
    second = _register(db, settings, user, _authenticator(settings), "second")
    keys.remove_key(db, settings, user, second.id)
    keys.remove_totp(db, user)  # the key remains
    with pytest.raises(keys.LastFactorError):
        keys.remove_key(db, settings, user, first.id)
    refreshed = fresh(db).get(User, user.id)
    assert refreshed is not None and [k.name for k in refreshed.security_keys] == ["first"]
    assert not refreshed.has_totp and refreshed.has_second_factor


def test_the_policy_keeps_the_last_key_even_beside_totp(
    app: Flask, db: Session, settings: Settings
) -> None:
    policy = settings.replace(security_key_required_roles=("protection_officer",))
    officer = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
    db.commit()
    only = _register(db, policy, officer, _authenticator(policy))
    assert keys.keys_required(policy, officer) and not keys.totp_allowed(policy, officer)
    with pytest.raises(keys.LastFactorError):
        keys.remove_key(db, policy, officer, only.id)
