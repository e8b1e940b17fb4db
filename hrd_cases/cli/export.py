"""``hrd-cases export release 2026Q3`` and ``hrd-cases export quarterly 2026Q3 --format csv
--out PATH``: frozen, audited quarterly releases. The command line serves releases only: a
provisional preview is for an analyst on the export page."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from hrd_cases.current import current_database, current_settings, current_strategies
from hrd_cases.domain.errors import DomainError
from hrd_cases.exports.annual import annual_export
from hrd_cases.exports.labels import LANGUAGES
from hrd_cases.exports.releases import configured_regions, download_release, release_quarter
from hrd_cases.exports.service import (
    EXPORT_FORMATS,
    ExportError,
    export_format,
    parse_quarter,
    write_export_atomically,
)

# Four query stages, disclosure control with its audit, rendering (see on_stage calls).
RELEASE_STAGES = 7


@click.group("export")
def export_group() -> None:
    """Quarterly releases (counts only, disclosure-controlled, audited, frozen)."""


@export_group.command("release")
@click.argument("quarter")
@click.option(
    "--reason",
    help="Revise an existing release: one line saying what changed (a new, audited version).",
)
@with_appcontext
def release_command(quarter: str, reason: str | None) -> None:
    """Compute, audit and store the release of QUARTER (e.g. 2026Q3), once it has closed and
    the lag for late entries (release_lag_days) has passed."""
    settings = current_settings()
    try:
        period = parse_quarter(quarter)
        with (
            click.progressbar(
                length=RELEASE_STAGES,
                label=f"release {period.label}",
                item_show_func=lambda stage: stage,
                file=sys.stderr,
            ) as bar,
            current_database().session() as session,
        ):
            release = release_quarter(
                session,
                period,
                actor=None,
                via="cli",
                catalogue=current_strategies(),
                k=settings.suppression_k,
                p=settings.suppression_p,
                lag_days=settings.release_lag_days,
                regions=configured_regions(settings.regions_path),
                reason=reason,
                on_stage=lambda message: bar.update(1, message),
            )
            version, digest = release.version, release.content_sha256
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"released {period.label} version {version} (sha256 {digest})")


@export_group.command("quarterly")
@click.argument("quarter")
# A plain string, not click.Choice: an unknown format is our one-line error, like the rest.
@click.option("--format", "fmt", required=True, help=f"One of: {', '.join(EXPORT_FORMATS)}.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--version", "version", type=int, help="A given version (default: the latest).")
@click.option(
    "--language",
    "language",
    default="en",
    show_default=True,
    help=f"Labels, method text and brief in: {', '.join(LANGUAGES)} (JSON keys stay the same).",
)
@with_appcontext
def quarterly_command(
    quarter: str, fmt: str, out: Path, version: int | None, language: str
) -> None:
    """Write the released tables of QUARTER (e.g. 2026Q3) to --out, byte for byte as stored."""
    try:
        period = parse_quarter(quarter)
        export_as = export_format(fmt)
        if not out.parent.is_dir():
            raise ExportError(f"no such directory: {out.parent}")
        with current_database().session() as session:
            export = download_release(
                session,
                period,
                export_as.name,
                actor=None,
                via="cli",
                version=version,
                language=language,
            )
        write_export_atomically(export.body, out)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror or exc}") from None
    click.echo(f"wrote {out} ({len(export.body):,} bytes, {export.filename})")


@export_group.command("annual")
@click.argument("year", type=int)
@click.option(
    "--format",
    "fmt",
    default="docx",
    show_default=True,
    help=f"One of: {', '.join(EXPORT_FORMATS)}.",
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--language",
    "language",
    default="en",
    show_default=True,
    help=f"One of: {', '.join(LANGUAGES)}.",
)
@with_appcontext
def annual_command(year: int, fmt: str, out: Path, language: str) -> None:
    """Write the annual report of YEAR (e.g. 2026) for the Foreign Affairs Council
    conclusions, built from its four released quarters."""
    try:
        if not out.parent.is_dir():
            raise ExportError(f"no such directory: {out.parent}")
        with current_database().session() as session:
            export = annual_export(session, year, fmt, actor=None, via="cli", language=language)
        write_export_atomically(export.body, out)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror or exc}") from None
    click.echo(f"wrote {out} ({len(export.body):,} bytes, {export.filename})")
