"""``hrd-cases export quarterly 2026Q3 --format csv --out PATH``: audited aggregate exports."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from hrd_cases.current import current_database, current_settings, current_strategies
from hrd_cases.domain.errors import DomainError
from hrd_cases.exports.service import (
    EXPORT_FORMATS,
    ExportError,
    build_quarterly_export,
    check_k,
    export_format,
    parse_quarter,
    write_export_atomically,
)

# Four query stages, disclosure control, rendering, the atomic write (see on_stage calls).
EXPORT_STAGES = 7


@click.group("export")
def export_group() -> None:
    """Aggregate exports (counts only, disclosure-controlled, audited)."""


def _as_of(value: str | None) -> date:
    if value is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ExportError("invalid --as-of date: expected YYYY-MM-DD") from None


@export_group.command("quarterly")
@click.argument("quarter")
# A plain string, not click.Choice: an unknown format is our one-line error, like the rest.
@click.option("--format", "fmt", required=True, help=f"One of: {', '.join(EXPORT_FORMATS)}.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--as-of", "as_of", help="Count events up to this day (YYYY-MM-DD; default today, UTC)."
)
@click.option("--k", "k", type=int, help="Suppress counts below k (default: settings).")
@with_appcontext
def quarterly_command(quarter: str, fmt: str, out: Path, as_of: str | None, k: int | None) -> None:
    """Write the quarterly aggregate tables for QUARTER (e.g. 2026Q3) to --out."""
    try:
        period = parse_quarter(quarter)
        export_as = export_format(fmt)
        day = _as_of(as_of)
        threshold = check_k(current_settings().suppression_k if k is None else k)
        if not out.parent.is_dir():
            raise ExportError(f"no such directory: {out.parent}")

        with (
            click.progressbar(
                length=EXPORT_STAGES,
                label=f"export {period.label} {export_as.name}",
                item_show_func=lambda stage: stage,
                file=sys.stderr,
            ) as bar,
            current_database().session() as session,
        ):

            def stage(message: str) -> None:
                bar.update(1, message)

            export = build_quarterly_export(
                session,
                quarter=period,
                fmt=export_as.name,
                as_of=day,
                k=threshold,
                actor=None,
                via="cli",
                catalogue=current_strategies(),
                on_stage=stage,
            )
            stage("writing the file")
            write_export_atomically(export.body, out)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror or exc}") from None
    click.echo(
        f"wrote {out} ({len(export.body):,} bytes, {period.label}, as of {day}, k={threshold})"
    )
