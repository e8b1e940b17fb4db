"""Finding defenders through the blind index, false positives dropped after decryption."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from hrd_cases.models import DefenderNameToken
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import search_defenders
from tests.support.factories import make_case


@pytest.fixture
def defenders(db: Session, vault: RecordVault) -> dict[str, str]:
    made = {}
    for name, other in [
        ("José María O'Neil-Gómez", "Pepe Gómez"),
        ("Leyla Şahin", None),
        ("Nguyễn Thị Minh", None),
    ]:
        case = make_case(db, vault, defender={"name": name, "other_names": other})
        made[name] = case.defenders[0].reference
    return made


def _found(db: Session, vault: RecordVault, query: str) -> list[str]:
    return [m.defender.reference for m in search_defenders(db, vault, query, visible_ids=None)]


@pytest.mark.parametrize(
    "query",
    [
        "José María O'Neil-Gómez",  # full name
        "jose maria o neil gomez",  # case, accents, punctuation folded
        "  JOSÉ   maría o'neil-gómez ",  # spacing
        "gomez",  # one part
        "O'Neil",  # two parts in order
        "José Gómez",  # first and last name
    ],
)
def test_full_name_or_one_part_finds_the_defender(
    db: Session, vault: RecordVault, defenders: dict[str, str], query: str
) -> None:
    assert _found(db, vault, query) == [defenders["José María O'Neil-Gómez"]]


def test_other_names_are_searchable(
    db: Session, vault: RecordVault, defenders: dict[str, str]
) -> None:
    assert _found(db, vault, "pepe gomez") == [defenders["José María O'Neil-Gómez"]]
    assert _found(db, vault, "pepe") == [defenders["José María O'Neil-Gómez"]]


def test_non_latin_diacritics_and_case(
    db: Session, vault: RecordVault, defenders: dict[str, str]
) -> None:
    assert _found(db, vault, "sahin") == [defenders["Leyla Şahin"]]
    assert _found(db, vault, "NGUYEN THI MINH") == [defenders["Nguyễn Thị Minh"]]


def test_non_matching_name_returns_nothing(
    db: Session, vault: RecordVault, defenders: dict[str, str]
) -> None:
    assert _found(db, vault, "Ahmed Mansoor") == []
    assert _found(db, vault, "Gómez José") == []  # reordered
    assert _found(db, vault, "") == []


def test_truncation_collision_is_dropped_after_decryption(
    db: Session, vault: RecordVault, defenders: dict[str, str]
) -> None:
    """Plant the query's token on another defender, exactly what a truncated-HMAC collision
    looks like in the database: the candidate is decrypted and rejected."""
    from sqlalchemy import select

    from hrd_cases.models import Defender

    victim = db.scalar(select(Defender).where(Defender.reference == defenders["Leyla Şahin"]))
    assert victim is not None
    query = "Ahmed Mansoor"
    for token in vault.blind_index.tokens_for_query(query):
        db.add(DefenderNameToken(defender_id=victim.id, token=token))
    db.commit()
    assert _found(db, vault, query) == []


def test_tokens_do_not_reveal_the_name(db: Session, vault: RecordVault, defenders) -> None:
    from sqlalchemy import select

    tokens = db.scalars(select(DefenderNameToken.token)).all()
    assert tokens and all(len(t) == vault.blind_index.bits // 8 for t in tokens)
    assert not any(b"gomez" in bytes(t) for t in tokens)


def test_erased_defender_is_not_found(db: Session, vault: RecordVault, defenders) -> None:
    from hrd_cases.records.defenders import ErasureReason, erase_defender

    erase_defender(db, defenders["Leyla Şahin"], ErasureReason.SAFETY, actor_id=None)
    assert _found(db, vault, "Leyla Şahin") == []


def test_search_is_limited_to_the_callers_scope_before_decryption(
    db: Session, vault: RecordVault
) -> None:
    from hrd_cases.auth.permissions import visible_defender_ids
    from hrd_cases.models import Role
    from tests.support.factories import make_delegation, make_user

    kenya, nepal = make_delegation(db, country="KE"), make_delegation(db, country="NP")
    in_kenya = make_case(db, vault, delegation=kenya, defender={"name": "Achieng Shared"})
    make_case(db, vault, delegation=nepal, defender={"name": "Achieng Shared"})
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    officer_np = make_user(db, Role.PROTECTION_OFFICER, countries=("NP",))
    analyst = make_user(db, Role.ANALYST)

    def found(user) -> list[str]:
        return [
            m.defender.reference
            for m in search_defenders(db, vault, "achieng", visible_ids=visible_defender_ids(user))
        ]

    assert found(focal) == [in_kenya.defenders[0].reference]
    assert len(found(officer_np)) == 1 and found(officer_np) != found(focal)
    assert found(analyst) == []
