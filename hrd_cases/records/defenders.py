"""Defender records: create with encrypted fields and blind-index tokens, search, erase."""

from __future__ import annotations

import enum
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn, cast

from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session

from hrd_cases import audit
from hrd_cases.crypto import NameQuery, TamperedRelation
from hrd_cases.db import scrub_freed_copies, utcnow, write_transaction
from hrd_cases.domain.errors import NotFound
from hrd_cases.models.attachment import Attachment
from hrd_cases.models.case import Case, CaseDefender
from hrd_cases.models.defender import Defender, DefenderNameToken
from hrd_cases.models.history import CaseNote, FieldVersion
from hrd_cases.records.attachment_messages import N_
from hrd_cases.records.keys import DEFAULT_RETIRE_WITHIN, schedule_kek_retirement
from hrd_cases.records.vault import EncryptedRecord, RecordVault, clean_texts

# Crockford base32 without I, L, O, U: read aloud or typed without confusion.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
OTHER_NAMES_SEPARATOR = ";"
# Tables whose old row versions can hold a wrapped data key, a ciphertext or a name token.
ERASED_TABLES = (
    "data_keys",
    "defenders",
    "defender_name_tokens",
    "case_defenders",
    "cases",
    "referrals",
    "hearings",
    "consents",
    "statements",
    "attachments",
    "attachment_chunks",
    "field_versions",
    "case_notes",
)


class ErasureReason(enum.StrEnum):
    """Why personal data was erased. A fixed list: free text could itself hold personal data,
    and it goes into the audit log."""

    DEFENDER_REQUEST = "defender_request"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    RETENTION_EXPIRED = "retention_expired"
    SAFETY = "safety"
    LEGAL_OBLIGATION = "legal_obligation"
    ENTERED_IN_ERROR = "entered_in_error"


# What the user is told about an erasure, in one place (the erase screen, the CLI, the flash).
ERASURE_EXPLAINED = (
    "Erasure destroys the data key: the name, contacts and notes become unreadable in the "
    "application at once. Copies made before the erasure (backups, database logs) stay "
    "readable with the current key-encryption key until it is retired, within {days} days; "
    "from then on they are unrecoverable too. Categories stay in the aggregates."
)
ERASURE_DONE = N_(
    "Personal data erased: unreadable in the application now ({now} UTC); unrecoverable from "
    "every copy (backups, database logs) once the old key-encryption key is retired, by "
    "{retire_by} UTC."
)
ALREADY_RETIRED = N_("(already retired)")


def erasure_done_message(now: datetime, retire_by: datetime | None) -> str:
    """In the reader's language on the pages and the API; English on the command line."""
    return str(gettext(ERASURE_DONE)).format(
        now=f"{now:%Y-%m-%d %H:%M}",
        retire_by=f"{retire_by:%Y-%m-%d %H:%M}" if retire_by else str(gettext(ALREADY_RETIRED)),
    )


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


# Relation rows -------------------------------------------------------------------------------
CASE_DEFENDER_RELATION = "case_defenders"


def case_defender_mac(vault: RecordVault, case_id: uuid.UUID, defender_id: uuid.UUID) -> bytes:
    return vault.relation_mac.mac(CASE_DEFENDER_RELATION, str(case_id), str(defender_id))


def link_defender(vault: RecordVault, case: Case, defender: Defender) -> CaseDefender:
    """A case's link to a defender, signed so that re-pointing it in the database is caught."""
    return CaseDefender(
        case_id=case.id,
        defender_id=defender.id,
        defender=defender,
        link_mac=case_defender_mac(vault, case.id, defender.id),
    )


def check_case_links(
    session: Session,
    vault: RecordVault,
    links: Iterable[tuple[uuid.UUID, uuid.UUID, bytes | None]],
    *,
    actor_id: int | None,
) -> None:
    """Refuse, loudly and audited, any (case_id, defender_id, link_mac) that fails its MAC."""
    macs = vault.relation_mac
    for case_id, defender_id, mac in links:
        if not macs.verify(mac, CASE_DEFENDER_RELATION, str(case_id), str(defender_id)):
            _tampered(session, case_id, defender_id, actor_id)


def verified_defenders(
    session: Session, vault: RecordVault, case: Case, *, actor_id: int | None
) -> list[Defender]:
    """The case's defenders, each link checked: the read both faces use for a case."""
    check_case_links(
        session,
        vault,
        ((link.case_id, link.defender_id, link.link_mac) for link in case.defender_links),
        actor_id=actor_id,
    )
    return case.defenders


def sign_unsigned_links(session: Session, vault: RecordVault) -> int:
    """Sign the links written before they were signed (NULL MAC): the upgrade step
    `hrd-cases keys relink`. Signed links are left alone, so a re-pointed one stays caught."""
    signed = 0
    with write_transaction(session):
        for link in session.scalars(select(CaseDefender).where(CaseDefender.link_mac.is_(None))):
            link.link_mac = case_defender_mac(vault, link.case_id, link.defender_id)
            signed += 1
        audit.record(session, "case_defenders.relink", details={"signed": signed})
    return signed


def _tampered(
    session: Session, case_id: uuid.UUID, defender_id: uuid.UUID, actor_id: int | None
) -> NoReturn:
    """Audit the failed link in a transaction of its own (the read that found it fails, the
    entry must stay), then raise."""
    with Session(bind=session.get_bind()) as own:
        case_reference = own.scalar(select(Case.reference).where(Case.id == case_id))
        defender_reference = own.scalar(
            select(Defender.reference).where(Defender.id == defender_id)
        )
        with write_transaction(own):
            audit.record(
                own,
                "case_defenders.tampered",
                actor_id=actor_id,
                object_type="case",
                object_id=case_reference or str(case_id),
                details={"defender": defender_reference or str(defender_id)},
            )
    raise TamperedRelation(
        f"the link between case {case_reference or case_id} and defender "
        f"{defender_reference or defender_id} fails its integrity check: it was changed "
        "outside the application (incident recorded in the audit log)"
    )


