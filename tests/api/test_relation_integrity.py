"""Issue 15, acceptance 4: less metadata, attacked.

A ``case_defenders`` row re-pointed in the database (someone with write access shows another
defender under a case) fails to read on both faces, with a clear error and an audit entry;
and two names of different lengths within one padding bucket give ciphertexts of equal
length, so a ciphertext no longer tells a name's exact length.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hrd_cases.models import AuditEntry, CaseDefender, Defender
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import sign_unsigned_links
from tests.support.access import fresh, sign_in
from tests.support.api import DEFENDER_NAME, World, data_of, errors_of
from tests.support.factories import make_case

OTHER_NAME = "Zq Other Defender-Achieng"


def _repoint(db: Session, world: World, to: Defender) -> None:
    fresh(db).execute(
        update(CaseDefender).where(CaseDefender.case_id == world.case.id).values(defender_id=to.id)
    )
    db.commit()


def _other_defender(db: Session, vault: RecordVault, world: World) -> Defender:
    other = make_case(
        db, vault, delegation=world.users["owner"].delegation, defender={"name": OTHER_NAME}
    )
    return (
        fresh(db)
        .scalars(select(Defender).join(CaseDefender).where(CaseDefender.case_id == other.id))
        .one()
    )


def _tamper_entries(db: Session) -> list[AuditEntry]:
    return list(
        fresh(db).scalars(select(AuditEntry).where(AuditEntry.action == "case_defenders.tampered"))
    )


def test_a_repointed_link_fails_loudly_on_both_faces_and_is_audited(
    app: Flask, db: Session, vault: RecordVault, world: World
) -> None:
    owner = world.users["owner"]
    other = _other_defender(db, vault, world)
    url = f"/cases/{world.case.reference}"
    browser = sign_in(app, owner.email)
    # Before the attack both faces show the case's own defender.
    assert DEFENDER_NAME in browser.get(url).get_data(as_text=True)
    assert data_of(world.api["owner"].get(url))["defenders"][0]["name"] == DEFENDER_NAME

    _repoint(db, world, other)

    page = browser.get(url)
    assert page.status_code == 500
    text = page.get_data(as_text=True)
    assert "fails its integrity check" in text and world.case.reference in text
    assert OTHER_NAME not in text and DEFENDER_NAME not in text

    response = world.api["owner"].get(url)
    errors = errors_of(response, 500)
    assert response.get_json()["meta"] == {"rule": "relation.integrity"}
    assert "fails its integrity check" in errors["message"][0]
    assert OTHER_NAME not in response.get_data(as_text=True)

    # A name search that reaches the case through the forged link fails the same way.
    search = world.api["owner"].post("/defenders/search", {"name": OTHER_NAME})
    errors_of(search, 500)

    entries = _tamper_entries(db)
    assert len(entries) == 3
    assert {e.object_id for e in entries} == {world.case.reference}
    assert {e.details["defender"] for e in entries} == {other.reference}
    assert {e.actor_id for e in entries} == {owner.id}


def test_a_link_copied_with_its_mac_from_another_case_fails_too(
    db: Session, vault: RecordVault, world: World
) -> None:
    """The MAC binds both ids: a genuine MAC from another row does not make a forgery pass."""
    other = _other_defender(db, vault, world)
    genuine = fresh(db).scalar(
        select(CaseDefender.link_mac).where(CaseDefender.defender_id == other.id)
    )
    _repoint(db, world, other)
    fresh(db).execute(
        update(CaseDefender).where(CaseDefender.case_id == world.case.id).values(link_mac=genuine)
    )
    db.commit()
    errors_of(world.api["owner"].get(f"/cases/{world.case.reference}"), 500)
    assert len(_tamper_entries(db)) == 1


def test_links_from_before_signing_fail_until_relinked(
    db: Session, vault: RecordVault, world: World
) -> None:
    fresh(db).execute(update(CaseDefender).values(link_mac=None))  # as the migration leaves them
    db.commit()
    url = f"/cases/{world.case.reference}"
    errors_of(world.api["owner"].get(url), 500)
    assert sign_unsigned_links(fresh(db), vault) == 1
    assert data_of(world.api["owner"].get(url))["defenders"][0]["name"] == DEFENDER_NAME
    assert sign_unsigned_links(fresh(db), vault) == 0  # signed links are left alone


def test_names_of_different_lengths_in_one_bucket_give_equal_ciphertext_lengths(
    db: Session, vault: RecordVault, world: World
) -> None:
    names = ["Ana Li", "Wanjiru Mwangi", "Ngũgĩ wa Thiong'o"]  # 6, 14, 19 UTF-8 bytes
    for name in names:
        make_case(db, vault, delegation=world.users["owner"].delegation, defender={"name": name})
    stored = {
        vault.open_field(d, "name"): len(d.name_ciphertext or b"")
        for d in fresh(db).scalars(select(Defender))
    }
    assert len({len(name.encode()) for name in names}) == 3
    assert len({stored[name] for name in names}) == 1
    # A name in the next bucket (32 bytes or more) is longer: buckets, not a constant.
    make_case(db, vault, delegation=world.users["owner"].delegation, defender={"name": "Z" * 40})
    longest = max(len(d.name_ciphertext or b"") for d in fresh(db).scalars(select(Defender)))
    assert longest == stored[names[0]] + 32
