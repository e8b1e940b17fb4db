"""A case's corrections (issue 16): each corrected field's current value and its earlier
versions, with who replaced each and when. Both faces use this read; it decrypts, so it is
scoped like the case page (readers of the case only, never analysts or admins) and audited
as a view of the case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from hrd_cases import audit
from hrd_cases.auth.permissions import Permission, case_scope, require
from hrd_cases.db import write_transaction
from hrd_cases.domain.errors import NotFound
from hrd_cases.models import Case, CaseDefender, FieldVersion, User
from hrd_cases.reads.case_view import open_or_none
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import verified_defenders
from hrd_cases.workflow.corrections import CASE_FIELDS, CATEGORY_SEPARATOR, DEFENDER_FIELDS

# Fields whose value is a list of vocabulary values (kept joined in a version).
LIST_FIELDS = frozenset({"profile_categories", "threats"})


@dataclass(frozen=True, slots=True)
class EarlierVersion:
    value: str | None  # None: the field was empty, or the version was erased
    erased: bool
    replaced_at: datetime
    replaced_by: User | None


@dataclass(frozen=True, slots=True)
class FieldHistory:
    """One corrected field: whose (the case, or a defender by reference), its value now, and
    what it held before, newest first."""

    defender_reference: str | None
    field: str
    current: str | None
    erased: bool
    versions: list[EarlierVersion]

    def values(self, value: str | None) -> list[str]:
        """A list field's value as its vocabulary values; any other field as one value."""
        if value is None:
            return []
        return value.split(CATEGORY_SEPARATOR) if self.field in LIST_FIELDS else [value]


@dataclass(frozen=True, slots=True)
class CaseHistory:
    case: Case
    fields: list[FieldHistory]  # the case's fields first, then each defender's, field order


def case_history(session: Session, vault: RecordVault, user: User, reference: str) -> CaseHistory:
    """Only fields that were corrected at least once are listed. Role without the right:
    Forbidden; absent or out of scope: NotFound (the same answer)."""
    require(user, Permission.CASE_READ)
    case = (
        session.scalars(
            select(Case)
            .where(Case.reference == reference, case_scope(user))
            .options(
                joinedload(Case.defender_links).joinedload(CaseDefender.defender),
                joinedload(Case.profile_categories),
                joinedload(Case.threats),
            )
        )
        .unique()
        .one_or_none()
    )
    if case is None:
        raise NotFound("no such case")
    defenders = verified_defenders(session, vault, case, actor_id=user.id)
    versions = list(
        session.scalars(
            select(FieldVersion)
            .where(FieldVersion.case_id == case.id)
            .options(joinedload(FieldVersion.replaced_by))
            .order_by(FieldVersion.replaced_at.desc(), FieldVersion.id)
        )
    )
    unwrapped: dict[uuid.UUID, bytes] = {}
    case_erased = case.data_key.wrapped_key is None
    current_case: dict[str, str | None] = {
        "risk_level": case.risk_level.value,
        "profile_categories": CATEGORY_SEPARATOR.join(
            sorted(c.category.value for c in case.profile_categories)
        )
        or None,
        "threats": CATEGORY_SEPARATOR.join(sorted(t.threat.value for t in case.threats)) or None,
        "narrative": open_or_none(vault, case, "narrative", unwrapped=unwrapped),
    }
    by_key: dict[tuple[uuid.UUID | None, str], list[EarlierVersion]] = {}
    for version in versions:
        holder_erased = version.key_holder().wrapped_key is None
        by_key.setdefault((version.defender_id, version.field), []).append(
            EarlierVersion(
                value=open_or_none(vault, version, "value", unwrapped=unwrapped),
                erased=holder_erased,
                replaced_at=version.replaced_at,
                replaced_by=version.replaced_by,
            )
        )
    fields = [
        FieldHistory(None, name, current_case[name], case_erased, by_key[(None, name)])
        for name in CASE_FIELDS
        if (None, name) in by_key
    ]
    for defender in defenders:
        erased = defender.erased_at is not None or defender.data_key.wrapped_key is None
        for name in DEFENDER_FIELDS:
            if (defender.id, name) in by_key:
                current = (
                    None if erased else open_or_none(vault, defender, name, unwrapped=unwrapped)
                )
                fields.append(
                    FieldHistory(
                        defender.reference, name, current, erased, by_key[(defender.id, name)]
                    )
                )
    with write_transaction(session):
        audit.record(
            session,
            "case.view",
            actor_id=user.id,
            object_type="case",
            object_id=case.reference,
            details={"part": "history"},
        )
    return CaseHistory(case=case, fields=fields)
