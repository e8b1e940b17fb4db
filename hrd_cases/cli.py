"""The ``hrd-cases`` command. Every subcommand runs inside an application context."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from hrd_cases.settings import Settings, SettingsError


def _settings() -> Settings:
    return current_app.extensions["hrd_settings"]


def register_commands(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(demo_command)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create instance/, upgrade the database to head and create the keyring once.

    Safe to run again: an existing keyring is never overwritten or regenerated, since a lost
    keyring means lost records.
    """
    from hrd_cases import dbschema

    settings = _settings()
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

    if os.environ.get(settings.keyring_env_var):
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


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load demo delegations and accounts (safe to run twice) and print the logins."""
    from hrd_cases.db import get_database
    from hrd_cases.demo import load_demo

    settings = _settings()
    if settings.is_production:
        raise click.ClickException("refusing to load demo data with HRD_ENV=production")
    with get_database().session() as session:
        result = load_demo(session, current_app.extensions["hrd_password_hasher"])
    click.echo(
        f"demo data: {result.delegations_created} delegations and "
        f"{result.accounts_created} accounts created (existing ones kept)"
    )
    click.echo("\nDemo logins (local demo only):")
    width = max(len(a.email) for a in result.accounts)
    for account in result.accounts:
        role = account.role.value.replace("_", " ")
        click.echo(f"  {account.email:<{width}}  password: {account.password:<20}  {role}")


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Run the development server (use gunicorn in production)."""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"\nhrd_cases is running at http://{host}:{port}/  (Ctrl+C to stop)")
    # Flask.run() refuses to run inside a `flask`-style command; Werkzeug's server does not.
    run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)


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
    except SettingsError as exc:
        click.echo(f"hrd-cases: {exc}", err=True)
        sys.exit(2)
