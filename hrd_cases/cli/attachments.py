"""``hrd-cases attachments verify``: authenticate every chunk of every evidence file."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("attachments")
def attachments_group() -> None:
    """Evidence files on cases."""


@attachments_group.command("verify")
@with_appcontext
def attachments_verify_command() -> None:
    """Check every chunk's authentication tag; list damaged files by case reference and file
    id (never a name). Files whose case content was erased are counted, not failed."""
    from hrd_cases.current import current_attachment_config, current_database, current_vault
    from hrd_cases.workflow.attachments import ERASED_PROBLEM, verify_all

    checked = broken = erased = 0
    with current_database().session() as session:
        for reference, attachment_id, problem in verify_all(
            session, current_vault(), current_attachment_config()
        ):
            checked += 1
            if problem == ERASED_PROBLEM:
                erased += 1
            elif problem is not None:
                broken += 1
                click.echo(f"BROKEN {reference} {attachment_id}: {problem}")
    click.echo(f"{checked} file(s) checked: {broken} broken, {erased} erased")
    if broken:
        raise SystemExit(1)
