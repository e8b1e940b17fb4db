"""Quarterly aggregate exports: the one entry point for the CLI, the analyst's page and the API.

    quarter = parse_quarter("2026Q3")
    export = build_quarterly_export(session, quarter=quarter, fmt="csv", as_of=date.today(),
                                    k=settings.suppression_k, actor=user, via="web")
    # -> ExportFile(filename, content_type, body); send as an attachment, or:
    write_export_atomically(export.body, path)

The service reads clear categories only (never the vault), and owns its transaction: the
audit entry is committed before the file is returned.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.audit.log import Outcome
from hrd_cases.auth.permissions import Permission, has_permission
from hrd_cases.db import write_transaction
from hrd_cases.domain.errors import Forbidden
from hrd_cases.exports.quarter import ExportError, Quarter, export_window, parse_quarter
from hrd_cases.exports.queries import collect
from hrd_cases.exports.render_csv import render_csv
from hrd_cases.exports.render_docx import render_docx
from hrd_cases.exports.render_html import render_html
from hrd_cases.exports.render_json import render_json
from hrd_cases.exports.render_xlsx import render_xlsx
from hrd_cases.exports.report import QuarterlyReport, build_report
from hrd_cases.exports.suppression import DEFAULT_P, MIN_K
from hrd_cases.models import User
from hrd_cases.workflow.templates import StrategyCatalogue

MAX_K = 100
AUDIT_ACTION = "export.quarterly"


@dataclass(frozen=True, slots=True)
class ExportFormat:
    name: str
    content_type: str
    extension: str
    render: Callable[[QuarterlyReport], bytes]


EXPORT_FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("csv", "text/csv; charset=utf-8", "csv", render_csv),
        ExportFormat(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            render_xlsx,
        ),
        ExportFormat("json", "application/json", "json", render_json),
        # Served as an attachment only: it carries its own <style>, which the app's CSP
        # would refuse inline.
        ExportFormat("html", "text/html; charset=utf-8", "html", render_html),
        ExportFormat(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
            render_docx,
        ),
    )
}


@dataclass(frozen=True, slots=True)
class ExportFile:
    filename: str
    content_type: str
    body: bytes


def export_format(name: str) -> ExportFormat:
    try:
        return EXPORT_FORMATS[name.lower()]
    except KeyError:
        known = ", ".join(EXPORT_FORMATS)
        shown = name if len(name) <= 16 and name.isprintable() else "the value given"
        raise ExportError(f"unknown export format {shown!r}: choose one of {known}") from None


def check_k(k: int) -> int:
    # k = 1 would publish every count, singletons included.
    if not MIN_K <= k <= MAX_K:
        raise ExportError(f"k must be between {MIN_K} and {MAX_K}, not {k}")
    return k


def export_filename(quarter: Quarter, as_of: date, fmt: ExportFormat) -> str:
    return f"hrd-quarterly-{quarter.label}-asof-{as_of.isoformat()}.{fmt.extension}"


def compute_report(
    session: Session,
    *,
    quarter: Quarter,
    as_of: date,
    k: int,
    catalogue: StrategyCatalogue,
    p: int = DEFAULT_P,
    on_stage: Callable[[str], None] = lambda _: None,
) -> QuarterlyReport:
    """The protected figures, without rendering or auditing (for previews and tests)."""
    check_k(k)
    window = export_window(quarter, as_of)
    raw = collect(session, window, catalogue, on_stage)
    on_stage("disclosure control")
    return build_report(raw, quarter=quarter, as_of=as_of, window=window, k=k, p=p)


def build_quarterly_export(
    session: Session,
    *,
    quarter: Quarter | str,
    fmt: str,
    as_of: date,
    k: int,
    actor: User | None,
    via: str,
    catalogue: StrategyCatalogue | None = None,
    on_stage: Callable[[str], None] = lambda _: None,
) -> ExportFile:
    """Compute, protect, render and audit one export. ``actor`` None means an operator at the
    command line; a user needs Permission.EXPORT_AGGREGATES (a refusal is audited too).
    ``catalogue`` defaults to the current app's strategy templates."""
    if isinstance(quarter, str):
        quarter = parse_quarter(quarter)
    export_as = export_format(fmt)
    check_k(k)
    details: dict[str, str | int | bool | None] = {
        "format": export_as.name,
        "as_of": as_of.isoformat(),
        "k": k,
        "via": via,
    }
    if actor is not None and not has_permission(actor, Permission.EXPORT_AGGREGATES):
        _audit(session, actor, quarter, Outcome.REFUSED, details)
        raise Forbidden(f"role {actor.role.value} lacks {Permission.EXPORT_AGGREGATES.value}")
    if catalogue is None:
        from hrd_cases.current import current_strategies

        catalogue = current_strategies()
    report = compute_report(
        session, quarter=quarter, as_of=as_of, k=k, catalogue=catalogue, on_stage=on_stage
    )
    on_stage(f"rendering {export_as.name}")
    body = export_as.render(report)
    details["sha256"] = hashlib.sha256(body).hexdigest()
    details["bytes"] = len(body)
    _audit(session, actor, quarter, Outcome.SUCCESS, details)
    return ExportFile(export_filename(quarter, as_of, export_as), export_as.content_type, body)


def _audit(
    session: Session,
    actor: User | None,
    quarter: Quarter,
    outcome: Outcome,
    details: dict[str, str | int | bool | None],
) -> None:
    with write_transaction(session):  # ends the read snapshot, takes the write lock
        audit.record(
            session,
            AUDIT_ACTION,
            actor_id=actor.id if actor else None,
            object_type="quarterly_export",
            object_id=quarter.label,
            outcome=outcome,
            details=details,
        )


def write_export_atomically(body: bytes | Iterable[bytes], path: str | os.PathLike[str]) -> Path:
    """Write to a temporary file beside ``path``, fsync, then rename over ``path``: readers see
    the old file or the complete new one, never a partial one, whatever interrupts the write
    (an exception removes the temporary file; a kill may leave a ``.part`` file, never a partial
    file at ``path``). The file is created readable by its owner only."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise ExportError(f"no such directory: {directory}")
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".part", dir=directory
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            chunks = [body] if isinstance(body, bytes | bytearray) else body
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(directory)
    return target


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


__all__ = [
    "EXPORT_FORMATS",
    "ExportError",
    "ExportFile",
    "ExportFormat",
    "Quarter",
    "build_quarterly_export",
    "compute_report",
    "export_format",
    "parse_quarter",
    "write_export_atomically",
]
