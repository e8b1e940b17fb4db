"""Defender records: create with encrypted fields and blind-index tokens, search, erase."""

from __future__ import annotations

import enum
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.crypto import NameQuery
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain.errors import NotFound
from hrd_cases.models.case import Case, CaseDefender
from hrd_cases.models.defender import Defender, DefenderNameToken
from hrd_cases.records.vault import EncryptedRecord, RecordVault

# Crockford base32 without I, L, O, U: read aloud or typed without confusion.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
OTHER_NAMES_SEPARATOR = ";"


class ErasureReason(enum.StrEnum):
    """Why personal data was erased. A fixed list: free text could itself hold personal data,
    and it goes into the audit log."""

    DEFENDER_REQUEST = "defender_request"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    RETENTION_EXPIRED = "retention_expired"
    SAFETY = "safety"
    LEGAL_OBLIGATION = "legal_obligation"
    ENTERED_IN_ERROR = "entered_in_error"


def new_defender_reference() -> str:
    """``HRD-XXXXX-XXXXX``: 50 random bits, so that even a million references rarely collide
    (about 1 in 2,000; 8 characters gave a 45 % chance), and callers check anyway."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(10))
    return f"HRD-{chars[:5]}-{chars[5:]}"


def unused_defender_reference(session: Session) -> str:
    while True:
        reference = new_defender_reference()
        if session.scalar(select(Defender.id).where(Defender.reference == reference)) is None:
            return reference


def split_other_names(other_names: str | None) -> list[str]:
    if not other_names:
        return []
    return [part.strip() for part in other_names.split(OTHER_NAMES_SEPARATOR) if part.strip()]


def create_defender(
    session: Session, vault: RecordVault, fields: Mapping[str, str | None]
) -> Defender:
    """Add a defender with its own data key; the caller's transaction commits it."""
    if not (fields.get("name") or "").strip():
        raise ValueError("a defender needs a name")
    defender = Defender(
        id=uuid.uuid4(),
        reference=unused_defender_reference(session),
        data_key=vault.create_data_key("defenders"),
    )
    vault.seal(defender, fields)
    defender.name_tokens = [
        DefenderNameToken(token=token)
        for token in name_tokens(vault, fields.get("name"), fields.get("other_names"))
    ]
    session.add(defender)
    return defender


def name_tokens(vault: RecordVault, name: str | None, other_names: str | None) -> set[bytes]:
    index = vault.blind_index
    tokens: set[bytes] = set()
    for each in [name or "", *split_other_names(other_names)]:
        tokens.update(index.tokens_for_name(each))
    return tokens


@dataclass(frozen=True, slots=True)
class DefenderMatch:
    defender: Defender
    name: str


def search_defenders(
    session: Session,
    vault: RecordVault,
    query: str,
    *,
    visible_ids: object | None,
    limit: int = 25,
) -> list[DefenderMatch]:
    """Find defenders by full name or one name part (any case, accents, spacing).

    The blind index yields candidates; each is decrypted and kept only if it really matches,
    which drops truncation collisions. ``visible_ids`` (a subquery of defender ids, see
    ``auth.permissions.visible_defender_ids``) restricts the search to what the caller may
    see, before anything is decrypted. It must be given: None (everything) is for operators'
    tools and benchmarks only, never for a user's request.
    """
    tokens = vault.blind_index.tokens_for_query(query)
    if not tokens:
        return []
    statement = (
        select(Defender)
        .where(
            Defender.id.in_(
                select(DefenderNameToken.defender_id).where(DefenderNameToken.token.in_(tokens))
            )
        )
        .where(Defender.erased_at.is_(None))
        .order_by(Defender.created_at)
        # Stream candidates: a common name part must not load thousands of rows to keep 50.
        .execution_options(yield_per=limit + 16)
    )
    if visible_ids is not None:
        statement = statement.where(Defender.id.in_(visible_ids))  # type: ignore[arg-type]  # a subquery or id list from auth.permissions.visible_defender_ids
    wanted = NameQuery(query)
    found: list[DefenderMatch] = []
    for defender in session.scalars(statement):
        name = vault.open_field(defender, "name") or ""
        # Other names are decrypted only when the name itself does not match (most often
        # it does): one decryption per candidate instead of two.
        if wanted.matches(name) or any(
            wanted.matches(other)
            for other in split_other_names(vault.open_field(defender, "other_names"))
        ):
            found.append(DefenderMatch(defender, name))
            if len(found) >= limit:
                break
    return found


def erase_defender(
    session: Session,
    reference: str,
    reason: ErasureReason,
    *,
    actor_id: int | None,
    include_case_content: bool = False,
) -> Defender:
    """Crypto-shred a defender: destroy the data key, the ciphertexts and the name tokens, in
    one audited transaction. Cases keep their clear categories, so aggregates do not change.

    With ``include_case_content`` the data keys of the defender's cases are destroyed too:
    narratives, reports, drafts and notes usually name the defender.
    """
    with write_transaction(session):
        defender = session.scalar(select(Defender).where(Defender.reference == reference))
        if defender is None:
            raise NotFound(f"no defender {reference}")
        cases_erased = 0
        if include_case_content:
            for case in session.scalars(
                select(Case).join(CaseDefender).where(CaseDefender.defender_id == defender.id)
            ):
                cases_erased += erase_case_content(case)
        erase_defender_record(defender)
        audit.record(
            session,
            "defender.erase",
            actor_id=actor_id,
            object_type="defender",
            object_id=defender.reference,
            details={"reason": reason.value, "cases_erased": cases_erased},
        )
    return defender


def erase_defender_record(defender: Defender) -> bool:
    """Destroy a defender's data key, ciphertexts and name tokens, in the caller's audited
    transaction. Returns False if it was already erased."""
    if defender.erased_at is not None:
        return False
    RecordVault.erase_data_key(defender.data_key)
    for field in Defender.encrypted_fields:
        setattr(defender, f"{field}_ciphertext", None)
    defender.erased_at = utcnow()
    defender.name_tokens = []
    return True


def erase_case_content(case: Case) -> int:
    """Destroy a case's data key and every ciphertext under it (narrative, closure reason,
    justifications, courts, charges, reports, consent notes, unpublished drafts). Returns 1
    if something was erased. Published statements are public and stay."""
    if case.data_key.wrapped_key is None:
        return 0
    RecordVault.erase_data_key(case.data_key)
    holders: list[object] = [
        case,
        *case.referrals,
        *case.hearings,
        *case.consents,
        *case.statements,
    ]
    for holder in holders:
        for field in cast(EncryptedRecord, holder).encrypted_fields:
            setattr(holder, f"{field}_ciphertext", None)
    return 1
