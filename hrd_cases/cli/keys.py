"""``hrd-cases keys``: key-encryption keys (status, rotation, retirement)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask.cli import with_appcontext

from hrd_cases.current import current_settings


@click.group("keys")
def keys_group() -> None:
    """Key-encryption keys: status, rotation, retirement."""


@keys_group.command("status")
@with_appcontext
def keys_status_command() -> None:
    """KEK versions in the keyring and how many data keys each one wraps."""
    from hrd_cases.current import current_database
    from hrd_cases.records.keys import key_status

    provider = current_settings().key_provider()
    with crypto_errors(), current_database().session() as session:
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
    from hrd_cases.current import current_database
    from hrd_cases.records.keys import rotate

    bar: dict[str, Any] = {}  # a click progress bar, once rotation knows the total

    def on_start(total: int) -> None:
        bar["bar"] = click.progressbar(
            length=total,
            label="re-wrapping data keys",
            show_pos=True,
            show_percent=True,
            file=sys.stderr,
        )
        bar["bar"].__enter__()

    def on_progress(count: int) -> None:
        bar["bar"].update(count)

    with crypto_errors(), current_database().session() as session:
        try:
            result = rotate(
                session,
                current_settings().key_provider(),
                batch_size=batch_size,
                on_start=on_start,
                on_progress=on_progress,
            )
        finally:
            if "bar" in bar:
                bar["bar"].__exit__(None, None, None)
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
    from hrd_cases.current import current_database
    from hrd_cases.records.keys import open_retirement_date, retire_erased

    provider = current_settings().key_provider()
    with crypto_errors(), current_database().session() as session:
        run = retire_erased(session, provider, batch_size=batch_size)
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


@keys_group.command("relink")
@with_appcontext
def keys_relink_command() -> None:
    """Sign case-defender links from before links were signed (once, after upgrading)."""
    from hrd_cases.current import current_database, current_vault
    from hrd_cases.records.defenders import sign_unsigned_links

    with current_database().session() as session:
        signed = sign_unsigned_links(session, current_vault())
    click.echo(f"signed {signed} case-defender links")


@keys_group.command("reindex")
@with_appcontext
def keys_reindex_command() -> None:
    """Rewrite every defender's name tokens with the current rules (field tags after an
    upgrade); resumable, and safe to re-run."""
    from hrd_cases.current import current_database, current_vault
    from hrd_cases.records.defenders import reindex_all_names

    with crypto_errors(), current_database().session() as session:
        done = reindex_all_names(session, current_vault())
    click.echo(f"re-indexed the names of {done} defenders")


@keys_group.command("retire")
@click.argument("version", type=int)
@with_appcontext
def keys_retire_command(version: int) -> None:
    """Remove a KEK version; refused while any data key still uses it."""
    from hrd_cases.current import current_database
    from hrd_cases.records.keys import retire

    with crypto_errors(), current_database().session() as session:
        keyring = retire(session, current_settings().key_provider(), version)
    click.echo(
        f"retired key version {version}; versions now: {', '.join(map(str, keyring.versions()))}"
    )


@contextmanager
def crypto_errors() -> Iterator[None]:
    """Keyring problems are operator errors: one line, no traceback."""
    from hrd_cases.crypto import CryptoError

    try:
        yield
    except CryptoError as exc:
        raise click.ClickException(str(exc)) from None
