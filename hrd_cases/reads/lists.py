"""The lists both faces show: the case list (one paging, one order, for the pages and the
API), name search, home pages and the calendar.

Every query is limited by ``auth.permissions.case_scope``; nothing here writes except the
audit entry of a name search. Names and other encrypted fields are decrypted only where a
screen shows them to a user in scope.
"""

from __future__ import annotations

import enum
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import cast

from sqlalchemy import String, func, literal, select, union_all
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session, joinedload, selectinload

from hrd_cases import audit
from hrd_cases.auth.permissions import (
    Permission,
    case_scope,
    has_permission,
    scope_countries,
    visible_defender_ids,
)
from hrd_cases.crypto import ErasedError
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain.states import (
    CaseState,
    HearingState,
    ReferralState,
    Stage,
    StatementState,
    awaiting_protection_decision,
)
from hrd_cases.domain.vocabulary import RiskLevel
from hrd_cases.models import (
    Case,
    CaseDefender,
    Defender,
    Delegation,
    Hearing,
    Referral,
    ReferralDecision,
    Role,
    Statement,
    StatementDecision,
    User,
    UserCountry,
)
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import check_case_links, search_defenders
from hrd_cases.workflow.case_steps import case_stage
from hrd_cases.workflow.deadlines import DeadlineKind, case_deadlines
from hrd_cases.workflow.service import template_of
from hrd_cases.workflow.templates import StrategyCatalogue, TemplateError, validate_directory

_ACTIONS = (
    joinedload(Case.delegation),
    joinedload(Case.assigned_to),
    selectinload(Case.threats),
    selectinload(Case.referrals),
    selectinload(Case.statements),
    selectinload(Case.hearings),
    selectinload(Case.profile_categories),
)


# Case list ----------------------------------------------------------------------------------
class CaseOrder(enum.StrEnum):
    """How the case list is sorted, the same on both faces."""

    OPENED = "opened"  # newest first (the default)
    RISK = "risk"  # critical first, then newest
    DEADLINE = "deadline"  # soonest open deadline first; cases without one last


@dataclass(frozen=True, slots=True)
class CaseFilters:
    """The filters of the case list, the same on both faces (absent: no filter)."""

    country: str | None = None
    stage: Stage | None = None
    risk: RiskLevel | None = None
    overdue: bool = False
    status: CaseState | None = None
    opened_from: datetime | None = None  # opened at or after
    opened_before: datetime | None = None  # opened strictly before
    mine: bool = False  # only the cases assigned to the user


@dataclass(frozen=True, slots=True)
class CaseRow:
    case: Case
    stage: Stage
    overdue: bool
    next_due: datetime | None = None  # the case's soonest open deadline
    # The primary defender's name, for a reader in scope; None when not shown or erased.
    name: str | None = None

    @property
    def awaiting_decision(self) -> bool:
        """Says "protection: awaiting decision" rather than just "protection"."""
        return awaiting_protection_decision([r.state for r in self.case.referrals])

    @property
    def assignee(self) -> User | None:
        return self.case.assigned_to


@dataclass(frozen=True, slots=True)
class CasePage:
    rows: list[CaseRow]
    page: int
    pages: int
    total: int


# Highest risk first (the enum's values do not sort that way as text): in Python and in SQL.
RISK_RANK = {RiskLevel.CRITICAL: 0, RiskLevel.HIGH: 1, RiskLevel.MEDIUM: 2, RiskLevel.LOW: 3}
_RISK_RANK = sql_case(RISK_RANK, value=Case.risk_level, else_=len(RISK_RANK))


def may_read_names(user: User) -> bool:
    """Names are shown to those who read cases (focal points, protection officers), for the
    cases in their scope; never to analysts, admins or auditors, whatever they ask for."""
    return has_permission(user, Permission.CASE_READ) and user.role in (
        Role.FOCAL_POINT,
        Role.PROTECTION_OFFICER,
    )


