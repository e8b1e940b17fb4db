"""``hrd-cases user|delegation|token`` and ``demo-code``: account administration commands."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from hrd_cases.auth import accounts, delegations, links
from hrd_cases.current import current_database, current_hasher, current_settings
from hrd_cases.domain.errors import InvalidTransition, NotFound, ValidationFailed
from hrd_cases.models import ApiToken, Delegation, Role, User


def _fail(exc: ValidationFailed) -> click.ClickException:
    problems = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.messages.items())
    return click.ClickException(problems)


# Users ---------------------------------------------------------------------------------------
@click.group("user")
def user_group() -> None:
    """Accounts: create, list, disable, enable, reset-2fa."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--delegation", "delegation_code", help="Delegation code (focal points).")
@click.option("--country", "countries", multiple=True, help="Covered country (officers).")
@click.option(
    "--invite",
    is_flag=True,
    help="Print a single-use link with which the user sets their own password and enrols "
    "the second factor (no password is asked for).",
)
@click.option("--password", help="Asked for if neither it nor --invite is given.")
@with_appcontext
def user_create(
    email: str,
    display_name: str,
    role: str,
    delegation_code: str | None,
    countries: tuple[str, ...],
    invite: bool,
    password: str | None,
) -> None:
    """Create an account, by invitation (recommended: nobody but the user knows the password)
    or with a password; the user sets up the second factor at the first sign-in."""
    if invite and password:
        raise click.UsageError("--invite and --password exclude each other")
    settings = current_settings()
    with current_database().session() as session:
        if invite:
            try:
                issued = links.invite_user(
                    session,
                    current_hasher(),
                    email=email,
                    display_name=display_name,
                    role=Role(role),
                    delegation_code=delegation_code,
                    countries=countries,
                    valid_for=timedelta(hours=settings.invitation_hours),
                )
            except ValidationFailed as exc:
                raise _fail(exc) from None
            click.echo(
                f"invited {issued.user.role.value} {issued.user.email} (id {issued.user.id}); "
                f"give them this single-use link, valid until "
                f"{issued.expires_at:%Y-%m-%d %H:%M} UTC:"
            )
            click.echo(links.link_url(settings.public_base_url, issued.token))
            return
        if password is None:
            password = click.prompt(
                "Password (12-128 characters)", hide_input=True, confirmation_prompt=True
            )
        try:
            user = accounts.create_user(
                session,
                current_hasher(),
                email=email,
                display_name=display_name,
                role=Role(role),
                password=password,
                delegation_code=delegation_code,
                countries=countries,
            )
        except ValidationFailed as exc:
            raise _fail(exc) from None
        click.echo(f"created {user.role.value} {user.email} (id {user.id})")


@user_group.command("list")
@with_appcontext
def user_list() -> None:
    with current_database().session() as session:
        for user in session.scalars(select(User).order_by(User.email)):
            scope = user.delegation.code if user.delegation else ",".join(user.country_codes) or "-"
            state = "active" if user.is_active else "disabled"
            factor = "2FA" if user.has_second_factor else "no 2FA yet"
            click.echo(
                f"{user.id:>5}  {user.email:<40} {user.role.value:<19} {scope:<12} "
                f"{state:<8} {factor}"
            )


def _with_user(email: str, action) -> None:
    with current_database().session() as session:
        try:
            user = accounts.find_user(session, email)
        except NotFound:
            raise click.ClickException(f"no account {email}") from None
        action(session, user)


@user_group.command("disable")
@click.argument("email")
@with_appcontext
def user_disable(email: str) -> None:
    """Disable an account and end all its sessions."""
    _with_user(email, lambda session, user: accounts.set_active(session, user, False))
    click.echo(f"disabled {email}; its sessions are ended")


@user_group.command("enable")
@click.argument("email")
@with_appcontext
def user_enable(email: str) -> None:
    _with_user(email, lambda session, user: accounts.set_active(session, user, True))
    click.echo(f"enabled {email}")


@user_group.command("reset-2fa")
@click.argument("email")
@with_appcontext
def user_reset_2fa(email: str) -> None:
    """Remove the second factor and recovery codes; the user enrols again at next sign-in."""
    hours = current_settings().invitation_hours
    issued: list[links.IssuedLink] = []
    _with_user(
        email,
        lambda session, user: issued.append(
            accounts.reset_second_factor(session, user, enrolment_valid_for=timedelta(hours=hours))
        ),
    )
    click.echo(f"second factor reset for {email}; sessions ended. Single-use enrolment link:")
    click.echo(links.link_url(current_settings().public_base_url, issued[0].token))


# Delegations ---------------------------------------------------------------------------------
@click.group("delegation")
def delegation_group() -> None:
    """Delegations and embassies: create, list."""


