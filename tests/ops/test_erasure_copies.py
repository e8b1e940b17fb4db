"""Issue 15, acceptance 1: an erasure holds in every copy the database keeps.

SQLite: after an erasure the main file, ``-wal`` and ``-shm`` hold neither the old wrapped
data keys nor the old ciphertexts (``secure_delete`` zeroes freed space, the WAL is
checkpointed with TRUNCATE). PostgreSQL: after the post-erasure VACUUM, ``pageinspect``'s
``heap_page_items`` finds no tuple, live or dead, holding the old wrapped key. And a backup
taken before the erasure is refused once the erasure epoch has rotated and retired its KEK.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from hrd_cases.crypto import FileKeyProvider
from hrd_cases.db import utcnow
from hrd_cases.models import Case, DataKey, Defender, KekRetirement
from hrd_cases.ops import backup_format
from hrd_cases.ops.backup import backup, restore
from hrd_cases.ops.backup_format import BackupFormatError
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import ErasureReason, erase_defender
from hrd_cases.records.keys import retire_erased
from hrd_cases.settings import Settings
from tests.support.access import fresh
from tests.support.factories import make_case
from tests.support.ops import empty_database_url

NAME = "Zq Erasure Canary-Wanjiru"
NARRATIVE = "Zq erasure canary narrative: " + "followed after the hearing; " * 40


def _secrets_of_one_case(db: Session, vault: RecordVault) -> tuple[str, list[bytes]]:
    """A case whose defender is about to be erased with case content; returns the defender's
    reference and every secret byte string the database holds for them (wrapped keys and
    ciphertexts), after checking each is really there."""
    case = make_case(
        db,
        vault,
        defender={
            "name": NAME,
            "location": "Zq Canary Estate",
            "contact_details": "+254 711 222 333",
        },
        narrative=NARRATIVE,
    )
    # Another case that stays: the files keep changing around the erased rows.
    make_case(db, vault, defender={"name": "Zq Someone Else"}, narrative="Zq other")
    session = fresh(db)
    case = session.get(Case, case.id)
    assert case is not None
    defender = case.defenders[0]
    secrets = [
        bytes(defender.data_key.wrapped_key or b""),
        bytes(case.data_key.wrapped_key or b""),
        *(
            bytes(getattr(defender, f"{field}_ciphertext"))
            for field in ("name", "location", "contact_details")
        ),
        bytes(case.narrative_ciphertext or b""),
    ]
    assert all(len(secret) > 40 for secret in secrets)
    session.commit()
    return defender.reference, secrets


def _sqlite_files(settings: Settings) -> list[Path]:
    main = Path(make_url(settings.database_url).database or "")
    return [main, Path(f"{main}-wal"), Path(f"{main}-shm")]


def _found_in_files(files: list[Path], secrets: list[bytes]) -> list[tuple[str, int]]:
    found = []
    for path in files:
        content = path.read_bytes() if path.exists() else b""
        for index, secret in enumerate(secrets):
            if secret in content:
                found.append((path.name, index))
    return found


def test_an_erasure_leaves_no_copy_in_the_database(
    app: Flask,
    db: Session,
    vault: RecordVault,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if settings.is_sqlite:
        _sqlite_files_hold_no_copy(db, vault, settings)
    else:
        _postgresql_keeps_no_dead_tuple(db, vault, capsys)


def _sqlite_files_hold_no_copy(db: Session, vault: RecordVault, settings: Settings) -> None:
    reference, secrets = _secrets_of_one_case(db, vault)
    files = _sqlite_files(settings)
    # The attack works before the erasure: the bytes are there to be found.
    found_before = _found_in_files(files, secrets)
    assert {index for _, index in found_before} == set(range(len(secrets)))
    connection = db.connection()
    assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    db.commit()

    erase_defender(db, reference, ErasureReason.SAFETY, actor_id=None, include_case_content=True)

    assert _found_in_files(files, secrets) == []
    wal = files[1]
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed with TRUNCATE


def _pageinspect_available(db: Session) -> bool:
    try:
        db.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        db.commit()
    except Exception:  # noqa: BLE001 - not a superuser, or the contrib package is absent
        db.rollback()
        return False
    return True


def _tuples_holding(db: Session, table: str, secret: bytes) -> int:
    """Tuples (live or dead, any visibility) on the table's pages whose data holds ``secret``."""
    pages = db.scalar(
        text(f"SELECT pg_relation_size('{table}') / current_setting('block_size')::int")
    )
    count = 0
    for page in range(int(pages or 0)):
        count += (
            db.scalar(
                text(
                    f"SELECT count(*) FROM heap_page_items(get_raw_page('{table}', :page)) "  # noqa: S608 - fixed table names
                    "WHERE position(:secret IN t_data) > 0"
                ),
                {"page": page, "secret": secret},
            )
            or 0
        )
    return count


