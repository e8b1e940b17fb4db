"""Key rotation and retirement: nothing left on the old KEK, nothing lost, resumable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases import create_app
from hrd_cases.crypto import FileKeyProvider, KeyringError
from hrd_cases.db import database_of
from hrd_cases.models import DataKey, Defender
from hrd_cases.records import RecordVault
from hrd_cases.records.keys import key_status, retire, rotate
from hrd_cases.settings import Settings
from tests.support.app import empty_all_tables
from tests.support.factories import make_case, make_delegation


@pytest.fixture
def own_keyring_app(settings: Settings, tmp_path: Path) -> Iterator[Flask]:
    """An app with a keyring of its own, since rotation rewrites the keyring file."""
    keyring_file = tmp_path / "keyring.json"
    FileKeyProvider.create(keyring_file)
    app = create_app(settings.replace(keyring_file=keyring_file))
    yield app
    empty_all_tables(app)
    database_of(app).engine.dispose()


@pytest.fixture
def session(own_keyring_app: Flask) -> Iterator[Session]:
    with database_of(own_keyring_app).session() as session:
        yield session


def _make_cases(app: Flask, session: Session, count: int) -> dict[str, str]:
    vault: RecordVault = app.extensions["hrd_vault"]
    delegation = make_delegation(session)
    names = {}
    for i in range(count):
        case = make_case(
            session,
            vault,
            delegation=delegation,
            defender={"name": f"Defender Number {i}"},
            narrative=f"Story {i}",
        )
        names[case.defenders[0].reference] = f"Defender Number {i}"
    return names


def _all_names(app: Flask, session: Session) -> dict[str, str]:
    vault: RecordVault = app.extensions["hrd_vault"]
    vault.reload()
    session.expire_all()
    return {
        d.reference: vault.open_field(d, "name") or "" for d in session.scalars(select(Defender))
    }


def _count_on(session: Session, version: int) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(DataKey).where(DataKey.kek_version == version)
        )
        or 0
    )


def test_rotate_moves_every_data_key_and_retire_then_succeeds(
    own_keyring_app: Flask, session: Session
) -> None:
    names = _make_cases(own_keyring_app, session, 7)
    provider = FileKeyProvider(own_keyring_app.extensions["hrd_settings"].keyring_file)
    assert _count_on(session, 1) == 14  # a data key per defender and per case

    result = rotate(session, provider, batch_size=3)

    assert (result.new_primary, result.started_new_version, result.rewrapped) == (2, True, 14)
    assert _count_on(session, 1) == 0
    assert _count_on(session, 2) == 14
    assert _all_names(own_keyring_app, session) == names
    retired = retire(session, provider, 1)
    assert retired.versions() == (2,)
    assert FileKeyProvider(provider.path).load().versions() == (2,)
    assert _all_names(own_keyring_app, session) == names  # readable without version 1


def test_retire_is_refused_while_a_data_key_still_uses_the_version(
    own_keyring_app: Flask, session: Session
) -> None:
    _make_cases(own_keyring_app, session, 2)
    provider = FileKeyProvider(own_keyring_app.extensions["hrd_settings"].keyring_file)
    provider.save(provider.load().with_new_primary())  # rotation started, nothing moved yet
    with pytest.raises(KeyringError, match="still wraps 4 data keys"):
        retire(session, provider, 1)
    with pytest.raises(KeyringError, match="primary"):
        retire(session, provider, 2)
    assert provider.load().versions() == (1, 2)


def test_killed_rotation_completes_on_rerun_with_nothing_lost(
    own_keyring_app: Flask, session: Session
) -> None:
    names = _make_cases(own_keyring_app, session, 10)
    provider = FileKeyProvider(own_keyring_app.extensions["hrd_settings"].keyring_file)

    class Killed(Exception):
        pass

    def die_after_first_batch(count: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        rotate(session, provider, batch_size=4, on_progress=die_after_first_batch)
    session.rollback()
    assert _count_on(session, 2) == 4 and _count_on(session, 1) == 16
    assert _all_names(own_keyring_app, session) == names  # mixed versions all readable

    result = rotate(session, provider, batch_size=4)
    assert (result.new_primary, result.started_new_version, result.rewrapped) == (2, False, 16)
    assert _count_on(session, 1) == 0
    assert _all_names(own_keyring_app, session) == names
    retire(session, provider, 1)


def test_rotation_never_resurrects_an_erased_key(own_keyring_app: Flask, session: Session) -> None:
    from hrd_cases.records.defenders import ErasureReason, erase_defender

    names = _make_cases(own_keyring_app, session, 3)
    erased_reference = next(iter(names))
    erase_defender(session, erased_reference, ErasureReason.SAFETY, actor_id=None)
    provider = FileKeyProvider(own_keyring_app.extensions["hrd_settings"].keyring_file)
    rotate(session, provider)
    status = key_status(session, provider.load())
    assert status.erased_data_keys == 1
    assert [(v.version, v.data_keys) for v in status.versions] == [(1, 0), (2, 5)]
    erased = session.scalar(select(Defender).where(Defender.reference == erased_reference))
    assert erased is not None and erased.data_key.wrapped_key is None


def test_running_app_picks_up_a_rotation_made_by_another_process(
    own_keyring_app: Flask, session: Session
) -> None:
    vault: RecordVault = own_keyring_app.extensions["hrd_vault"]
    names = _make_cases(own_keyring_app, session, 1)
    provider = FileKeyProvider(own_keyring_app.extensions["hrd_settings"].keyring_file)
    rotate(session, provider)
    retire(session, provider, 1)
    # The vault still holds the old keyring (version 1 only); the unknown version 2 makes it
    # reload instead of failing.
    session.expire_all()
    defender = session.scalars(select(Defender)).one()
    assert vault.open_field(defender, "name") == next(iter(names.values()))
