"""The ``hrd-cases`` command. Every subcommand runs inside an application context."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from hrd_cases.records.defenders import ErasureReason
from hrd_cases.settings import Settings, SettingsError
from hrd_cases.workflow.templates import TemplateError


def _settings() -> Settings:
    return current_app.extensions["hrd_settings"]


def register_commands(app: Flask) -> None:
    from hrd_cases.cli_accounts import (
        deadlines_command,
        delegation_group,
        demo_code_command,
        token_group,
        user_group,
    )
    from hrd_cases.cli_export import export_group
    from hrd_cases.cli_ops import register_ops_commands

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
    register_ops_commands(app)  # backup, restore, retention (hrd_cases.cli_ops)


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


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load demo delegations, accounts and cases (safe to run twice) and print the logins."""
    from hrd_cases.cli_ops import progress_bar
    from hrd_cases.db import get_database
    from hrd_cases.demo import demo_steps, load_demo
    from hrd_cases.records import get_vault
    from hrd_cases.runtime import current_hasher, current_strategies

    settings = _settings()
    if settings.is_production:
        raise click.ClickException("refusing to load demo data with HRD_ENV=production")
    with _crypto_errors(), get_database().session() as session, progress_bar() as bar:
        bar.start(demo_steps(), "loading demo accounts and cases")
        result = load_demo(session, current_hasher(), get_vault(), current_strategies(), bar.update)
    click.echo(
        f"demo data: {result.delegations_created} delegations, {result.accounts_created} "
        f"accounts and {result.cases_created} cases created (existing ones kept)"
    )
    click.echo("\nDemo logins (local demo only). Sign in with the password, then the six-digit")
    click.echo("code from an authenticator app set up with the TOTP secret (type it, or open")
    click.echo("the otpauth URI), or print the current code with:")
    click.echo("  .venv/bin/hrd-cases demo-code EMAIL")
    for login in result.logins:
        account = login.account
        click.echo(f"\n  {account.role.value.replace('_', ' ')}: {account.email}")
        click.echo(f"    password:    {account.password}")
        click.echo(f"    TOTP secret: {login.totp_secret}")
        click.echo(f"    otpauth URI: {login.otpauth_uri}")


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Run the development server (use gunicorn in production)."""
    from werkzeug.serving import WSGIRequestHandler, run_simple

    class AnonymousRequestHandler(WSGIRequestHandler):
        """No "Server: Werkzeug/x Python/y" header: the version helps only an attacker."""

        def send_header(self, keyword: str, value: str) -> None:
            if keyword.lower() != "server":
                super().send_header(keyword, value)

    app = current_app._get_current_object()  # type: ignore[attr-defined]
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


# Keys -------------------------------------------------------------------------------------
@click.group("keys")
def keys_group() -> None:
    """Key-encryption keys: status, rotation, retirement."""


@keys_group.command("status")
@with_appcontext
def keys_status_command() -> None:
    """KEK versions in the keyring and how many data keys each one wraps."""
    from hrd_cases.db import get_database
    from hrd_cases.records.keys import key_status

    provider = _settings().key_provider()
    with _crypto_errors(), get_database().session() as session:
        status = key_status(session, provider.load())
    click.echo(f"keyring: {provider.describe()}")
    for version in status.versions:
        marks = ", ".join(
            mark
            for mark, on in (
                ("primary", version.is_primary),
                ("NOT IN KEYRING", not version.in_keyring),
            )
            if on
        )
        click.echo(
            f"  version {version.version}: {version.data_keys} data keys"
            + (f" ({marks})" if marks else "")
        )
    click.echo(f"  erased data keys: {status.erased_data_keys}")


@keys_group.command("rotate")
@click.option("--batch-size", default=2000, show_default=True, type=click.IntRange(1, 100_000))
@with_appcontext
def keys_rotate_command(batch_size: int) -> None:
    """New primary KEK, then re-wrap every data key under it (resumes an interrupted run)."""
    from hrd_cases.db import get_database
    from hrd_cases.records.keys import rotate

    bar: dict[str, object] = {}

    def on_start(total: int) -> None:
        bar["bar"] = click.progressbar(
            length=total,
            label="re-wrapping data keys",
            show_pos=True,
            show_percent=True,
            file=sys.stderr,
        )
        bar["bar"].__enter__()  # type: ignore[attr-defined]

    def on_progress(count: int) -> None:
        bar["bar"].update(count)  # type: ignore[attr-defined]

    with _crypto_errors(), get_database().session() as session:
        try:
            result = rotate(
                session,
                _settings().key_provider(),
                batch_size=batch_size,
                on_start=on_start,
                on_progress=on_progress,
            )
        finally:
            if "bar" in bar:
                bar["bar"].__exit__(None, None, None)  # type: ignore[attr-defined]
    verb = "started with a new" if result.started_new_version else "resumed onto the"
    click.echo(
        f"rotation {verb} primary version {result.new_primary}: "
        f"{result.rewrapped} data keys re-wrapped"
    )


@keys_group.command("retire-erased")
@click.option("--batch-size", default=2000, show_default=True, type=click.IntRange(1, 100_000))
@with_appcontext
def keys_retire_erased_command(batch_size: int) -> None:
    """Run the erasure epochs that are due: rotate, then retire the KEKs of erased keys.

    Run it daily from a timer (docs/security.md); nothing due, nothing changes.
    """
    from hrd_cases.crypto import KeyringError
    from hrd_cases.db import get_database
    from hrd_cases.records.keys import open_retirement_date, retire_erased

    with get_database().session() as session:
        try:
            run = retire_erased(session, _settings().key_provider(), batch_size=batch_size)
        except KeyringError as exc:
            raise click.ClickException(str(exc)) from None
        waiting = open_retirement_date(session)
    if run.epochs:
        click.echo(
            f"{run.epochs} erasure epochs done: retired key versions "
            f"{', '.join(map(str, run.retired_versions)) or '(none left)'}; "
            f"primary is now {run.new_primary}"
        )
    else:
        click.echo("no erasure epoch is due")
    if waiting is not None:
        click.echo(f"next erasure epoch due {waiting:%Y-%m-%d %H:%M} UTC")


@keys_group.command("retire")
@click.argument("version", type=int)
@with_appcontext
def keys_retire_command(version: int) -> None:
    """Remove a KEK version; refused while any data key still uses it."""
    from hrd_cases.db import get_database
    from hrd_cases.records.keys import retire

    with _crypto_errors(), get_database().session() as session:
        keyring = retire(session, _settings().key_provider(), version)
    click.echo(
        f"retired key version {version}; versions now: {', '.join(map(str, keyring.versions()))}"
    )


@contextmanager
def _crypto_errors() -> Iterator[None]:
    """Keyring problems are operator errors: one line, no traceback."""
    from hrd_cases.crypto import CryptoError

    try:
        yield
    except CryptoError as exc:
        raise click.ClickException(str(exc)) from None


# Defenders --------------------------------------------------------------------------------
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
    from hrd_cases.db import get_database, utcnow
    from hrd_cases.errors import NotFound
    from hrd_cases.records.defenders import ERASURE_EXPLAINED, erase_defender, erasure_done_message
    from hrd_cases.records.keys import open_retirement_date

    days = _settings().erasure_retire_within_days
    if not yes:
        click.echo(ERASURE_EXPLAINED.format(days=days))
        click.confirm(f"Erase {reference} for good? This cannot be undone.", abort=True)
    with get_database().session() as session:
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
    click.echo(erasure_done_message(utcnow(), retire_by))


# Audit ------------------------------------------------------------------------------------
@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log."""