def _postgresql_keeps_no_dead_tuple(
    db: Session, vault: RecordVault, capsys: pytest.CaptureFixture[str]
) -> None:
    reference, secrets = _secrets_of_one_case(db, vault)
    wrapped_keys = secrets[:2]
    if not _pageinspect_available(db):
        with capsys.disabled():
            print(
                "\nPAGEINSPECT NOT AVAILABLE: the dead-tuple check of the post-erasure VACUUM "
                "could not run on this server; only the live rows were checked"
            )
        erase_defender(
            db, reference, ErasureReason.SAFETY, actor_id=None, include_case_content=True
        )
        assert (
            fresh(db).scalar(select(DataKey).where(DataKey.wrapped_key.in_(wrapped_keys))) is None
        )
        return
    # The attack works before the erasure: the live tuples hold the wrapped keys.
    assert all(_tuples_holding(db, "data_keys", key) == 1 for key in wrapped_keys)
    db.commit()

    erase_defender(db, reference, ErasureReason.SAFETY, actor_id=None, include_case_content=True)

    fresh(db)
    for key in wrapped_keys:
        assert _tuples_holding(db, "data_keys", key) == 0
    for table, secret in (("defenders", secrets[2]), ("cases", secrets[5][:64])):
        assert _tuples_holding(db, table, secret) == 0, table
    db.commit()


@pytest.fixture
def keyring_restored(settings: Settings, vault: RecordVault) -> Iterator[None]:
    """The test rotates and retires the session's keyring: put it back afterwards, so later
    tests meet the keyring they expect (the tables are emptied after each test anyway)."""
    saved = settings.keyring_file.read_bytes()
    try:
        yield
    finally:
        settings.keyring_file.write_bytes(saved)
        vault.reload()


def test_a_backup_from_before_an_erasure_is_refused_after_the_retirement(
    app: Flask,
    db: Session,
    vault: RecordVault,
    settings: Settings,
    tmp_path: Path,
    keyring_restored: None,
) -> None:
    reference, _ = _secrets_of_one_case(db, vault)
    provider = settings.key_provider()
    assert isinstance(provider, FileKeyProvider)
    before = tmp_path / "before-erasure.backup"
    result = backup(settings.database_url, vault.keyring(), before)
    assert result.kek_versions == (vault.keyring().primary,)

    erase_defender(
        db, reference, ErasureReason.SAFETY, actor_id=None, retire_within=timedelta(days=7)
    )
    epoch = fresh(db).scalars(select(KekRetirement)).one()
    assert epoch.completed_at is None
    # Not due yet: nothing happens, and the backup still opens (the refusal below is the
    # retirement's doing, not some other damage).
    assert retire_erased(db, provider).epochs == 0
    with before.open("rb") as stream:
        backup_format.open_backup(stream, provider.load())

    run = retire_erased(db, provider, now=epoch.due_at + timedelta(seconds=1))
    assert run.epochs == 1 and run.retired_versions == [epoch.kek_version]
    keyring = provider.load()
    assert epoch.kek_version not in keyring.versions()
    vault.reload()
    # Live data survived the rotation; the erased defender stays erased.
    other = fresh(db).scalar(select(Defender).where(Defender.erased_at.is_(None)))
    assert other is not None and vault.open_field(other, "name") == "Zq Someone Else"

    with (
        empty_database_url(tmp_path) as target_url,
        pytest.raises(BackupFormatError, match="unreadable by design") as refused,
    ):
        restore(target_url, keyring, before)
    assert f"needs key version(s) {epoch.kek_version}" in str(refused.value)
    # A backup taken now needs only the new primary, and opens.
    after = tmp_path / "after-retirement.backup"
    assert backup(settings.database_url, keyring, after).kek_versions == (keyring.primary,)
    assert fresh(db).scalar(select(KekRetirement.completed_at)) is not None
    assert utcnow() - epoch.requested_at < timedelta(minutes=5)
