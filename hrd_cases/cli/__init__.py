"""The ``hrd-cases`` command, one module per command group beside this one (init and serve
live here). Every subcommand runs inside an application context."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from hrd_cases.current import current_settings
from hrd_cases.settings import Settings, SettingsError
from hrd_cases.workflow.templates import TemplateError


def register_commands(app: Flask) -> None:
    from hrd_cases.cli.accounts import (
        deadlines_command,
        delegation_group,
        demo_code_command,
        token_group,
        user_group,
    )
    from hrd_cases.cli.attachments import attachments_group
    from hrd_cases.cli.audit import audit_group
    from hrd_cases.cli.defenders import defender_group
    from hrd_cases.cli.demo import demo_command
    from hrd_cases.cli.export import export_group
    from hrd_cases.cli.i18n import i18n_group
    from hrd_cases.cli.keys import keys_group
    from hrd_cases.cli.ops import register_ops_commands
    from hrd_cases.cli.strategies import strategies_group

    app.cli.add_command(init_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(demo_code_command)
    app.cli.add_command(user_group)
    app.cli.add_command(delegation_group)
    app.cli.add_command(token_group)
    app.cli.add_command(deadlines_command)
    app.cli.add_command(keys_group)
    app.cli.add_command(defender_group)
    app.cli.add_command(audit_group)
    app.cli.add_command(strategies_group)
    app.cli.add_command(export_group)
    app.cli.add_command(attachments_group)
    app.cli.add_command(i18n_group)
    register_ops_commands(app)  # backup, restore, retention (hrd_cases.cli.ops)
    from hrd_cases.cli.notify import outbox_group, worker_command

    app.cli.add_command(worker_command)
    app.cli.add_command(outbox_group)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create instance/, upgrade the database to head and create the keyring once.

    Safe to run again: an existing keyring is never overwritten or regenerated, since a lost
    keyring means lost records.
    """
    from hrd_cases.db import migrate as dbschema

    settings = current_settings()
    settings.instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    click.echo(f"instance:  {settings.instance_path}")
    if not settings.is_production:
        _ensure_secret_file(settings.instance_path / "secret_key")

    dbschema.upgrade(settings.database_url)
    click.echo(f"database:  upgraded to {dbschema.head_revision()} ({_safe_url(settings)})")
    click.echo(f"keyring:   {_ensure_keyring(settings)}")


def _ensure_secret_file(path: Path) -> None:
    if path.exists():
        return
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(48))


def _ensure_keyring(settings: Settings) -> str:
    from hrd_cases.crypto import FileKeyProvider

    if settings.keyring_json is not None:
        settings.key_provider().load()  # fail now, not at the first case, if it is malformed
        return f"from the {settings.keyring_env_var} environment variable (no file created)"
    provider = FileKeyProvider(settings.keyring_file)
    if settings.keyring_file.exists():
        keyring = provider.load()  # refuses a file readable by others, with the reason
        return f"kept existing {settings.keyring_file} (primary key version {keyring.primary})"
    FileKeyProvider.create(settings.keyring_file)
    return (
        f"created {settings.keyring_file} (mode 0600) - back it up: without it, "
        "no record can be read"
    )


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--with-worker", is_flag=True, help="Deliver notifications in a thread too.")
def serve_command(host: str, port: int, with_worker: bool) -> None:
    """Run the development server (use gunicorn in production)."""
    from werkzeug.serving import WSGIRequestHandler, run_simple

    class AnonymousRequestHandler(WSGIRequestHandler):
        """No "Server: Werkzeug/x Python/y" header: the version helps only an attacker."""

        def send_header(self, keyword: str, value: str) -> None:
            if keyword.lower() != "server":
                super().send_header(keyword, value)

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # werkzeug LocalProxy method, absent from Flask's annotation
    if with_worker:
        from hrd_cases.notify.runner import make_worker, start_in_thread

        destination = make_worker(app).transport.description
        click.echo(f"notification worker running: e-mails go to {destination}")
        start_in_thread(app)
    click.echo(f"\nhrd_cases is running at http://{host}:{port}/  (Ctrl+C to stop)")
    # Flask.run() refuses to run inside a `flask`-style command; Werkzeug's server does not.
    run_simple(
        host,
        port,
        app,
        use_reloader=False,
        use_debugger=False,
        threaded=True,
        request_handler=AnonymousRequestHandler,
    )


def _create_app_for_cli() -> Flask:
    from hrd_cases import create_app

    return create_app()


cli = FlaskGroup(
    name="hrd-cases",
    create_app=_create_app_for_cli,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    help="hrd_cases: case workflow for human rights defenders at risk.",
)


def main() -> None:
    """Console entry point: configuration problems are one line on stderr, exit status 2."""
    try:
        cli.main(prog_name="hrd-cases")
    except (SettingsError, TemplateError) as exc:
        click.echo(f"hrd-cases: {exc}", err=True)
        sys.exit(2)
