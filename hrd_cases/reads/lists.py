"""The lists both faces show: the case list (one paging, one order, for the pages and the
API), name search, home pages and the calendar.

Every query is limited by ``auth.permissions.case_scope``; nothing here writes except the
audit entry of a name search. Names and other encrypted fields are decrypted only where a
screen shows them to a user in scope.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import String, func, literal, select, union_all
from sqlalchemy.orm import Session, joinedload, selectinload

from hrd_cases import audit
from hrd_cases.auth.permissions import case_scope, scope_countries, visible_defender_ids
from hrd_cases.crypto import ErasedError
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain.states import (
    CaseState,
    HearingState,
    ReferralState,
    Stage,
    StatementState,
)
from hrd_cases.domain.vocabulary import RiskLevel
from hrd_cases.models import (
    Case,
    CaseDefender,
    Delegation,
    Hearing,
    Referral,
    Role,
    Statement,
    User,
)
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import check_case_links, search_defenders
from hrd_cases.workflow.case_steps import case_stage
from hrd_cases.workflow.deadlines import Deadline, case_deadlines
from hrd_cases.workflow.service import template_of
from hrd_cases.workflow.templates import StrategyCatalogue, TemplateError, validate_directory

_ACTIONS = (
    joinedload(Case.delegation),
    selectinload(Case.threats),
    selectinload(Case.referrals),
    selectinload(Case.statements),
    selectinload(Case.hearings),
    selectinload(Case.profile_categories),
)


# Case list ----------------------------------------------------------------------------------
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


@dataclass(frozen=True, slots=True)
class CaseRow:
    case: Case
    stage: Stage
    overdue: bool


@dataclass(frozen=True, slots=True)
class CasePage:
    rows: list[CaseRow]
    page: int
    pages: int
    total: int


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
) -> CasePage:
    """Cases in scope, newest first. Country and risk filter and paginate in SQL. The stage
    and overdue are derived from the actions (DESIGN: never typed by hand): when one of them
    filters, the scope's cases are derived in Python, then paginated."""
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
    if only_ids is not None:
        statement = statement.where(Case.id.in_(only_ids))

    def row(case: Case) -> CaseRow:
        overdue = any(d.due_at < now for d in case_deadlines(catalogue, case))
        return CaseRow(case, case_stage(case), overdue)

    ordered = statement.order_by(*_NEWEST_FIRST).options(*_ACTIONS)
    if not filters.stage and not filters.overdue:
        total = _count_cases(session, user, statement, by_country=not filters.country)
        pages = max((total + page_size - 1) // page_size, 1)
        page = min(max(page, 1), pages)  # clamped: no absurd offsets
        if filters.country:  # one country: its index range gives the order directly
            cases = list(session.scalars(ordered.limit(page_size).offset((page - 1) * page_size)))
        else:
            cases = _page_of_cases(session, user, statement, (page - 1) * page_size, page_size)
        return CasePage([row(c) for c in cases], page, pages, total)
    rows = [row(case) for case in session.scalars(ordered)]
    if filters.stage:
        rows = [r for r in rows if r.stage is filters.stage]
    if filters.overdue:
        rows = [r for r in rows if r.overdue]
    total = len(rows)
    pages = max((total + page_size - 1) // page_size, 1)
    page = min(max(page, 1), pages)
    start = (page - 1) * page_size
    return CasePage(rows[start : start + page_size], page, pages, total)


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
        check_case_links(
            session, vault, ((r[2], r[0], r[3]) for r in rows), actor_id=user.id
        )
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
@dataclass(frozen=True, slots=True)
class UpcomingHearing:
    hearing: Hearing
    court: str | None


@dataclass(slots=True)
class FocalPointHome:
    by_stage: dict[Stage, list[CaseRow]] = field(default_factory=dict)
    overdue: list[Deadline] = field(default_factory=list)
    hearings: list[UpcomingHearing] = field(default_factory=list)


def focal_point_home(
    session: Session, vault: RecordVault, catalogue: StrategyCatalogue, user: User
) -> FocalPointHome:
    now = utcnow()
    cases = session.scalars(
        select(Case)
        .where(case_scope(user), Case.closed_at.is_(None))
        .order_by(Case.opened_at)
        .options(*_ACTIONS)
    ).all()
    home = FocalPointHome()
    overdue_refs: set[str] = set()
    for case in cases:
        for deadline in case_deadlines(catalogue, case):
            if deadline.due_at < now:
                home.overdue.append(deadline)
                overdue_refs.add(case.reference)
    home.overdue.sort(key=lambda d: d.due_at)
    rows = [CaseRow(c, case_stage(c), c.reference in overdue_refs) for c in cases]
    # Overdue cases first within each stage, then oldest first.
    rows.sort(key=lambda r: (not r.overdue, r.case.opened_at))
    for stage in Stage:
        if stage is Stage.CLOSED:
            continue
        home.by_stage[stage] = [r for r in rows if r.stage is stage]
    home.hearings = upcoming_hearings(session, vault, user, days=60)
    return home


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

    def age(self, now: datetime) -> timedelta:
        return now - self.waiting_since

    def overdue(self, now: datetime) -> bool:
        return self.due_at < now


def approval_queue(session: Session, catalogue: StrategyCatalogue, user: User) -> list[QueueItem]:
    """Referrals and statements awaiting a decision in the officer's countries, oldest
    first, each with its deadline from the case's own template."""
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
        sum(1 for d in action.decisions if d.approve),
        action.approvals_required,
        user.id in (sent_by, action.created_by_id),
        any(d.officer_id == user.id for d in action.decisions),
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
    current one is shown as in progress by the caller."""
    released = released or {}
    today = today or utcnow().date()
    opened = [
        d.date() if isinstance(d, datetime) else d for d in session.scalars(select(Case.opened_at))
    ]
    if not opened:
        return []
    counts = Counter(quarter_of(d) for d in opened)
    found = []
    for q in quarters_between(min(opened), today):
        label = q.replace("-", "")
        if label in released:
            found.append(QuarterCount(q, released[label], released=True))
        else:
            live = counts.get(q, 0)
            found.append(QuarterCount(q, live if live == 0 or live >= k else None))
    return found


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
