"""One case as its page and the API show it: scope, decryption tolerant of erased keys, and the
audited ``case.view``, done once for both faces.

Everything shown is loaded up front in a fixed number of statements whatever the case holds
(the case with its small collections joined, then one statement per kind of action), so the
page never lazy-loads: issue 13 measured 16 to 23 statements per page before.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from hrd_cases import audit
from hrd_cases.auth.permissions import Permission, case_for, case_scope, has_permission, require
from hrd_cases.crypto import ErasedError
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain.errors import NotFound
from hrd_cases.domain.states import Stage
from hrd_cases.models import (
    Case,
    CaseDefender,
    CaseNote,
    Consent,
    Defender,
    Delegation,
    Hearing,
    Referral,
    Statement,
    TimelineEvent,
    User,
)
from hrd_cases.reads.attachments import AttachmentView, files_of
from hrd_cases.reads.notes import NoteView, note_views
from hrd_cases.records import EncryptedRecord, RecordVault
from hrd_cases.records.defenders import verified_defenders
from hrd_cases.workflow.case_steps import assignable_focal_points, case_stage
from hrd_cases.workflow.deadlines import Deadline, case_deadlines
from hrd_cases.workflow.service import template_of
from hrd_cases.workflow.templates import StrategyCatalogue, StrategyVersion

# The case row brings its key, delegation, defenders (with their keys), the short category
# lists, consents and statements; the timeline, referrals and hearings then come in one
# statement each, with their own short lists (and the actors' names) joined.
CASE_VIEW_LOADING = (
    joinedload(Case.delegation),
    # The delegation's own observation partners (issue 19), when it names them, replace the
    # template's on the observation form: one small statement, not a join that multiplies rows.
    selectinload(Case.delegation, Delegation.observation_partners),
    joinedload(Case.defender_links).joinedload(CaseDefender.defender),
    joinedload(Case.profile_categories),
    joinedload(Case.threats),
    # Consents and statements are few per case (each a defender's decision): joined here
    # rather than a statement each, which keeps the page within its budget.
    joinedload(Case.consents).joinedload(Consent.scope_rows),
    joinedload(Case.statements).joinedload(Statement.decisions),
    selectinload(Case.timeline).joinedload(TimelineEvent.actor),
    selectinload(Case.referrals).options(
        joinedload(Referral.decisions), joinedload(Referral.assistance)
    ),
    selectinload(Case.hearings).joinedload(Hearing.observers),
    # The files' list rows are small (sizes, types, two short ciphertexts): joined with the
    # case, not a statement of their own (issue 17 had made the page cost nine).
    joinedload(Case.attachments),
    # Follow-up notes (issue 16), newest first with their authors: one statement.
    selectinload(Case.notes).joinedload(CaseNote.author),
)


@dataclass(frozen=True, slots=True)
class OpenedDefender:
    defender: Defender
    fields: dict[str, str | None] | None  # None: erased


@dataclass(frozen=True, slots=True)
class CaseView:
    """What a user in scope is shown of one case; ``None`` for text whose key is erased."""

    case: Case
    stage: Stage
    template: StrategyVersion
    deadlines: list[Deadline]
    defenders: list[OpenedDefender]
    narrative: str | None
    closure_reason: str | None
    justifications: dict[object, str | None]  # referral id -> text
    hearing_texts: dict[object, dict[str, str | None]]  # hearing id -> court, charges, report
    consent_notes: dict[object, str | None]
    statement_drafts: dict[object, str | None]
    attachments: list[AttachmentView]  # newest first, names decrypted
    # ("referral" | "statement", decision id) -> its reason, for the requester and approvers
    decision_reasons: dict[tuple[str, int], str | None]
    people: dict[int, User]  # everyone the page names: actors, requesters, deciders
    notes: list[NoteView]  # newest first; text None once erased
    as_of: datetime  # when it was read: deadlines are overdue against this

    @property
    def content_erased(self) -> bool:
        return self.case.data_key.wrapped_key is None

    def statement_text(self, statement: Statement) -> str | None:
        return statement.published_text or self.statement_drafts[statement.id]


def view_case(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    user: User,
    reference: str,
) -> CaseView:
    """The case ``reference`` as ``user`` may see it. Role without the right: Forbidden;
    absent or out of scope: NotFound (the same answer). Every view of decrypted case content
    is audited (who, which case, when)."""
    require(user, Permission.CASE_READ)
    case = (
        session.scalars(
            select(Case)
            .where(Case.reference == reference, case_scope(user))
            .options(*CASE_VIEW_LOADING)
        )
        .unique()
        .one_or_none()
    )
    if case is None:
        raise NotFound("no such case")
    # The case's links to its defenders are checked before any is shown (issue 15).
    defenders = verified_defenders(session, vault, case, actor_id=user.id)
    # Every field here is under the case's key (or a defender's): unwrapped once for this read.
    unwrapped: dict[uuid.UUID, bytes] = {}

    def opened(record: EncryptedRecord, field: str) -> str | None:
        return open_or_none(vault, record, field, unwrapped=unwrapped)

    view = CaseView(
        case=case,
        stage=case_stage(case),
        template=template_of(catalogue, case),
        deadlines=case_deadlines(catalogue, case),
        defenders=[OpenedDefender(d, _open_all(vault, d, unwrapped)) for d in defenders],
        narrative=opened(case, "narrative"),
        closure_reason=opened(case, "closure_reason"),
        justifications={r.id: opened(r, "justification") for r in case.referrals},
        hearing_texts={
            h.id: {f: opened(h, f) for f in Hearing.encrypted_fields} for h in case.hearings
        },
        consent_notes={c.id: opened(c, "notes") for c in case.consents},
        statement_drafts={s.id: opened(s, "draft") for s in case.statements},
        attachments=files_of(vault, case, unwrapped),
        decision_reasons={
            **{
                ("referral", d.id): opened(d, "reason") for r in case.referrals for d in r.decisions
            },
            **{
                ("statement", d.id): opened(d, "reason")
                for st in case.statements
                for d in st.decisions
            },
        },
        people=_people(session, case),
        notes=note_views(vault, case.notes, unwrapped),
        as_of=utcnow(),
    )
    with write_transaction(session):
        audit.record(
            session, "case.view", actor_id=user.id, object_type="case", object_id=case.reference
        )
    return view


def open_or_none(
    vault: RecordVault,
    record: EncryptedRecord,
    field: str,
    *,
    unwrapped: dict[uuid.UUID, bytes] | None = None,
) -> str | None:
    """A decrypted field, or None when it is empty or its data key was erased."""
    try:
        return vault.open_field(record, field, unwrapped=unwrapped)
    except ErasedError:
        return None


def _open_all(
    vault: RecordVault, defender: Defender, unwrapped: dict[uuid.UUID, bytes]
) -> dict[str, str | None] | None:
    if defender.erased_at is not None:
        return None
    try:
        return vault.open(defender, unwrapped=unwrapped)
    except ErasedError:
        return None


def _people(session: Session, case: Case) -> dict[int, User]:
    """Users the page names. Every step writes a timeline event by its actor, so they are
    almost always loaded with the timeline already; anyone else costs one statement."""
    people = {e.actor.id: e.actor for e in case.timeline if e.actor is not None}
    wanted: set[int] = {case.assigned_to_id} if case.assigned_to_id else set()
    for event in case.timeline:
        if event.kind == "case.reassigned":  # names both focal points
            details = event.details or {}
            wanted.update(v for v in (details.get("from"), details.get("to")) if isinstance(v, int))
    for referral in case.referrals:
        wanted.update(i for i in (referral.created_by_id, referral.requested_by_id) if i)
        wanted.update(d.officer_id for d in referral.decisions)
    for statement in case.statements:
        wanted.update(i for i in (statement.created_by_id, statement.submitted_by_id) if i)
        wanted.update(d.officer_id for d in statement.decisions)
    missing = wanted - set(people)
    if missing:
        people.update({u.id: u for u in session.scalars(select(User).where(User.id.in_(missing)))})
    return people


def case_timeline(session: Session, user: User, reference: str) -> list[TimelineEvent]:
    """What happened to a case in scope, oldest first: categories only, never content."""
    require(user, Permission.CASE_READ)
    case_id = session.scalar(select(Case.id).where(Case.reference == reference, case_scope(user)))
    if case_id is None:
        raise NotFound("no such case")
    return list(
        session.scalars(
            select(TimelineEvent).where(TimelineEvent.case_id == case_id).order_by(TimelineEvent.id)
        )
    )


@dataclass(frozen=True, slots=True)
class AssignmentView:
    """Who a case is assigned to and, for those who may reassign it, who it may be
    reassigned to (its delegation's active focal points)."""

    case: Case
    assignee: User | None
    choices: list[User]


def assignment_view(session: Session, user: User, reference: str) -> AssignmentView:
    """Any reader in scope sees the assignee (out of scope or absent: NotFound); only those
    who may reassign get the choices."""
    case = case_for(session, user, reference)
    return AssignmentView(case, case.assigned_to, assignable_users(session, user, case))


def assignable_users(session: Session, user: User, case: Case) -> list[User]:
    """Who ``user`` may assign ``case`` to: nobody unless they may reassign it."""
    if not has_permission(user, Permission.CASE_ASSIGN):
        return []
    return assignable_focal_points(session, case)