def primary_names(
    session: Session, vault: RecordVault, user: User, cases: list[Case]
) -> dict[uuid.UUID, str | None]:
    """Each case's primary defender (the first linked) by name, decrypted for ``user``.

    Callers pass cases already limited to the user's scope; the check is made again here so
    that no caller can hand a name to anyone else. One statement for every case's links and
    defenders (with their wrapped keys), each link's MAC checked before it is believed, one
    data-key unwrap per defender shown. Audited once per list, without the names."""
    if not cases or not may_read_names(user):
        return {}
    # The scope is applied again in the same statement that loads the links.
    links = session.scalars(
        select(CaseDefender)
        .join(Defender, Defender.id == CaseDefender.defender_id)
        .join(Case, Case.id == CaseDefender.case_id)
        .where(CaseDefender.case_id.in_([c.id for c in cases]), case_scope(user))
        .order_by(CaseDefender.case_id, Defender.created_at, Defender.reference)
    ).all()
    primary: dict[uuid.UUID, CaseDefender] = {}
    for link in links:
        primary.setdefault(link.case_id, link)
    check_case_links(
        session,
        vault,
        ((link.case_id, link.defender_id, link.link_mac) for link in primary.values()),
        actor_id=user.id,
    )
    names: dict[uuid.UUID, str | None] = {}
    for case_id, link in primary.items():
        defender = link.defender
        try:
            names[case_id] = None if defender.erased_at else vault.open_field(defender, "name")
        except ErasedError:
            names[case_id] = None
    if not names:
        return names
    with write_transaction(session):
        audit.record(
            session,
            "case.list_names",
            actor_id=user.id,
            object_type="case",
            details={"shown": sum(1 for n in names.values() if n)},
        )
    return names


def visible_countries(session: Session, user: User) -> list[str]:
    countries = scope_countries(user)
    if countries:
        # An officer: probe each covered country for one case in scope (an index lookup
        # each) instead of reading every case in scope for a DISTINCT.
        probes = [
            select(literal(c, String).label("country")).where(
                select(Case.id).where(case_scope(user), Case.country == c).exists()
            )
            for c in countries
        ]
        return sorted(session.scalars(union_all(*probes)))
    return list(
        session.scalars(
            select(Case.country).where(case_scope(user)).distinct().order_by(Case.country)
        )
    )


# One order for every face: newest first, ties broken by the reference (descending), so two
# cases opened at the same instant always come in the same order on the page and the API.
_NEWEST_FIRST = (Case.opened_at.desc(), Case.reference.desc())


def _count_cases(
    session: Session,
    user: User,
    statement,
    *,
    by_country: bool,
) -> int:
    """How many cases ``statement`` selects. For an officer, one count per covered country
    (an index-only range each) summed: counting ``country IN (...)`` made PostgreSQL hash
    every case in scope (~50 ms at 100,000 cases)."""
    countries = scope_countries(user) if by_country else None
    if not countries:
        return session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    counts = [statement.where(Case.country == c).with_only_columns(func.count()) for c in countries]
    return sum(session.scalars(union_all(*counts)))


