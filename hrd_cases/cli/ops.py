"""Operations commands: ``backup``, ``restore``, ``retention apply``. Registered by
hrd_cases.cli; the work is done by hrd_cases.ops services, this module draws progress bars."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext

from hrd_cases.current import current_settings


def register_ops_commands(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(retention_group)


class Progress:
    """A click progress bar on stderr that a service can (re)start with a total and a label
    and feed with increments; stdout stays for the one-line result."""

    def __init__(self) -> None:
        self._bar: Any = None

    def start(self, total: int, label: str) -> None:
        self.close()
        self._bar = click.progressbar(
            length=max(total, 1), label=label, show_pos=True, show_percent=True, file=sys.stderr
        )
        self._bar.__enter__()

    def update(self, count: int) -> None:
        if self._bar is not None and count > 0:
            self._bar.update(count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@contextmanager
def progress_bar() -> Iterator[Progress]:
    progress = Progress()
    try:
        yield progress
    finally:
        progress.close()


@contextmanager
def _operator_errors() -> Iterator[None]:
    """Keyring and backup problems are one line for the operator, never a traceback."""
    from hrd_cases.crypto import CryptoError
    from hrd_cases.ops.backup import BackupError

    try:
        yield
    except (CryptoError, BackupError) as exc:
        raise click.ClickException(str(exc)) from None


# Backup and restore ----------------------------------------------------------------------------
@click.command("backup")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="New file to write (never overwritten).",
)
@with_appcontext
def backup_command(out: Path) -> None:
    """Consistent online snapshot of the database, encrypted under the keyring."""
    from hrd_cases.current import current_database
    from hrd_cases.ops.backup import backup, record_in_audit_log

    settings = current_settings()
    with _operator_errors(), progress_bar() as bar:
        result = backup(
            settings.database_url,
            settings.key_provider().load(),
            out,
            on_start=bar.start,
            on_progress=bar.update,
        )
        bar.close()
        with current_database().session() as session:
            record_in_audit_log(
                session, "ops.backup", result.backup_id, details={"backend": result.backend}
            )
    click.echo(
        f"backup {result.backup_id} written to {result.path} ({result.bytes_written:,} bytes, "
        f"{result.backend}, key version {result.kek_version}); it opens only with this keyring"
    )
    click.echo(
        f"it needs key versions {', '.join(map(str, result.kek_versions))}: once they are "
        "retired (after an erasure: `hrd-cases keys retire-erased`), it can no longer be restored"
    )


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(source: Path) -> None:
    """Restore a backup into this instance's database, which must be empty."""
    from hrd_cases.current import current_database
    from hrd_cases.ops.backup import record_in_audit_log, restore

    settings = current_settings()
    current_database().engine.dispose()  # the restore must be the only writer
    with _operator_errors(), progress_bar() as bar:
        result = restore(
            settings.database_url,
            settings.key_provider().load(),
            source,
            on_start=bar.start,
            on_progress=bar.update,
        )
        bar.close()
        with current_database().session() as session:
            record_in_audit_log(session, "ops.restore", result.backup_id)
    click.echo(
        f"restored backup {result.backup_id} taken {result.created_at} "
        f"(schema {result.revision}); run `hrd-cases init` to apply newer migrations"
    )


# Retention -------------------------------------------------------------------------------------
@click.group("retention")
def retention_group() -> None:
    """Crypto-shred closed cases past their template's retention period."""


@retention_group.command("apply")
@click.option("--dry-run", is_flag=True, help="Count what is due; change nothing.")
@with_appcontext
def retention_apply_command(dry_run: bool) -> None:
    """Destroy the personal data of closed cases past retention; keep the aggregates."""
    from hrd_cases.current import current_database, current_settings, current_strategies
    from hrd_cases.ops.retention import apply_retention

    with _operator_errors(), progress_bar() as bar, current_database().session() as session:
        report = apply_retention(
            session,
            current_strategies(),
            dry_run=dry_run,
            on_start=lambda total: bar.start(total, "shredding cases past retention"),
            on_progress=bar.update,
            retire_within=timedelta(days=current_settings().erasure_retire_within_days),
        )
        bar.close()
    for line in report.lines():
        click.echo(line)
