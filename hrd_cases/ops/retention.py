"""Retention: crypto-shred the personal data of cases closed longer ago than the retention
period of the template version they were opened under.

What is destroyed is exactly what ``records.defenders`` erasure destroys: the case's data key
(narrative, closure reason, justifications, courts, charges, reports, consent notes,
unpublished drafts) and the data key of each of its defenders who is in no live case (a
defender also concerned by an open case, or by one not yet due, keeps their record). The clear
categories stay, so aggregates do not change. Each case is shredded in its own audited
transaction after re-checking, under its row lock, that it is still closed and due (a case
reopened meanwhile is left alone). A run that finds nothing to do changes nothing: the command
is idempotent, and a killed run is finished by running it again.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, false, func, not_, or_, select
from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.db import scrub_freed_copies, utcnow, write_transaction
from hrd_cases.models import Case, CaseDefender, DataKey, Defender
from hrd_cases.records.defenders import (
    ERASED_TABLES,
    ErasureReason,
    erase_case_content,
    erase_defender_record,
)
from hrd_cases.records.keys import DEFAULT_RETIRE_WITHIN, schedule_kek_retirement
from hrd_cases.workflow.service import add_event
from hrd_cases.workflow.templates import StrategyCatalogue


def years_before(moment: datetime, years: int) -> datetime:
    """The same calendar moment ``years`` earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def due_clause(catalogue: StrategyCatalogue, now: datetime) -> ColumnElement[bool]:
    """SQL: the case is closed and its closure is older than its template's retention.

    A case under a template version the catalogue no longer has is never due: nothing is
    shredded without a rule that says so.
    """
    per_version = [
        and_(
            Case.template_code == strategy.code,
            Case.template_version == version.version,
            Case.closed_at <= years_before(now, version.retention_years),
        )
        for strategy in catalogue
        for version in strategy.versions
    ]
    return and_(Case.closed_at.is_not(None), or_(false(), *per_version))


def _known_template(catalogue: StrategyCatalogue) -> ColumnElement[bool]:
    return or_(
        false(),
        *(
            and_(Case.template_code == s.code, Case.template_version == v.version)
            for s in catalogue
            for v in s.versions
        ),
    )


def _erasable_defenders(due: ColumnElement[bool]):
    """Defenders not yet erased, linked to a due case and to no live (not due) case."""
    # correlate(None): these subqueries stand alone even inside a query on cases/defenders.
    in_due = select(CaseDefender.defender_id).join(Case).where(due).correlate(None)
    in_live = select(CaseDefender.defender_id).join(Case).where(not_(due)).correlate(None)
    return (
        select(Defender.id)
        .where(Defender.erased_at.is_(None), Defender.id.in_(in_due), Defender.id.not_in(in_live))
        .correlate(None)
    )


@dataclass(slots=True)
class RetentionReport:
    dry_run: bool
    cases: int = 0
    case_contents: int = 0
    defenders: int = 0
    defenders_kept: int = 0
    unknown_template: int = 0
    by_template: Counter[str] = field(default_factory=Counter)
    # When the KEK that wrapped the shredded keys leaves the keyring (None: nothing shredded).
    kek_retired_by: datetime | None = None

    def lines(self) -> list[str]:
        """Counts and template codes only: never a name, never a reference."""
        verb = "would shred" if self.dry_run else "shredded"
        lines = [
            f"retention ({'dry run, nothing changed' if self.dry_run else 'applied'}): {verb} "
            f"{self.cases} closed cases past retention ({self.case_contents} case contents, "
            f"{self.defenders} defenders); {self.defenders_kept} defenders kept because "
            "another live case concerns them"
        ]
        lines += [
            f"  template {template}: {count} cases"
            for template, count in sorted(self.by_template.items())
        ]
        if self.kek_retired_by is not None:
            lines.append(
                "  unreadable in the application now; unrecoverable from every copy (backups, "
                f"WAL) once the old key is retired by {self.kek_retired_by:%Y-%m-%d %H:%M} UTC"
            )
        if self.unknown_template:
            lines.append(
                f"  {self.unknown_template} closed cases use a template version no longer in "
                "config/strategies: left alone"
            )
        return lines