@audit_group.command("verify")
@with_appcontext
def audit_verify_command() -> None:
    """Check the whole hash chain; report the first broken entry."""
    from hrd_cases.audit import verify_chain
    from hrd_cases.db import get_database

    with get_database().session() as session:
        checked, problem = verify_chain(session)
    if problem is not None:
        raise click.ClickException(f"audit chain broken at {problem} ({checked} entries good)")
    click.echo(f"audit chain intact: {checked} entries")


# Strategy templates -------------------------------------------------------------------------
@click.group("strategies")
def strategies_group() -> None:
    """Country HRD strategy templates (config/strategies/*.yaml)."""


@strategies_group.command("validate")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Check another directory (default: the configured one).",
)
@with_appcontext
def strategies_validate(directory: Path | None) -> None:
    """Check every template file; list every problem, naming file and field."""
    from hrd_cases.workflow.templates import validate_directory

    directory = directory or _settings().strategies_dir
    problems = validate_directory(directory)
    for problem in problems:
        click.echo(f"invalid: {problem}", err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} template problem(s) in {directory}")
    click.echo(f"all templates in {directory} are valid")


@strategies_group.command("show")
@click.argument("country")
@click.option("--version", "number", type=int, help="A past version (default: in force today).")
@with_appcontext
def strategies_show(country: str, number: int | None) -> None:
    """Show the template for a country (its own, or the default)."""
    from datetime import date

    from hrd_cases.runtime import current_strategies

    code = country.upper() if len(country) == 2 else country
    strategy = current_strategies().for_country(code)
    try:
        template = strategy.version(number) if number else strategy.in_force(date.today())
    except TemplateError as exc:
        raise click.ClickException(str(exc)) from None
    if strategy.code != code:
        click.echo(f"no template of its own for {code}: showing the default")
    click.echo(
        f"{template.name} ({template.code}) version {template.version}, "
        f"in force from {template.effective_from} (versions: "
        f"{', '.join(str(v.version) for v in strategy.versions)})"
    )
    click.echo(f"local strategy: {template.local_strategy}")
    for pillar, items in template.priorities.items():
        click.echo(f"  {pillar.replace('_', ' ')}: " + "; ".join(items))
    for action, rules in template.actions.items():
        state = "enabled" if rules.enabled else "disabled"
        extra = (
            f", {rules.approvals_required} approval(s)"
            if action.value in ("referral", "public_statement")
            else ""
        )
        required = ", ".join(sorted(rules.required_fields)) or "-"
        click.echo(f"  {action.value}: {state}{extra}; requires: {required}")
    levels = ", ".join(level.value for level in template.statement_levels) or "-"
    click.echo(f"  statement levels: {levels}")
    click.echo(f"  trial observation partners: {', '.join(template.observation_partners) or '-'}")
    d = template.deadlines
    risk = ", ".join(f"{r.value} {h}h" for r, h in d.referral_hours_by_risk.items() if h)
    click.echo(
        f"  deadlines: referral by risk ({risk}); decision {d.referral_decision_hours}h; "
        f"statement decision {d.statement_decision_hours}h; observation report "
        f"{d.observation_report_days} days"
    )
    click.echo(
        f"  maximum grant: EUR {template.max_grant_eur:,}; retention: "
        f"{template.retention_years} years after closure"
    )
