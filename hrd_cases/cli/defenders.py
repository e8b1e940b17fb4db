"""``hrd-cases defender``: defender records (crypto-erasure)."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext

from hrd_cases.current import current_settings
from hrd_cases.records.defenders import ErasureReason


@click.group("defender")
def defender_group() -> None:
    """Defender records."""


@defender_group.command("erase")
@click.argument("reference")
@click.option(
    "--reason",
    required=True,
    type=click.Choice([r.value for r in ErasureReason]),
    help="Why (a fixed list: free text could itself hold personal data).",
)
@click.option(
    "--with-case-content",
    is_flag=True,
    help="Also destroy the content of the defender's cases (narratives, reports...).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def defender_erase_command(reference: str, reason: str, with_case_content: bool, yes: bool) -> None:
    """Crypto-shred a defender's personal data for good (aggregates are kept)."""
    from hrd_cases.current import current_database
    from hrd_cases.db import utcnow
    from hrd_cases.domain.errors import NotFound
    from hrd_cases.records.defenders import ERASURE_EXPLAINED, erase_defender, erasure_done_message
    from hrd_cases.records.keys import open_retirement_date

    days = current_settings().erasure_retire_within_days
    if not yes:
        click.echo(ERASURE_EXPLAINED.format(days=days))
        click.confirm(f"Erase {reference} for good? This cannot be undone.", abort=True)
    with current_database().session() as session:
        try:
            erase_defender(
                session,
                reference,
                ErasureReason(reason),
                actor_id=None,
                include_case_content=with_case_content,
                retire_within=timedelta(days=days),
            )
        except NotFound:
            raise click.ClickException(f"no defender {reference}") from None
        retire_by = open_retirement_date(session)
    click.echo(f"erased {reference}: categories remain in aggregates")
    # Both dates, truthfully: unreadable now, unrecoverable from copies after retirement.
    click.echo(erasure_done_message(utcnow(), retire_by))