@delegation_group.command("create")
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. KE")
@click.option("--time-zone", required=True, help="IANA time zone, e.g. Africa/Nairobi")
@click.option(
    "--partner",
    "partners",
    multiple=True,
    help="An embassy sharing trial observation: EU or a country code (repeatable).",
)
@with_appcontext
def delegation_create(
    code: str, name: str, country: str, time_zone: str, partners: tuple[str, ...]
) -> None:
    with current_database().session() as session:
        try:
            delegation = delegations.create_delegation(
                session, code, name, country, time_zone=time_zone, observation_partners=partners
            )
        except ValidationFailed as exc:
            raise _fail(exc) from None
        click.echo(
            f"created delegation {delegation.code} ({delegation.country}, {delegation.time_zone})"
        )


@delegation_group.command("list")
@with_appcontext
def delegation_list() -> None:
    with current_database().session() as session:
        for delegation in session.scalars(select(Delegation).order_by(Delegation.code)):
            click.echo(
                f"{delegation.code:<14} {delegation.country}  {delegation.time_zone:<20} "
                f"{delegation.name}"
            )


# API tokens ----------------------------------------------------------------------------------
@click.group("token")
def token_group() -> None:
    """Personal access tokens for the JSON API: create, list, revoke."""


@token_group.command("create")
@click.option("--user", "email", required=True)
@click.option("--name", default="api", show_default=True)
@click.option("--days", default=30, show_default=True, type=int)
@with_appcontext
def token_create(email: str, name: str, days: int) -> None:
    """Create a token; it is shown once and only its hash is stored."""
    shown: list[str] = []

    def create(session, user) -> None:
        try:
            row, token = accounts.create_api_token(
                session, user, name, days=days, max_days=current_settings().api_token_max_days
            )
        except ValidationFailed as exc:
            raise _fail(exc) from None
        except InvalidTransition as exc:
            raise click.ClickException(str(exc)) from None
        shown.extend([str(row.id), token, row.expires_at.date().isoformat()])

    _with_user(email, create)
    token_id, token, expires = shown
    click.echo(f"token {token_id} for {email}, expires {expires} (shown once):")
    click.echo(token)


@token_group.command("list")
@with_appcontext
def token_list() -> None:
    with current_database().session() as session:
        for row in session.scalars(select(ApiToken).order_by(ApiToken.id)):
            state = "revoked" if row.revoked_at else f"expires {row.expires_at.date()}"
            click.echo(f"{row.id:>5}  {row.prefix}…  {row.user.email:<40} {row.name:<16} {state}")


@token_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def token_revoke(token_id: int) -> None:
    with current_database().session() as session:
        try:
            accounts.revoke_api_token(session, token_id)
        except NotFound:
            raise click.ClickException(f"no token {token_id}") from None
    click.echo(f"revoked token {token_id}")


# Demo ----------------------------------------------------------------------------------------
@click.command("demo-code")
@click.argument("email")
@with_appcontext
def demo_code_command(email: str) -> None:
    """Print the current TOTP code of a demo account (demo instances only)."""
    import pyotp

    from hrd_cases.current import current_vault
    from hrd_cases.demo import DEMO_ACCOUNTS, is_demo_instance

    if email not in {a.email for a in DEMO_ACCOUNTS}:
        raise click.ClickException("demo-code only works for the demo accounts")
    with current_database().session() as session:
        if not is_demo_instance(session):
            raise click.ClickException("this is not a demo instance")
        user = accounts.find_user(session, email)
        secret = current_vault().open_field(user, "totp_secret") or ""
    click.echo(pyotp.TOTP(secret).now())


# Deadlines -----------------------------------------------------------------------------------
@click.command("deadlines")
@click.option("--user", "email", required=True, help="Whose scope to list.")
@with_appcontext
def deadlines_command(email: str) -> None:
    """Overdue items in a user's scope, most overdue first."""
    from hrd_cases.current import current_strategies
    from hrd_cases.db import utcnow
    from hrd_cases.workflow.deadlines import overdue_for

    now = utcnow()
    with current_database().session() as session:
        try:
            user = accounts.find_user(session, email)
        except NotFound:
            raise click.ClickException(f"no account {email}") from None
        items = overdue_for(session, current_strategies(), user, now)
    if not items:
        click.echo(f"nothing overdue for {email}")
        return
    click.echo(f"{len(items)} overdue item(s) for {email}, most overdue first:")
    for item in items:
        late = item.overdue_by(now)
        hours = int(late.total_seconds() // 3600)
        click.echo(
            f"  {item.case_reference:<14} {item.kind.value:<20} due "
            f"{item.due_at:%Y-%m-%d %H:%M} UTC, {hours // 24} d {hours % 24} h overdue"
        )
