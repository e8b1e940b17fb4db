"""Frozen quarterly releases: the only way a quarter's figures leave the system for good.

    release = release_quarter(session, "2026Q3", actor=None, via="cli", ...)   # once
    export = download_release(session, "2026Q3", "xlsx", actor=analyst, via="web")

A quarter can be released once it has closed and the lag for late entries has passed. The
release computes the tables over the whole quarter, protects and audits them, renders every
format and stores the bytes with their SHA-256; every later download serves those bytes after
checking the hash, whatever happened to the data since. A revision is an explicit new version
that states what changed; its audit protects every cell that moved by a small amount since the
previous version, so that the difference between the two discloses nothing. Until a quarter is
released, analysts may see a provisional preview, marked as such on every page and sheet.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.audit.log import Outcome
from hrd_cases.auth.permissions import Permission, has_permission
from hrd_cases.db import begin_write, utcnow
from hrd_cases.domain.errors import Forbidden
from hrd_cases.domain.text_input import TextRejected, clean_text, rule_for
from hrd_cases.exports.labels import ENGLISH, LANGUAGES, check_language
from hrd_cases.exports.quarter import (
    ExportError,
    Quarter,
    ReleaseConflict,
    ReleaseNotFound,
    export_window,
    parse_quarter,
)
from hrd_cases.exports.queries import Counts, collect
from hrd_cases.exports.regions import RegionMap, RegionsFileError, regions_from
from hrd_cases.exports.report import PROVISIONAL, QuarterlyReport, build_report
from hrd_cases.exports.service import (
    EXPORT_FORMATS,
    ExportFile,
    check_k,
    export_format,
)
from hrd_cases.exports.texts import localised
from hrd_cases.models import QuarterlyRelease, ReleaseFile, User
from hrd_cases.workflow.templates import StrategyCatalogue

RELEASE_ACTION = "export.release"
DOWNLOAD_ACTION = "export.download"
PREVIEW_ACTION = "export.preview"
REASON_RULE = rule_for("quarterly_releases", "reason")


def releasable_from(quarter: Quarter, lag_days: int) -> date:
    """The first day a quarter may be released: after it closes and late entries came in."""
    return quarter.next_first_day + timedelta(days=lag_days)


def latest_release(session: Session, quarter: Quarter) -> QuarterlyRelease | None:
    return session.scalar(
        select(QuarterlyRelease)
        .where(QuarterlyRelease.quarter == quarter.label)
        .order_by(QuarterlyRelease.version.desc())
        .limit(1)
    )


def releases(session: Session) -> list[QuarterlyRelease]:
    """Every version of every release, newest quarter first (for the analyst's page)."""
    return list(
        session.scalars(
            select(QuarterlyRelease).order_by(
                QuarterlyRelease.quarter.desc(), QuarterlyRelease.version.desc()
            )
        )
    )


def _check_actor(session: Session, actor: User | None, action: str, quarter: Quarter) -> None:
    if actor is not None and not has_permission(actor, Permission.EXPORT_AGGREGATES):
        _audit(session, action, actor, quarter, Outcome.REFUSED, {})
        raise Forbidden(f"role {actor.role.value} lacks {Permission.EXPORT_AGGREGATES.value}")


def release_quarter(
    session: Session,
    quarter: Quarter | str,
    *,
    actor: User | None,
    via: str,
    catalogue: StrategyCatalogue,
    k: int,
    p: int,
    lag_days: int,
    today: date | None = None,
    reason: str | None = None,
    on_stage: Callable[[str], None] = lambda _: None,
    regions: RegionMap | None = None,
) -> QuarterlyRelease:
    """Release a quarter (version 1), or revise it (``reason`` given: a new version)."""
    if isinstance(quarter, str):
        quarter = parse_quarter(quarter)
    check_k(k)
    _check_actor(session, actor, RELEASE_ACTION, quarter)
    today = today or utcnow().date()
    opens = releasable_from(quarter, lag_days)
    if today < opens:
        raise ReleaseConflict(
            f"{quarter.label} cannot be released before {opens.isoformat()}: the quarter must "
            f"close and {lag_days} days must pass for late entries"
        )
    previous = latest_release(session, quarter)
    reason = (reason or "").strip() or None
    if previous is not None and reason is None:
        raise ReleaseConflict(
            f"{quarter.label} is already released (version {previous.version}); a revision "
            "must state what changed"
        )
    if previous is None and reason is not None:
        raise ReleaseConflict(f"{quarter.label} is not released yet: there is nothing to revise")
    if reason is not None:
        # The input policy every other text follows, so the API document can declare it.
        try:
            reason = clean_text(reason, REASON_RULE)
        except TextRejected as exc:
            raise ExportError(f"the reason: {exc.message}") from None
    window = export_window(quarter, quarter.last_day)
    raw = collect(session, window, catalogue, on_stage)
    on_stage("disclosure control and audit")
    report = build_report(
        raw,
        quarter=quarter,
        as_of=quarter.last_day,
        window=window,
        k=k,
        p=p,
        changed_since=_counts_from_text(previous.true_counts) if previous else None,
        regions=regions,
        earlier=earlier_headlines(session, quarter),
    )
    version = previous.version + 1 if previous else 1
    report = replace(report, version=version, released_on=today, revision_reason=reason)
    on_stage("rendering every format")
    bodies = {}
    for language in LANGUAGES:
        translated = localised(report, language)  # once per language, for its five formats
        for name, fmt in EXPORT_FORMATS.items():
            bodies[stored_name(name, language)] = fmt.render(translated)
    begin_write(session)
    try:
        release = QuarterlyRelease(
            quarter=quarter.label,
            version=version,
            released_by_id=actor.id if actor else None,
            k=k,
            p=p,
            reason=reason,
            content_sha256=_sha256(bodies["json"]),
            true_counts=_counts_to_text(raw.counts),
        )
        release.files = [
            ReleaseFile(format=name, body=body, sha256=_sha256(body))
            for name, body in bodies.items()
        ]
        session.add(release)
        session.flush()
        details: dict[str, str | int | bool | None] = {
            "version": version,
            "k": k,
            "p": p,
            "via": via,
            "sha256": release.content_sha256,
            "revision": reason is not None,
        }
        audit.record(
            session,
            RELEASE_ACTION,
            actor_id=actor.id if actor else None,
            object_type="quarterly_release",
            object_id=quarter.label,
            details=details,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return release


def stored_name(fmt: str, language: str) -> str:
    """A release file's key: the format for English ("xlsx"), with the language after a dot
    for the others ("xlsx.fr"). Each language's bytes are stored and hashed on their own."""
    return fmt if language == ENGLISH else f"{fmt}.{language}"


def download_release(
    session: Session,
    quarter: Quarter | str,
    fmt: str,
    *,
    actor: User | None,
    via: str,
    version: int | None = None,
    language: str = ENGLISH,
) -> ExportFile:
    """The stored bytes of a release (the latest version unless one is named), after checking
    their SHA-256; a mismatch is refused and audited, never served."""
    if isinstance(quarter, str):
        quarter = parse_quarter(quarter)
    export_as = export_format(fmt)
    language = check_language(language)
    _check_actor(session, actor, DOWNLOAD_ACTION, quarter)
    query = select(QuarterlyRelease).where(QuarterlyRelease.quarter == quarter.label)
    if version is None:
        query = query.order_by(QuarterlyRelease.version.desc()).limit(1)
    else:
        query = query.where(QuarterlyRelease.version == version)
    release = session.scalar(query)
    if release is None:
        raise ReleaseNotFound(
            f"{quarter.label} is not released: only a released quarter can be downloaded"
            if version is None
            else f"{quarter.label} has no version {version}"
        )
    key = stored_name(export_as.name, language)
    # The one file asked for: not the release's ten (five formats, two languages).
    stored = session.scalar(
        select(ReleaseFile).where(ReleaseFile.release_id == release.id, ReleaseFile.format == key)
    )
    if stored is None:
        # A release made before exports had languages holds English only.
        raise ReleaseConflict(
            f"release {quarter.label} version {release.version} has no {language} version: "
            "revise the release to add it"
        )
    details: dict[str, str | int | bool | None] = {
        "version": release.version,
        "format": export_as.name,
        "language": language,
        "via": via,
        "sha256": stored.sha256,
    }
    intact = _sha256(stored.body) == stored.sha256
    if key == "json":
        intact = intact and stored.sha256 == release.content_sha256
    body = stored.body
    _audit(
        session,
        DOWNLOAD_ACTION,
        actor,
        quarter,
        Outcome.SUCCESS if intact else Outcome.FAILURE,
        details,
    )
    if not intact:
        raise ExportError(
            f"release {quarter.label} version {release.version} ({export_as.name}) failed its "
            "integrity check and was not served"
        )
    suffix = "" if language == ENGLISH else f"-{language}"
    filename = f"hrd-release-{quarter.label}-v{release.version}{suffix}.{export_as.extension}"
    return ExportFile(filename, export_as.content_type, body)


def provisional_preview(
    session: Session,
    quarter: Quarter | str,
    fmt: str,
    *,
    actor: User,
    via: str,
    catalogue: StrategyCatalogue,
    k: int,
    p: int,
    today: date | None = None,
    regions: RegionMap | None = None,
    language: str = ENGLISH,
) -> ExportFile:
    """An analyst's look at an unreleased quarter's current figures, protected and audited like
    a release, and marked provisional on every page and sheet. Never for an operator or a
    script: the API and the CLI serve releases only."""
    if isinstance(quarter, str):
        quarter = parse_quarter(quarter)
    export_as = export_format(fmt)
    language = check_language(language)
    if actor.role.value != "analyst":
        _audit(session, PREVIEW_ACTION, actor, quarter, Outcome.REFUSED, {})
        raise Forbidden("only analysts may see a provisional preview")
    _check_actor(session, actor, PREVIEW_ACTION, quarter)
    if latest_release(session, quarter) is not None:
        raise ReleaseConflict(f"{quarter.label} is released: download the release")
    today = today or utcnow().date()
    if today < quarter.first_day:
        raise ReleaseConflict(f"{quarter.label} has not started")
    window = export_window(quarter, today)
    raw = collect(session, window, catalogue)
    report: QuarterlyReport = build_report(
        raw,
        quarter=quarter,
        as_of=min(today, quarter.last_day),
        window=window,
        k=k,
        p=p,
        regions=regions,
        earlier=earlier_headlines(session, quarter),
    )
    report = localised(replace(report, status=PROVISIONAL, version=0), language)
    body = export_as.render(report)
    _audit(
        session,
        PREVIEW_ACTION,
        actor,
        quarter,
        Outcome.SUCCESS,
        {"format": export_as.name, "language": language, "via": via, "sha256": _sha256(body)},
    )
    suffix = "" if language == ENGLISH else f"-{language}"
    filename = f"hrd-PROVISIONAL-{quarter.label}-{today.isoformat()}{suffix}.{export_as.extension}"
    return ExportFile(filename, export_as.content_type, body)


def comparison_quarters(quarter: Quarter) -> tuple[Quarter, ...]:
    """The quarters a headline compares with: the previous one and the year's earlier ones."""
    found = {Quarter(quarter.year, n) for n in range(1, quarter.number)}
    found.add(
        Quarter(quarter.year - 1, 4)
        if quarter.number == 1
        else Quarter(quarter.year, quarter.number - 1)
    )
    return tuple(sorted(found))


def released_documents(
    session: Session, quarters: tuple[Quarter, ...]
) -> dict[str, dict[str, Any]]:
    """The JSON documents of the latest versions of these quarters' releases, by quarter,
    after checking their hashes: published figures only, as anyone holding them has them."""
    labels = [q.label for q in quarters]
    latest = (
        select(QuarterlyRelease.quarter, func.max(QuarterlyRelease.version))
        .where(QuarterlyRelease.quarter.in_(labels))
        .group_by(QuarterlyRelease.quarter)
    )
    found: dict[str, dict[str, Any]] = {}
    for label, version in session.execute(latest).all():
        stored = session.execute(
            select(ReleaseFile.body, ReleaseFile.sha256)
            .join(QuarterlyRelease, ReleaseFile.release_id == QuarterlyRelease.id)
            .where(
                QuarterlyRelease.quarter == label,
                QuarterlyRelease.version == version,
                ReleaseFile.format == "json",
            )
        ).one()
        if _sha256(stored.body) != stored.sha256:
            raise ExportError(f"release {label} version {version} failed its integrity check")
        found[label] = json.loads(stored.body)
    return found


def earlier_headlines(session: Session, quarter: Quarter) -> dict[str, Mapping[str, Any]]:
    """The headline objects of the releases a quarter's headline compares with (a release from
    before headlines existed has none: its comparisons read 'n/a')."""
    documents = released_documents(session, comparison_quarters(quarter))
    return {label: doc["headline"] for label, doc in documents.items() if doc.get("headline")}


def released_cases_opened(session: Session) -> dict[str, int | None]:
    """Cases opened in each released quarter, all countries, exactly as its latest release
    publishes them (None: withheld there; a release from before the headline: absent). The
    analyst's home page shows these, so it says nothing the releases do not, and nothing that
    moves once a quarter is released.

    Read on every visit of the home page, so the stored documents are not: one query gives
    each quarter's latest version and the SHA-256 of its JSON, and the figure is taken from a
    document only the first time this process meets that hash (read, checked against its
    hash, parsed, then remembered by hash: a hash names the bytes, so the figure cannot go
    stale; a revision has another hash)."""
    latest = (
        select(QuarterlyRelease.quarter, func.max(QuarterlyRelease.version).label("version"))
        .group_by(QuarterlyRelease.quarter)
        .subquery()
    )
    rows = session.execute(
        select(QuarterlyRelease.id, QuarterlyRelease.quarter, QuarterlyRelease.content_sha256)
        .join(
            latest,
            (QuarterlyRelease.quarter == latest.c.quarter)
            & (QuarterlyRelease.version == latest.c.version),
        )
        .order_by(QuarterlyRelease.quarter)
    ).all()
    found: dict[str, int | None] = {}
    for release_id, label, content_sha256 in rows:
        if content_sha256 not in _CASES_OPENED:
            if len(_CASES_OPENED) >= _CASES_OPENED_MAX:
                _CASES_OPENED.clear()
            _CASES_OPENED[content_sha256] = _cases_opened_of(session, release_id, label)
        figure = _CASES_OPENED[content_sha256]
        if figure is not _NO_HEADLINE:
            found[label] = figure  # type: ignore[assignment]
    return found


_NO_HEADLINE = object()
_CASES_OPENED: dict[str, object] = {}  # JSON SHA-256 -> cases opened (int, None, _NO_HEADLINE)
_CASES_OPENED_MAX = 1024


def _cases_opened_of(session: Session, release_id: object, label: str) -> object:
    stored = session.execute(
        select(ReleaseFile.body, ReleaseFile.sha256, QuarterlyRelease.content_sha256)
        .join(QuarterlyRelease, ReleaseFile.release_id == QuarterlyRelease.id)
        .where(ReleaseFile.release_id == release_id, ReleaseFile.format == "json")
    ).one()
    digest = _sha256(stored.body)
    if digest != stored.sha256 or digest != stored.content_sha256:
        raise ExportError(f"release {label} failed its integrity check")
    headline = json.loads(stored.body).get("headline")
    if not headline:
        return _NO_HEADLINE
    total = next(r for r in headline["rows"] if r["level"] == "all")
    value = total["values"]["cases_opened"]
    return value if isinstance(value, int) else None


def configured_regions(path: object) -> RegionMap:
    """The instance's regions file, a bad one refused in one line naming it."""
    try:
        return regions_from(str(path))
    except RegionsFileError as exc:
        raise ExportError(str(exc)) from None


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _counts_to_text(counts: Mapping[str, Counts]) -> str:
    return json.dumps(
        {
            family: sorted([country, column, n] for (country, column), n in grid.items())
            for family, grid in sorted(counts.items())
        },
        separators=(",", ":"),
    )


def _counts_from_text(text: str) -> dict[str, Counts]:
    return {
        family: {(country, column): int(n) for country, column, n in rows}
        for family, rows in json.loads(text).items()
    }


def _audit(
    session: Session,
    action: str,
    actor: User | None,
    quarter: Quarter,
    outcome: Outcome,
    details: dict[str, str | int | bool | None],
) -> None:
    begin_write(session)
    try:
        audit.record(
            session,
            action,
            actor_id=actor.id if actor else None,
            object_type="quarterly_release",
            object_id=quarter.label,
            outcome=outcome,
            details=details,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