def _page_of_cases(
    session: Session,
    user: User,
    statement,
    offset: int,
    limit: int,
) -> list[Case]:
    """One page of ``statement`` (cases in scope, filtered), newest first.

    An officer's scope is several whole countries: ``country IN (...) ORDER BY opened_at``
    cannot come from one index, so both databases sorted every case in scope (100,000) for
    25 rows. Instead each country gives its newest ``offset + limit`` cases from its
    (country, opened_at, reference) index, and the page is cut from their union."""
    countries = scope_countries(user)
    if not countries:
        ordered = statement.order_by(*_NEWEST_FIRST).options(*_ACTIONS)
        return list(session.scalars(ordered.limit(limit).offset(offset)))
    heads = [
        statement.where(Case.country == c)
        .with_only_columns(Case.id, Case.opened_at, Case.reference)
        .order_by(*_NEWEST_FIRST)
        .limit(offset + limit)
        .subquery()
        for c in countries
    ]
    merged = union_all(*(select(h.c.id, h.c.opened_at, h.c.reference) for h in heads)).subquery()
    ids: list[uuid.UUID] = list(
        session.scalars(
            select(merged.c.id)
            .order_by(merged.c.opened_at.desc(), merged.c.reference.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    if not ids:
        return []
    return list(
        session.scalars(
            select(Case).where(Case.id.in_(ids)).order_by(*_NEWEST_FIRST).options(*_ACTIONS)
        )
    )


def list_cases(
    session: Session,
    catalogue: StrategyCatalogue,
    user: User,
    filters: CaseFilters,
    *,
    page: int,
    page_size: int,
    only_ids: list[uuid.UUID] | None = None,
    now: datetime | None = None,
    order: CaseOrder = CaseOrder.OPENED,
    vault: RecordVault | None = None,
) -> CasePage:
    """Cases in scope, newest first (or by risk, or by deadline). Country, risk, status and
    "mine" filter and paginate in SQL. The stage, overdue and deadlines are derived from the
    actions (DESIGN: never typed by hand): when one of them filters or orders, the scope's
    cases are derived in Python, then paginated. With ``vault``, each row of the page carries
    its primary defender's name (:func:`primary_names`)."""
    now = now or utcnow()
    statement = select(Case).where(case_scope(user))
    if filters.country:
        statement = statement.where(Case.country == filters.country)
    if filters.risk:
        statement = statement.where(Case.risk_level == filters.risk)
    if filters.status is CaseState.OPEN:
        statement = statement.where(Case.closed_at.is_(None))
    elif filters.status is CaseState.CLOSED:
        statement = statement.where(Case.closed_at.is_not(None))
    if filters.opened_from is not None:
        statement = statement.where(Case.opened_at >= filters.opened_from)
    if filters.opened_before is not None:
        statement = statement.where(Case.opened_at < filters.opened_before)
    if filters.mine:
        statement = statement.where(Case.assigned_to_id == user.id)
    if only_ids is not None:
        statement = statement.where(Case.id.in_(only_ids))

    def row(case: Case) -> CaseRow:
        due = [d.due_at for d in case_deadlines(catalogue, case)]
        return CaseRow(case, case_stage(case), any(d < now for d in due), min(due, default=None))

    def named(rows: list[CaseRow]) -> list[CaseRow]:
        if vault is None:
            return rows
        names = primary_names(session, vault, user, [r.case for r in rows])
        return [CaseRow(r.case, r.stage, r.overdue, r.next_due, names.get(r.case.id)) for r in rows]

    ordered = statement.order_by(*_NEWEST_FIRST).options(*_ACTIONS)
    if not filters.stage and not filters.overdue and order is not CaseOrder.DEADLINE:
        total = _count_cases(session, user, statement, by_country=not filters.country)
        pages = max((total + page_size - 1) // page_size, 1)
        page = min(max(page, 1), pages)  # clamped: no absurd offsets
        offset = (page - 1) * page_size
        if order is CaseOrder.RISK:
            by_risk = statement.order_by(_RISK_RANK, *_NEWEST_FIRST).options(*_ACTIONS)
            cases = list(session.scalars(by_risk.limit(page_size).offset(offset)))
        elif filters.country or filters.mine:  # one index range gives the order directly
            cases = list(session.scalars(ordered.limit(page_size).offset(offset)))
        else:
            cases = _page_of_cases(session, user, statement, offset, page_size)
        return CasePage(named([row(c) for c in cases]), page, pages, total)
    rows = [row(case) for case in session.scalars(ordered)]
    if filters.stage:
        rows = [r for r in rows if r.stage is filters.stage]
    if filters.overdue:
        rows = [r for r in rows if r.overdue]
    if order is CaseOrder.RISK:
        rows.sort(key=lambda r: RISK_RANK[r.case.risk_level])  # stable: newest first within
    elif order is CaseOrder.DEADLINE:
        rows.sort(key=lambda r: (r.next_due is None, r.next_due or now))
    total = len(rows)
    pages = max((total + page_size - 1) // page_size, 1)
    page = min(max(page, 1), pages)
    start = (page - 1) * page_size
    return CasePage(named(rows[start : start + page_size]), page, pages, total)


@dataclass(frozen=True, slots=True)
class DefenderFound:
    reference: str
    name: str
    cases: list[str]  # references of the defender's cases in the searcher's scope


def find_defenders(
    session: Session, vault: RecordVault, user: User, name: str, *, limit: int
) -> list[DefenderFound]:
    """Defenders in scope found by name (blind index, scoped before any decryption), with
    their cases' references fetched in one query for all of them. Audited without the name:
    it never leaves this request (not logged, stored or echoed)."""
    matches = search_defenders(
        session, vault, name, visible_ids=visible_defender_ids(user), limit=limit
    )
    references: dict[uuid.UUID, list[str]] = {m.defender.id: [] for m in matches}
    if matches:
        rows = session.execute(
            select(
                CaseDefender.defender_id,
                Case.reference,
                CaseDefender.case_id,
                CaseDefender.link_mac,
            )
            .join(Case, Case.id == CaseDefender.case_id)
            .where(CaseDefender.defender_id.in_(list(references)), case_scope(user))
            .order_by(Case.reference)
        ).all()
        # Each link is checked before it is believed: a forged one fails loudly, audited.
        check_case_links(session, vault, ((r[2], r[0], r[3]) for r in rows), actor_id=user.id)
        for defender_id, reference, _, _ in rows:
            references[defender_id].append(reference)
    with write_transaction(session):
        audit.record(
            session,
            "defender.search",
            actor_id=user.id,
            object_type="defender",
            details={"results": len(matches)},
        )
    return [DefenderFound(m.defender.reference, m.name, references[m.defender.id]) for m in matches]


def case_ids_for_name(
    session: Session, vault: RecordVault, user: User, name: str
) -> list[uuid.UUID]:
    """Cases in scope concerning a defender found by name (blind index, scoped before any
    decryption), in one query for every match. The name never leaves this request."""
    matches = search_defenders(
        session, vault, name, visible_ids=visible_defender_ids(user), limit=50
    )
    if not matches:
        return []
    ids = [m.defender.id for m in matches]
    links = session.execute(
        select(CaseDefender.case_id, CaseDefender.defender_id, CaseDefender.link_mac)
        .join(Case, Case.id == CaseDefender.case_id)
        .where(CaseDefender.defender_id.in_(ids), case_scope(user))
    ).all()
    check_case_links(session, vault, links, actor_id=user.id)
    return [case_id for case_id, _, _ in links]


# Focal point home ---------------------------------------------------------------------------
# Part B of issue 16 adds "returned for revision" to referrals and statements: compared by
# value so that this read works before and after that state exists.
RETURNED = "returned"
RECENTLY_DECIDED = timedelta(days=30)


class TaskKind(enum.StrEnum):
    """What the focal point has to do next (the pages say it in words)."""

    RETURNED_REFERRAL = "returned_referral"  # edit and request again
    RETURNED_STATEMENT = "returned_statement"  # edit and submit again
    REFERRAL_DUE = "referral_due"  # the template's "refer within N hours" for the risk
    HEARING_TO_REPORT = "hearing_to_report"  # its date passed: observed or not?
    REPORT_DUE = "report_due"  # the observation report
    DRAFT_REFERRAL = "draft_referral"  # to finish and request
    DRAFT_STATEMENT = "draft_statement"  # to finish and submit


@dataclass(frozen=True, slots=True)
class UpcomingHearing:
    hearing: Hearing
    court: str | None


@dataclass(frozen=True, slots=True)
class Task:
    kind: TaskKind
    case: Case
    name: str | None  # the primary defender's, for this reader
    due_at: datetime | None  # when it is due, if the template sets a deadline
    since: datetime  # since when it has waited for the focal point
    anchor: str  # the case page's panel

    def overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at < now


@dataclass(frozen=True, slots=True)
class WaitingItem:
    """A referral or statement the focal point sent, waiting on protection officers."""

    kind: str  # "referral" or "statement"
    subject: Referral | Statement
    case: Case
    name: str | None
    since: datetime
    due_at: datetime
    approvals: int
    approvals_required: int
    approved_by: list[User]
    may_decide: list[User]  # officers covering the country who may still decide

    def overdue(self, now: datetime) -> bool:
        return self.due_at < now


@dataclass(frozen=True, slots=True)
class DecisionReason:
    """One officer's vote on a decided item, with its reason (decrypted for this reader)."""

    officer_id: int
    approve: bool
    reason: str | None
    officer: User | None = None  # filled in for the whole home at once


@dataclass(frozen=True, slots=True)
class DecidedItem:
    """A referral or statement approved or rejected lately, with every officer's reason."""

    kind: str  # "referral" or "statement"
    subject: Referral | Statement
    case: Case
    name: str | None
    approve: bool
    decided_at: datetime
    reasons: list[DecisionReason]


@dataclass(slots=True)
class FocalPointHome:
    needs_you: list[Task] = field(default_factory=list)
    waiting: list[WaitingItem] = field(default_factory=list)
    decided: list[DecidedItem] = field(default_factory=list)
    by_stage: dict[Stage, list[CaseRow]] = field(default_factory=dict)
    hearings: list[UpcomingHearing] = field(default_factory=list)
    unassigned: int = 0  # open cases of the delegation that nobody is answerable for


_HOME_LOADING = (
    *_ACTIONS,
    selectinload(Case.referrals).selectinload(Referral.decisions),
    selectinload(Case.statements).selectinload(Statement.decisions),
)


def focal_point_home(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    user: User,
    *,
    now: datetime | None = None,
) -> FocalPointHome:
    """The focal point's task list, over the open cases assigned to them (and those of the
    delegation nobody is assigned to): what needs them, apart from what waits on others;
    what was decided lately, with its reasons; their cases by stage; upcoming hearings."""
    now = now or utcnow()
    cases = list(
        session.scalars(
            select(Case)
            .where(
                case_scope(user),
                Case.closed_at.is_(None),
                (Case.assigned_to_id == user.id) | Case.assigned_to_id.is_(None),
            )
            .order_by(Case.opened_at)
            .options(*_HOME_LOADING)
        ).all()
    )
    home = FocalPointHome()
    names = primary_names(session, vault, user, cases)
    officers = _officers_for(session, {c.country for c in cases})
    unwrapped: dict[uuid.UUID, bytes] = {}
    for case in cases:
        name = names.get(case.id)
        if case.assigned_to_id is None:
            home.unassigned += 1
        home.needs_you += _tasks_of(catalogue, case, name, now)
        home.waiting += _waiting_of(catalogue, case, name, officers)
        home.decided += _decided_of(vault, case, name, now, unwrapped)
    home.needs_you.sort(key=lambda t: (not t.overdue(now), t.due_at or t.since + _NO_DEADLINE))
    home.waiting.sort(key=lambda w: w.since)
    home.decided.sort(key=lambda d: d.decided_at, reverse=True)
    home.decided = _with_officers(session, home.decided)
    rows = []
    for case in cases:
        due = [d.due_at for d in case_deadlines(catalogue, case)]
        rows.append(
            CaseRow(
                case,
                case_stage(case),
                any(d < now for d in due),
                min(due, default=None),
                names.get(case.id),
            )
        )
    # Overdue cases first within each stage, then oldest first.
    rows.sort(key=lambda r: (not r.overdue, r.case.opened_at))
    for stage in Stage:
        if stage is not Stage.CLOSED:
            home.by_stage[stage] = [r for r in rows if r.stage is stage]
    home.hearings = upcoming_hearings(session, vault, user, days=60)
    return home


# A task without a deadline sorts after the dated ones of the same age.
_NO_DEADLINE = timedelta(days=3650)


def _tasks_of(
    catalogue: StrategyCatalogue, case: Case, name: str | None, now: datetime
) -> list[Task]:
    tasks: list[Task] = []
    for deadline in case_deadlines(catalogue, case):
        # Decision deadlines are the officers' (waiting on others), not the focal point's.
        if deadline.kind is DeadlineKind.REFERRAL_DUE:
            # A draft already begun is the task, carrying the template's deadline.
            drafts = [r for r in case.referrals if r.state is ReferralState.DRAFT]
            kind = TaskKind.DRAFT_REFERRAL if drafts else TaskKind.REFERRAL_DUE
            tasks.append(Task(kind, case, name, deadline.due_at, case.opened_at, "referrals"))
        elif deadline.kind is DeadlineKind.OBSERVATION_REPORT:
            hearing = next(h for h in case.hearings if str(h.id) == deadline.subject_id)
            since = hearing.observed_at or hearing.scheduled_for
            tasks.append(Task(TaskKind.REPORT_DUE, case, name, deadline.due_at, since, "hearings"))
    for hearing in case.hearings:
        if hearing.state is HearingState.SCHEDULED and hearing.scheduled_for < now:
            tasks.append(
                Task(
                    TaskKind.HEARING_TO_REPORT,
                    case,
                    name,
                    None,
                    hearing.scheduled_for,
                    "hearings",
                )
            )
    for referral in case.referrals:
        if referral.state.value == RETURNED:
            since = referral.decided_at or referral.created_at
            tasks.append(Task(TaskKind.RETURNED_REFERRAL, case, name, None, since, "referrals"))
        elif referral.state is ReferralState.DRAFT and not any(
            t.kind is TaskKind.DRAFT_REFERRAL for t in tasks
        ):
            tasks.append(
                Task(TaskKind.DRAFT_REFERRAL, case, name, None, referral.created_at, "referrals")
            )
    for statement in case.statements:
        if statement.state.value == RETURNED:
            since = statement.decided_at or statement.created_at
            tasks.append(Task(TaskKind.RETURNED_STATEMENT, case, name, None, since, "statements"))
        elif statement.state is StatementState.DRAFT:
            tasks.append(
                Task(TaskKind.DRAFT_STATEMENT, case, name, None, statement.created_at, "statements")
            )
    return tasks


def _officers_for(session: Session, countries: set[str]) -> dict[str, list[User]]:
    """Active protection officers by covered country, in one statement."""
    if not countries:
        return {}
    found: dict[str, list[User]] = {c: [] for c in countries}
    for country, officer in session.execute(
        select(UserCountry.country, User)
        .join(User, User.id == UserCountry.user_id)
        .where(
            UserCountry.country.in_(sorted(countries)),
            User.role == Role.PROTECTION_OFFICER,
            User.is_active,
        )
        .order_by(User.display_name, User.id)
    ):
        found[country].append(officer)
    return found


def _waiting_of(
    catalogue: StrategyCatalogue,
    case: Case,
    name: str | None,
    officers: dict[str, list[User]],
) -> list[WaitingItem]:
    deadlines = template_of(catalogue, case).deadlines
    waiting: list[WaitingItem] = []
    subjects: list[tuple[str, Referral | Statement, datetime | None, int | None, int]] = [
        ("referral", r, r.requested_at, r.requested_by_id, deadlines.referral_decision_hours)
        for r in case.referrals
        if r.state is ReferralState.REQUESTED
    ] + [
        ("statement", s, s.submitted_at, s.submitted_by_id, deadlines.statement_decision_hours)
        for s in case.statements
        if s.state is StatementState.SUBMITTED
    ]
    for kind, subject, sent_at, sent_by, hours in subjects:
        since = sent_at or subject.created_at
        decided = {d.officer_id for d in subject.decisions}
        approvers = {d.officer_id for d in subject.decisions if d.approve}
        barred = {sent_by, subject.created_by_id} | decided  # four-eyes, and no second vote
        covering = officers.get(case.country, [])
        waiting.append(
            WaitingItem(
                kind,
                subject,
                case,
                name,
                since,
                since + timedelta(hours=hours),
                len(approvers),
                subject.approvals_required,
                [o for o in covering if o.id in approvers],
                [o for o in covering if o.id not in barred],
            )
        )
    return waiting


def _decided_of(
    vault: RecordVault,
    case: Case,
    name: str | None,
    now: datetime,
    unwrapped: dict[uuid.UUID, bytes],
) -> list[DecidedItem]:
    """Items decided in the last 30 days (approved or rejected as a whole, whatever came
    after), each officer's reason decrypted under the case's key (unwrapped once for the
    whole home page)."""
    found: list[DecidedItem] = []
    pairs: list[tuple[str, Referral | Statement]] = [
        *(("referral", r) for r in case.referrals),
        *(("statement", s) for s in case.statements),
    ]
    for kind, subject in pairs:
        if subject.decided_at is None or subject.decided_at < now - RECENTLY_DECIDED:
            continue
        reasons = []
        decisions: list[ReferralDecision | StatementDecision] = list(subject.decisions)
        for decision in sorted(decisions, key=lambda d: d.decided_at):
            try:
                reason = vault.open_field(decision, "reason", unwrapped=unwrapped)
            except ErasedError:
                reason = None
            reasons.append(DecisionReason(decision.officer_id, decision.approve, reason))
        # One rejection decides; an approval needs every vote the template asks for.
        approve = all(d.approve for d in subject.decisions)
        found.append(DecidedItem(kind, subject, case, name, approve, subject.decided_at, reasons))
    return found


def _with_officers(session: Session, items: list[DecidedItem]) -> list[DecidedItem]:
    """Who decided, in one statement for the whole list."""
    wanted = {r.officer_id for item in items for r in item.reasons}
    if not wanted:
        return items
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}
    return [
        replace(
            item,
            reasons=[replace(r, officer=people.get(r.officer_id)) for r in item.reasons],
        )
        for item in items
    ]


def upcoming_hearings(
    session: Session,
    vault: RecordVault,
    user: User,
    *,
    days: int | None = None,
    with_courts: bool = True,
) -> list[UpcomingHearing]:
    """Scheduled hearings from today on, in scope; courts decrypted for this user only, and
    not at all when the caller will not show them (the calendar file without opt-in)."""
    start = datetime.combine(utcnow().date(), datetime.min.time(), tzinfo=utcnow().tzinfo)
    statement = (
        select(Hearing)
        .join(Case, Case.id == Hearing.case_id)
        .where(
            case_scope(user),
            Case.closed_at.is_(None),
            Hearing.state == HearingState.SCHEDULED,
            Hearing.scheduled_for >= start,
        )
        .order_by(Hearing.scheduled_for)
    )
    if days is not None:
        statement = statement.where(Hearing.scheduled_for < start + timedelta(days=days))
    found = []
    for hearing in session.scalars(statement):
        court = None
        try:
            if with_courts:
                court = vault.open_field(hearing, "court")
        except ErasedError:
            court = None
        found.append(UpcomingHearing(hearing, court))
    return found


# Protection officer home --------------------------------------------------------------------
class QueueOrder(enum.StrEnum):
    """How an officer sorts the approval queue."""

    WAITING = "waiting"  # longest waiting first (the default)
    DEADLINE = "deadline"  # soonest decision deadline first
    RISK = "risk"  # critical cases first, then by deadline


@dataclass(frozen=True, slots=True)
class QueueItem:
    kind: str  # "referral" or "statement"
    subject: Referral | Statement
    case: Case
    waiting_since: datetime
    due_at: datetime
    requester: User | None
    approvals: int
    approvals_required: int
    mine: bool  # the officer requested or drafted it: four-eyes bars them
    decided: bool  # the officer already decided on it
    name: str | None = None  # the primary defender's, for this officer in scope

    def age(self, now: datetime) -> timedelta:
        return now - self.waiting_since

    def overdue(self, now: datetime) -> bool:
        return self.due_at < now


def approval_queue(
    session: Session,
    catalogue: StrategyCatalogue,
    user: User,
    *,
    order: QueueOrder = QueueOrder.WAITING,
    vault: RecordVault | None = None,
) -> list[QueueItem]:
    """Referrals and statements awaiting a decision in the officer's countries, each with
    its deadline from the case's own template, its case's risk level and (with ``vault``)
    its defender's name; longest waiting first, or by deadline or risk."""
    items: list[QueueItem] = []
    awaiting: tuple[tuple[type[Referral] | type[Statement], object], ...] = (
        (Referral, ReferralState.REQUESTED),
        (Statement, StatementState.SUBMITTED),
    )
    for model, state in awaiting:
        actions = session.scalars(
            select(model)
            .join(Case, Case.id == model.case_id)
            .where(case_scope(user), Case.closed_at.is_(None))
            .where(model.state == state)
        ).all()
        # select(model) over a tuple of two models is typed as their base class.
        items += [
            _queue_item(session, catalogue, user, cast(Referral | Statement, action))
            for action in actions
        ]
    if vault is not None:
        names = primary_names(
            session, vault, user, list({i.case.id: i.case for i in items}.values())
        )
        items = [replace(i, name=names.get(i.case.id)) for i in items]
    if order is QueueOrder.DEADLINE:
        return sorted(items, key=lambda i: (i.due_at, i.waiting_since))
    if order is QueueOrder.RISK:
        return sorted(items, key=lambda i: (RISK_RANK[i.case.risk_level], i.due_at))
    return sorted(items, key=lambda i: i.waiting_since)


def _queue_item(
    session: Session, catalogue: StrategyCatalogue, user: User, action: Referral | Statement
) -> QueueItem:
    """One queue row: a referral waits from its request, a statement from its submission."""
    deadlines = template_of(catalogue, action.case).deadlines
    if isinstance(action, Referral):
        kind, hours = "referral", deadlines.referral_decision_hours
        sent_at, sent_by = action.requested_at, action.requested_by_id
    else:
        kind, hours = "statement", deadlines.statement_decision_hours
        sent_at, sent_by = action.submitted_at, action.submitted_by_id
    since = sent_at or action.created_at
    return QueueItem(
        kind,
        action,
        action.case,
        since,
        since + timedelta(hours=hours),
        _user(session, sent_by or action.created_by_id),
        action.approvals_given,  # on the current revision: an edit clears earlier ones
        action.approvals_required,
        user.id in (sent_by, action.created_by_id),
        any(d.officer_id == user.id for d in action.current_decisions),
    )


def _user(session: Session, user_id: int | None) -> User | None:
    return None if user_id is None else session.get(User, user_id)


# Analyst home -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class QuarterCount:
    quarter: str  # "2026-Q3"
    count: int | None  # None: suppressed (1 to k-1 cases, or withheld by the release)
    released: bool = False  # the count is the release's published figure


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarters_between(first: date, last: date) -> list[str]:
    quarters = []
    year, q = first.year, (first.month - 1) // 3 + 1
    last_label = quarter_of(last)
    while True:
        label = f"{year}-Q{q}"
        quarters.append(label)
        if label == last_label or len(quarters) > 400:
            return quarters
        q += 1
        if q == 5:
            year, q = year + 1, 1


def cases_per_quarter(
    session: Session,
    *,
    k: int,
    today: date | None = None,
    released: Mapping[str, int | None] | None = None,
) -> list[QuarterCount]:
    """Cases opened per quarter, all countries: counts only, computed on the clear dates,
    with counts from 1 to k-1 suppressed exactly as the exports do (a small count can
    identify a defender). ``released``: for the released quarters (``2026Q3``), the figure
    their release publishes, shown instead of today's count, so that late entries cannot be
    worked out by comparing the two. Complete quarters only are offered for export; the
    current one is shown as in progress by the caller.

    Only the quarters without a release are counted, each in SQL over the opened_at index
    (a range count): never one row per case into Python, which cost ~1 s per visit at
    1,000,000 cases."""
    released = released or {}
    today = today or utcnow().date()
    first = session.scalar(select(func.min(Case.opened_at)))
    if first is None:
        return []
    found = []
    for q in quarters_between(first.date() if isinstance(first, datetime) else first, today):
        label = q.replace("-", "")
        if label in released:
            found.append(QuarterCount(q, released[label], released=True))
        else:
            live = _opened_in(session, q)
            found.append(QuarterCount(q, live if live == 0 or live >= k else None))
    return found


def _opened_in(session: Session, quarter: str) -> int:
    """Cases opened in a quarter ("2026-Q3"), UTC dates, as quarter_of reads them."""
    year, number = int(quarter[:4]), int(quarter[-1])
    start = datetime(year, 3 * number - 2, 1, tzinfo=UTC)
    end = (
        datetime(year + 1, 1, 1, tzinfo=UTC) if number == 4 else start.replace(month=3 * number + 1)
    )
    return (
        session.scalar(select(func.count()).where(Case.opened_at >= start, Case.opened_at < end))
        or 0
    )


# Admin home ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AdminHome:
    users: list[User]
    delegations: list[tuple[Delegation, int]]
    roles: dict[Role, int]
    template_problems: list[str]
    templates: list[tuple[str, str, int]]  # code, name, versions


def admin_home(session: Session, catalogue: StrategyCatalogue, strategies_dir) -> AdminHome:
    users = list(session.scalars(select(User).order_by(User.role, User.email)))
    delegations = [
        (delegation, count)
        for delegation, count in session.execute(
            select(Delegation, func.count(User.id))
            .outerjoin(User, User.delegation_id == Delegation.id)
            .group_by(Delegation.id)
            .order_by(Delegation.code)
        ).all()
    ]
    roles = Counter(u.role for u in users)
    try:
        problems = validate_directory(strategies_dir)
    except (OSError, TemplateError) as exc:  # a missing directory is a problem to show
        problems = [type(exc).__name__]
    templates = [(s.code, s.name, len(s.versions)) for s in catalogue]
    return AdminHome(users, delegations, dict(roles), problems, templates)