def split_other_names(other_names: str | None) -> list[str]:
    if not other_names:
        return []
    return [part.strip() for part in other_names.split(OTHER_NAMES_SEPARATOR) if part.strip()]


def create_defender(
    session: Session, vault: RecordVault, fields: Mapping[str, str | None]
) -> Defender:
    """Add a defender with its own data key; the caller's transaction commits it."""
    # Tokens and ciphertexts both come from the policy-cleaned (NFC) text.
    fields = clean_texts("defenders", fields)
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
    tokens: set[bytes] = set(index.tokens_for_name(name or "", "name"))
    for each in split_other_names(other_names):
        tokens.update(index.tokens_for_name(each, "other_names"))
    return tokens


def reindex_defender(
    vault: RecordVault, defender: Defender, name: str | None, other_names: str | None
) -> None:
    """Make a defender's tokens those of ``name`` and ``other_names``, in the caller's
    transaction: a corrected name is found at once and the old one no longer is."""
    wanted = name_tokens(vault, name, other_names)
    # Keep the rows that stay, so no token is deleted and inserted in one flush.
    kept = [t for t in defender.name_tokens if bytes(t.token) in wanted]
    have = {bytes(t.token) for t in kept}
    defender.name_tokens = kept + [
        DefenderNameToken(token=token) for token in sorted(wanted - have)
    ]


def reindex_all_names(session: Session, vault: RecordVault, *, batch_size: int = 500) -> int:
    """Rewrite every live defender's tokens with the current rules (field tags, after an
    upgrade; a new index key or width): the `hrd-cases keys reindex` command. One batch per
    transaction, in id order, resumable: a re-run writes the same tokens again."""
    done, last = 0, None
    while True:
        with write_transaction(session):
            statement = (
                select(Defender)
                .where(Defender.erased_at.is_(None))
                .order_by(Defender.id)
                .limit(batch_size)
            )
            if last is not None:
                statement = statement.where(Defender.id > last)
            batch = list(session.scalars(statement))
            for defender in batch:
                opened = vault.open(defender, ("name", "other_names"))
                reindex_defender(vault, defender, opened["name"], opened["other_names"])
        done += len(batch)
        if len(batch) < batch_size:
            break
        last = batch[-1].id
    with write_transaction(session):
        audit.record(session, "defender.reindex", details={"defenders": done})
    return done


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
    tokens = vault.blind_index.lookup_tokens(query)
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
    retire_within: timedelta = DEFAULT_RETIRE_WITHIN,
) -> Defender:
    """Crypto-shred a defender: destroy the data key, the ciphertexts and the name tokens, in
    one audited transaction. Cases keep their clear categories, so aggregates do not change.

    With ``include_case_content`` the data keys of the defender's cases are destroyed too:
    narratives, reports, drafts and notes usually name the defender.

    Then, so that the erasure holds in every copy: the same transaction schedules the
    retirement of the KEK that wrapped the destroyed keys (an erasure epoch, due within
    ``retire_within``; see ``records.keys.retire_erased``), and after the commit the database
    drops the old row versions (``db.scrub_freed_copies``: WAL checkpoint or VACUUM).
    """
    with write_transaction(session):
        defender = session.scalar(select(Defender).where(Defender.reference == reference))
        if defender is None:
            raise NotFound(f"no defender {reference}")
        destroyed = [defender.data_key]
        cases_erased = 0
        if include_case_content:
            for case in session.scalars(
                select(Case).join(CaseDefender).where(CaseDefender.defender_id == defender.id)
            ):
                destroyed.append(case.data_key)
                cases_erased += erase_case_content(case)
        erase_defender_record(defender)
        retire_by = schedule_kek_retirement(
            session, max(key.kek_version for key in destroyed), within=retire_within
        )
        audit.record(
            session,
            "defender.erase",
            actor_id=actor_id,
            object_type="defender",
            object_id=defender.reference,
            details={
                "reason": reason.value,
                "cases_erased": cases_erased,
                "kek_retired_by": retire_by.isoformat(timespec="minutes"),
            },
        )
    scrub_freed_copies(session, ERASED_TABLES)
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
    # Earlier versions of the defender's fields went with the key; their ciphertexts go too.
    session = object_session(defender)
    if session is not None:
        session.execute(
            update(FieldVersion)
            .where(FieldVersion.defender_id == defender.id)
            .values(value_ciphertext=None)
        )
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
    # Attachments' content chunks stay where they are, sealed under the key just destroyed:
    # unreadable with any keyring. Their names go like every other field.
    session = object_session(case)
    if session is not None:
        session.execute(
            update(Attachment)
            .where(Attachment.case_id == case.id)
            .values(title_ciphertext=None, filename_ciphertext=None)
        )
        # Notes and the case's own earlier versions (not a defender's: under its own key).
        session.execute(
            update(CaseNote).where(CaseNote.case_id == case.id).values(text_ciphertext=None)
        )
        session.execute(
            update(FieldVersion)
            .where(FieldVersion.case_id == case.id, FieldVersion.defender_id.is_(None))
            .values(value_ciphertext=None)
        )
    return 1