def apply_retention(
    session: Session,
    catalogue: StrategyCatalogue,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    retire_within: timedelta = DEFAULT_RETIRE_WITHIN,
) -> RetentionReport:
    """Shred what is due; then, as an erasure does, schedule the retirement of the KEK that
    wrapped the destroyed keys and drop the old row versions (WAL checkpoint or VACUUM)."""
    now = now or utcnow()
    due = due_clause(catalogue, now)
    erasable = _erasable_defenders(due)
    has_erasable = exists().where(
        CaseDefender.case_id == Case.id, CaseDefender.defender_id.in_(erasable)
    )
    work = session.execute(
        select(Case.id, Case.template_code, Case.template_version, DataKey.wrapped_key.is_not(None))
        .join(DataKey, Case.data_key_id == DataKey.id)
        .where(due, or_(DataKey.wrapped_key.is_not(None), has_erasable))
        .order_by(Case.closed_at, Case.id)
    ).all()
    report = RetentionReport(dry_run=dry_run)
    report.unknown_template = (
        session.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.closed_at.is_not(None), not_(_known_template(catalogue)))
        )
        or 0
    )
    report.defenders_kept = (
        session.scalar(
            select(func.count(func.distinct(CaseDefender.defender_id)))
            .join(Case)
            .join(Defender, Defender.id == CaseDefender.defender_id)
            .where(due, Defender.erased_at.is_(None), CaseDefender.defender_id.not_in(erasable))
        )
        or 0
    )
    if dry_run:
        report.cases = len(work)
        report.case_contents = sum(1 for row in work if row[3])
        report.defenders = (
            session.scalar(select(func.count()).select_from(erasable.subquery())) or 0
        )
        report.by_template.update(f"{code} v{version}" for _, code, version, _ in work)
        session.rollback()
        return report

    if on_start:
        on_start(len(work))
    kek_versions: set[int] = set()
    for case_id, code, version, _ in work:
        shredded = _shred_case(session, catalogue, case_id, now, kek_versions)
        if shredded is not None:
            report.cases += 1
            report.case_contents += shredded[0]
            report.defenders += shredded[1]
            report.by_template[f"{code} v{version}"] += 1
        if on_progress:
            on_progress(1)
    with write_transaction(session):
        if kek_versions:
            report.kek_retired_by = schedule_kek_retirement(
                session, max(kek_versions), within=retire_within
            )
        audit.record(
            session,
            "retention.apply",
            details={
                "cases": report.cases,
                "case_contents": report.case_contents,
                "defenders": report.defenders,
            },
        )
    if kek_versions:
        scrub_freed_copies(session, ERASED_TABLES)
    return report


def _shred_case(
    session: Session,
    catalogue: StrategyCatalogue,
    case_id: uuid.UUID,
    now: datetime,
    kek_versions: set[int] | None = None,
) -> tuple[int, int] | None:
    """One case in one transaction; None if it is no longer due (reopened meanwhile)."""
    due = due_clause(catalogue, now)
    kek_versions = set() if kek_versions is None else kek_versions
    with write_transaction(session):
        case = session.scalar(
            select(Case)
            .where(Case.id == case_id, due)
            .with_for_update(of=Case)
            .execution_options(populate_existing=True)
        )
        if case is None:
            return None
        if case.data_key.wrapped_key is not None:
            kek_versions.add(case.data_key.kek_version)
        contents = erase_case_content(case)
        erasable = set(
            session.scalars(
                _erasable_defenders(due).where(
                    Defender.id.in_(
                        select(CaseDefender.defender_id).where(CaseDefender.case_id == case.id)
                    )
                )
            )
        )
        erased = 0
        for defender in case.defenders:
            if defender.id in erasable and defender.erased_at is None:
                kek_versions.add(defender.data_key.kek_version)
            if defender.id in erasable and erase_defender_record(defender):
                erased += 1
                audit.record(
                    session,
                    "defender.erase",
                    object_type="defender",
                    object_id=defender.reference,
                    details={
                        "reason": ErasureReason.RETENTION_EXPIRED.value,
                        "cases_erased": 0,
                    },
                )
        add_event(
            session,
            case,
            None,
            "case.retention_shredded",
            details={"content": bool(contents), "defenders": erased},
        )
        audit.record(
            session,
            "retention.shred",
            object_type="case",
            object_id=case.reference,
            details={
                "template": f"{case.template_code} v{case.template_version}",
                "content": bool(contents),
                "defenders": erased,
                "reason": ErasureReason.RETENTION_EXPIRED.value,
            },
        )
    return contents, erased
