"""``hrd-cases worker`` and ``hrd-cases outbox``: delivering notifications (issue 18)."""

from __future__ import annotations

import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from hrd_cases.current import current_database


@click.command("worker")
@click.option("--once", is_flag=True, help="Run one scheduler pass and one batch, then exit.")
@click.option("--no-scheduler", is_flag=True, help="Deliver only; leave time-based events.")
@with_appcontext
def worker_command(once: bool, no_scheduler: bool) -> None:
    """Deliver the outbox (e-mail) and raise time-based events until SIGTERM.

    Any number of workers may run against PostgreSQL; run one against SQLite.
    """
    from hrd_cases.notify.runner import make_worker, run_worker, scheduler_tick, stop_on_signals

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        if not no_scheduler:
            scheduler_tick(app)()
        result = make_worker(app).run_once()
        click.echo(f"sent {result.sent}, retried {result.retried}, failed {result.failed}")
        return
    stop = threading.Event()
    stop_on_signals(stop)
    click.echo(f"worker delivering to {make_worker(app).transport.description}", err=True)
    run_worker(app, stop, scheduler=not no_scheduler)
    click.echo("worker stopped", err=True)


@click.group("outbox")
def outbox_group() -> None:
    """Messages the worker could not deliver."""


@outbox_group.command("failed")
@with_appcontext
def outbox_failed_command() -> None:
    """List failed messages: id, recipient account id, attempts, last error."""
    from hrd_cases.notify.worker import failed_messages

    with current_database().session() as session:
        for message in failed_messages(session):
            click.echo(
                f"{message.id}\tuser {message.user_id}\t{message.attempts} attempt(s)\t"
                f"{message.last_error}"
            )


@outbox_group.command("retry")
@click.argument("message_id", type=int)
@with_appcontext
def outbox_retry_command(message_id: int) -> None:
    """Queue a failed message again (check first that it did not arrive)."""
    from hrd_cases.notify.worker import retry_failed

    with current_database().session() as session:
        if not retry_failed(session, message_id):
            raise click.ClickException(f"message {message_id} is not failed")
    click.echo(f"message {message_id} queued again")
