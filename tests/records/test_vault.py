"""Encrypted records attacked: moved ciphertexts, flipped bytes, moved data keys, erasure."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases.crypto import DecryptionError, ErasedError, field_key_version, wrapped_kek_version
from hrd_cases.db import utcnow
from hrd_cases.models import Case, CaseProfileCategory, Defender
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import ErasureReason, erase_defender
from tests.support.factories import make_case

SECRET_NAME = "Leyla Şahin-Demir"


def _reload(session: Session, record):
    session.expire_all()
    return session.get(type(record), record.id)


def test_fields_round_trip_and_nothing_is_stored_in_the_clear(
    db: Session, vault: RecordVault
) -> None:
    case = make_case(
        db,
        vault,
        defender={"name": SECRET_NAME, "location": "Diyarbakır"},
        narrative="Detained after a press conference.",
    )
    defender = _reload(db, case.defenders[0])
    assert vault.open(defender, ["name", "location"]) == {
        "name": SECRET_NAME,
        "location": "Diyarbakır",
    }
    assert vault.open_field(_reload(db, case), "narrative") == "Detained after a press conference."
    assert SECRET_NAME.encode() not in defender.name_ciphertext
    assert vault.open_field(defender, "contact_details") is None


def test_same_value_twice_gives_different_ciphertexts_naming_their_key_version(
    db: Session, vault: RecordVault
) -> None:
    first = make_case(db, vault, defender={"name": SECRET_NAME}).defenders[0]
    second = make_case(db, vault, defender={"name": SECRET_NAME}).defenders[0]
    assert first.name_ciphertext != second.name_ciphertext
    assert field_key_version(first.name_ciphertext) == 1
    assert wrapped_kek_version(first.data_key.wrapped_key) == vault.keyring().primary
    assert first.data_key.kek_version == vault.keyring().primary
    assert first.data_key_id != second.data_key_id  # one data key per defender


def test_ciphertext_moved_to_another_record_fails_to_decrypt(
    db: Session, vault: RecordVault
) -> None:
    a = make_case(db, vault, defender={"name": SECRET_NAME}).defenders[0]
    b = make_case(db, vault, defender={"name": "Someone Else"}).defenders[0]
    b.name_ciphertext = a.name_ciphertext
    db.commit()
    with pytest.raises(DecryptionError) as raised:
        vault.open_field(_reload(db, b), "name")
    assert SECRET_NAME not in str(raised.value)


def test_ciphertext_moved_to_another_field_fails_to_decrypt(
    db: Session, vault: RecordVault
) -> None:
    defender = make_case(db, vault, defender={"name": SECRET_NAME, "location": "Van"}).defenders[0]
    defender.location_ciphertext = defender.name_ciphertext
    db.commit()
    with pytest.raises(DecryptionError):
        vault.open_field(_reload(db, defender), "location")


def test_record_sharing_a_data_key_still_cannot_take_another_records_ciphertext(
    db: Session, vault: RecordVault
) -> None:
    """Same key, same field name, different table: the table is in the associated data."""
    case = make_case(db, vault, narrative="Only for this case.")
    other = make_case(db, vault, narrative="Other case.")
    other.narrative_ciphertext = case.narrative_ciphertext
    db.commit()
    with pytest.raises(DecryptionError):
        vault.open_field(_reload(db, other), "narrative")


def test_flipped_byte_is_detected(db: Session, vault: RecordVault) -> None:
    defender = make_case(db, vault, defender={"name": SECRET_NAME}).defenders[0]
    blob = bytearray(defender.name_ciphertext)
    blob[-5] ^= 0x01
    defender.name_ciphertext = bytes(blob)
    db.commit()
    with pytest.raises(DecryptionError):
        vault.open_field(_reload(db, defender), "name")


def test_wrapped_data_key_moved_to_another_row_fails_to_unwrap(
    db: Session, vault: RecordVault
) -> None:
    a = make_case(db, vault, defender={"name": SECRET_NAME}).defenders[0]
    b = make_case(db, vault).defenders[0]
    b.data_key.wrapped_key = a.data_key.wrapped_key
    db.commit()
    with pytest.raises(DecryptionError):
        vault.open_field(_reload(db, b), "name")


def _cases_by_category(db: Session) -> dict[str, int]:
    rows = db.execute(
        select(CaseProfileCategory.category, func.count()).group_by(CaseProfileCategory.category)
    )
    return {category.value: count for category, count in rows}


def test_erased_defender_is_unreadable_for_good_and_aggregates_are_unchanged(
    db: Session, vault: RecordVault
) -> None:
    case = make_case(db, vault, defender={"name": SECRET_NAME, "contact_details": "+90 555"})
    make_case(db, vault)
    before = _cases_by_category(db)
    reference = case.defenders[0].reference

    erase_defender(db, reference, ErasureReason.DEFENDER_REQUEST, actor_id=None)

    defender = db.scalar(select(Defender).where(Defender.reference == reference))
    assert defender is not None
    with pytest.raises(ErasedError, match="erased"):
        vault.open(defender)
    assert defender.data_key.wrapped_key is None
    assert all(getattr(defender, f"{f}_ciphertext") is None for f in Defender.encrypted_fields)
    assert _cases_by_category(db) == before
    assert db.scalar(select(func.count()).select_from(Case)) == 2
    # Even the keyring cannot bring it back: nothing wrapped is left to unwrap.
    vault.reload()
    with pytest.raises(ErasedError):
        vault.open_field(defender, "name")


def test_erasure_is_audited_without_personal_data(db: Session, vault: RecordVault) -> None:
    from hrd_cases.models import AuditEntry

    case = make_case(db, vault, defender={"name": SECRET_NAME})
    reference = case.defenders[0].reference
    erase_defender(db, reference, ErasureReason.SAFETY, actor_id=None)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "defender.erase"))
    assert entry is not None
    assert entry.object_id == reference
    details = dict(entry.details)
    retire_by = details.pop("kek_retired_by")  # the erasure epoch's date, no content
    assert details == {"reason": "safety", "cases_erased": 0}
    assert datetime.fromisoformat(retire_by) > utcnow() + timedelta(days=6)
    assert SECRET_NAME not in repr(entry.details)


def test_erasure_with_case_content_destroys_the_case_key_too(
    db: Session, vault: RecordVault
) -> None:
    from hrd_cases.domain.vocabulary import AssistanceType, Mechanism
    from hrd_cases.models import Role
    from hrd_cases.workflow.referrals import ReferralInput, create_referral
    from tests.support.factories import make_delegation, make_user, strategy_catalogue

    kenya = make_delegation(db, country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    case = make_case(
        db,
        vault,
        delegation=kenya,
        actor=focal,
        defender={"name": SECRET_NAME},
        narrative="Names the defender.",
    )
    referral = create_referral(
        db,
        vault,
        strategy_catalogue(),
        focal,
        case.reference,
        ReferralInput(
            Mechanism.EU_HRD_MECHANISM, (AssistanceType.LEGAL,), justification="Also names them."
        ),
    )
    before = _cases_by_category(db)
    erase_defender(
        db,
        case.defenders[0].reference,
        ErasureReason.SAFETY,
        actor_id=None,
        include_case_content=True,
    )
    db.expire_all()
    case = db.get(Case, case.id)
    with pytest.raises(ErasedError):
        vault.open_field(case, "narrative")
    with pytest.raises(ErasedError):
        vault.open_field(db.get(type(referral), referral.id), "justification")
    assert case.narrative_ciphertext is None
    assert _cases_by_category(db) == before


def test_defender_references_are_long_enough_and_never_reused(
    db: Session, vault: RecordVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    from hrd_cases.records import defenders as module

    first = make_case(db, vault).defenders[0].reference
    assert re.fullmatch(r"HRD-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", first)
    proposals = iter([first, first, "HRD-ZZZZZ-ZZZZZ"])
    monkeypatch.setattr(module, "new_defender_reference", lambda: next(proposals))
    assert make_case(db, vault).defenders[0].reference == "HRD-ZZZZZ-ZZZZZ"
