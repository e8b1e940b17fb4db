"""``hrd-cases audit``: the tamper-evident audit log."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log."""


@audit_group.command("verify")
@with_appcontext
def audit_verify_command() -> None:
    """Check the whole hash chain; report the first broken entry."""
    from hrd_cases.audit import verify_chain
    from hrd_cases.current import current_database

    with current_database().session() as session:
        checked, problem = verify_chain(session)
    if problem is not None:
        raise click.ClickException(f"audit chain broken at {problem} ({checked} entries good)")
    click.echo(f"audit chain intact: {checked} entries")
