"""Issue 15: blind-index tokens carry their field, so a name and another person's alias no
longer share a token; tokens from before the tags are still found until `keys reindex`
rewrites them."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.models import Defender, DefenderNameToken
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import reindex_all_names, search_defenders
from tests.support.access import fresh
from tests.support.factories import make_case


def _tokens(db: Session, reference: str) -> set[bytes]:
    defender = fresh(db).scalar(select(Defender).where(Defender.reference == reference))
    assert defender is not None
    return {bytes(t.token) for t in defender.name_tokens}


def _found(db: Session, vault: RecordVault, query: str) -> list[str]:
    matches = search_defenders(fresh(db), vault, query, visible_ids=None)
    return sorted(m.defender.reference for m in matches)


def test_a_name_and_an_alias_share_no_token_but_both_are_found(
    db: Session, vault: RecordVault
) -> None:
    named = make_case(db, vault, defender={"name": "Amina Diallo"}).defenders[0].reference
    alias = (
        make_case(db, vault, defender={"name": "Fatou Sow", "other_names": "Amina Diallo"})
        .defenders[0]
        .reference
    )
    assert _tokens(db, named).isdisjoint(_tokens(db, alias))
    assert _found(db, vault, "amina diallo") == sorted([named, alias])
    assert _found(db, vault, "Fatou") == [alias]


def test_untagged_tokens_are_found_until_reindexed(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    reference = make_case(db, vault, defender={"name": "Kemal Yildiz"}).defenders[0].reference
    defender = fresh(db).scalar(select(Defender).where(Defender.reference == reference))
    assert defender is not None
    # As written before field tags: the bare term's HMAC.
    index = vault.blind_index
    legacy = {index._mac(term, None) for term in ("kemal yildiz", "kemal", "yildiz")}
    defender.name_tokens = [DefenderNameToken(token=token) for token in legacy]
    db.commit()
    assert _tokens(db, reference) == legacy
    assert _found(db, vault, "Yıldız") == [reference]  # still found through the old tokens

    assert reindex_all_names(fresh(db), vault, batch_size=1) == 1
    tagged = _tokens(db, reference)
    assert tagged.isdisjoint(legacy) and index.token("kemal") in tagged
    assert _found(db, vault, "kemal") == [reference]
    assert reindex_all_names(fresh(db), vault) == 1  # re-running changes nothing
    assert _tokens(db, reference) == tagged
