"""`hrd-cases backup` and `restore`: round trip on the backend under test, refusal of a
non-empty target, and a backup file that reveals nothing without the keyring."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.audit import verify_chain
from hrd_cases.crypto import FileKeyProvider, Keyring
from hrd_cases.db import database_of
from hrd_cases.domain.vocabulary import AssistanceType, ClosureOutcome, Mechanism
from hrd_cases.models import Defender, Delegation, Role, User
from hrd_cases.ops import backup_format
from hrd_cases.ops.backup import backup, restore
from hrd_cases.ops.backup_format import BackupFormatError
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import ErasureReason, erase_defender
from hrd_cases.settings import Settings
from hrd_cases.workflow import case_steps, referrals
from hrd_cases.workflow.referrals import ReferralInput
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue
from tests.support.ops import app_on, empty_database_url, everything_decrypted, row_counts

NAMES = ("Wanjiru Backupcheck", "Kemal Snapshotson", "Rosa Restoreva")
NARRATIVE = "Followed after the Kisumu land hearing; threatened by phone"
REASON = "Relocated abroad, asked to close"
JUSTIFICATION = "Digital security kit after device seizure"


def _populate(db: Session, vault: RecordVault) -> list[bytes]:
    """Cases with every kind of encrypted field; returns the plaintexts to look for."""
    delegation = make_delegation(db, country="KE", name="Delegation Plaintextville")
    focal = make_user(db, Role.FOCAL_POINT, delegation=delegation, email="focal.secret@x.org")
    make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
    references = []
    for name in NAMES:
        case = make_case(
            db,
            vault,
            delegation=delegation,
            actor=focal,
            defender={"name": name, "contact_details": "+254 711 000 111"},
            narrative=NARRATIVE,
        )
        references.append(case.reference)
    referrals.create_referral(
        db,
        vault,
        strategy_catalogue(),
        focal,
        references[0],
        ReferralInput(
            Mechanism.EU_HRD_MECHANISM,
            [AssistanceType.DIGITAL_SECURITY],
            justification=JUSTIFICATION,
        ),
    )
    case_steps.close_case(
        db, vault, strategy_catalogue(), focal, references[1], ClosureOutcome.RISK_REDUCED, REASON
    )
    erased = db.scalars(select(Defender.reference)).all()[-1]
    erase_defender(db, erased, ErasureReason.SAFETY, actor_id=None)
    plaintexts = [*NAMES[:2], NARRATIVE, REASON, JUSTIFICATION, "+254 711 000 111"]
    return [p.encode() for p in plaintexts] + [b"focal.secret@x.org", b"Plaintextville"]


def test_round_trip_restores_every_record_identically(
    app: Flask, db: Session, vault: RecordVault, settings: Settings, tmp_path: Path
) -> None:
    plaintexts = _populate(db, vault)
    before = everything_decrypted(db, vault)
    counts = row_counts(db, skip=("audit_entries", "audit_chain_head"))
    out = tmp_path / "hrd.backup"

    result = app.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "it opens only with this keyring" in result.output

    raw = out.read_bytes()
    for plaintext in plaintexts:
        assert plaintext not in raw
    assert b"SQLite format 3" not in raw and b"PGDMP" not in raw  # the snapshot is sealed

    with empty_database_url(tmp_path) as target_url, app_on(settings, target_url) as target:
        restored = target.test_cli_runner().invoke(args=["restore", str(out)])
        assert restored.exit_code == 0, restored.output
        with database_of(target).session() as session:
            assert everything_decrypted(session, target.extensions["hrd_vault"]) == before
            assert row_counts(session, skip=("audit_entries", "audit_chain_head")) == counts
            assert verify_chain(session)[1] is None  # history intact, restore appended
            assert session.scalar(select(Delegation.name)) == "Delegation Plaintextville"

        again = target.test_cli_runner().invoke(args=["restore", str(out)])
        assert again.exit_code != 0
        assert "not empty" in again.output and "Traceback" not in again.output
        assert len(again.output.strip().splitlines()) == 1


def test_restore_refuses_a_non_empty_database(app: Flask, db: Session, tmp_path: Path) -> None:
    make_delegation(db)
    out = tmp_path / "b.backup"
    assert app.test_cli_runner().invoke(args=["backup", "--out", str(out)]).exit_code == 0
    result = app.test_cli_runner().invoke(args=["restore", str(out)])
    assert result.exit_code != 0
    assert "refusing to restore: the target database is not empty" in result.output


def test_backup_never_overwrites(app: Flask, tmp_path: Path) -> None:
    out = tmp_path / "exists.backup"
    out.write_bytes(b"previous backup")
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert out.read_bytes() == b"previous backup"


def test_without_the_keyring_the_backup_opens_nothing(
    app: Flask, db: Session, vault: RecordVault, settings: Settings, tmp_path: Path
) -> None:
    _populate(db, vault)
    out = tmp_path / "b.backup"
    backup(settings.database_url, vault.keyring(), out)
    other = Keyring.generate()
    with out.open("rb") as stream, pytest.raises(BackupFormatError, match="does not open"):
        backup_format.open_backup(stream, other)
    with empty_database_url(tmp_path) as target_url:
        with pytest.raises(BackupFormatError):
            restore(target_url, other, out)
        # A later keyring that retired the backup's KEK cannot open it either.
        retired = vault.keyring().with_new_primary()
        retired = retired.without_version(vault.keyring().primary)
        with pytest.raises(BackupFormatError, match="no longer in the keyring"):
            restore(target_url, retired, out)


def test_a_damaged_backup_restores_nothing(
    app: Flask, db: Session, vault: RecordVault, settings: Settings, tmp_path: Path
) -> None:
    _populate(db, vault)
    out = tmp_path / "b.backup"
    backup(settings.database_url, vault.keyring(), out)
    raw = out.read_bytes()
    truncated, flipped = tmp_path / "truncated.backup", tmp_path / "flipped.backup"
    truncated.write_bytes(raw[: len(raw) - 40])
    flipped.write_bytes(raw[:-100] + bytes([raw[-100] ^ 1]) + raw[-99:])
    with empty_database_url(tmp_path) as target_url, app_on(settings, target_url) as target:
        for damaged, reason in ((truncated, "truncated"), (flipped, "does not authenticate")):
            with pytest.raises(BackupFormatError, match=reason):
                restore(target_url, vault.keyring(), damaged)
        with database_of(target).engine.connect() as connection:
            from sqlalchemy import inspect

            assert inspect(connection).get_table_names() == []  # nothing half-restored


def test_a_failed_backup_leaves_no_file(
    app: Flask, db: Session, vault: RecordVault, settings: Settings, tmp_path: Path
) -> None:
    make_case(db, vault)
    out = tmp_path / "b.backup"

    class Killed(Exception):
        pass

    def die(count: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        backup(settings.database_url, vault.keyring(), out, on_progress=die)
    assert list(tmp_path.iterdir()) == []


def test_format_detects_reordered_dropped_and_appended_chunks() -> None:
    keyring = Keyring.generate()
    header, key = backup_format.new_header(keyring, backend="sqlite", created_at="t", revision="r")
    sink = io.BytesIO()
    chunks = [b"a" * 10, b"b" * 10, b"c" * 10]
    backup_format.write_backup(sink, header, key, chunks)
    data = sink.getvalue()

    def opened(blob: bytes) -> bytes:
        _, parts = backup_format.open_backup(io.BytesIO(blob), keyring)
        return b"".join(parts)

    assert opened(data) == b"".join(chunks)
    prefix_end = len(backup_format.MAGIC) + 4 + len(header.to_bytes())
    record = 4 + 12 + 10 + 16
    body = data[prefix_end:]
    first, second, third = body[:record], body[record : 2 * record], body[2 * record :]
    with pytest.raises(BackupFormatError, match="does not authenticate"):
        opened(data[:prefix_end] + second + first + third)
    with pytest.raises(BackupFormatError, match="truncated"):
        opened(data[:prefix_end] + first + second)  # final chunk dropped
    with pytest.raises(BackupFormatError, match="does not authenticate"):
        opened(data[:prefix_end] + first + third)  # middle chunk dropped
    with pytest.raises(BackupFormatError, match="after its final chunk"):
        opened(data + first)
    tampered_header = data.replace(b'"backend": "sqlite"', b'"backend": "sqlitX"')
    with pytest.raises(BackupFormatError, match="does not authenticate"):
        opened(tampered_header)
    with pytest.raises(BackupFormatError, match="not an hrd_cases backup"):
        opened(b"SQLite format 3\x00" + data[16:])


def test_keyring_file_is_what_restore_needs(
    app: Flask, db: Session, vault: RecordVault, settings: Settings, tmp_path: Path
) -> None:
    """Restore on a new server: only the backup file and a copy of the keyring file."""
    _populate(db, vault)
    before = everything_decrypted(db, vault)
    out = tmp_path / "b.backup"
    backup(settings.database_url, vault.keyring(), out)
    keyring_copy = tmp_path / "keyring-copy.json"
    FileKeyProvider.create(keyring_copy, FileKeyProvider(settings.keyring_file).load())
    moved = settings.replace(keyring_file=keyring_copy)
    with empty_database_url(tmp_path) as target_url, app_on(moved, target_url) as target:
        restore(target_url, FileKeyProvider(keyring_copy).load(), out)
        with database_of(target).session() as session:
            assert everything_decrypted(session, target.extensions["hrd_vault"]) == before
            assert session.scalar(select(User).where(User.email == "focal.secret@x.org"))


def test_backup_is_consistent_while_the_application_writes(
    app: Flask, db: Session, vault: RecordVault, settings: Settings, tmp_path: Path
) -> None:
    """Online: intakes keep committing during the backup; the restored copy is one consistent
    moment (every case has its data key and defender, the audit chain verifies)."""
    import threading
    import time

    from hrd_cases.models import Case, CaseDefender

    delegation = make_delegation(db)
    stop = threading.Event()
    written = []

    def keep_writing() -> None:
        with database_of(app).session() as session:
            while not stop.is_set():
                written.append(make_case(session, vault, delegation=delegation).reference)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(written) < 3:
            time.sleep(0.01)
        out = tmp_path / "online.backup"
        backup(settings.database_url, vault.keyring(), out)
        copied_at = len(written)
    finally:
        stop.set()
        writer.join()
    with empty_database_url(tmp_path) as target_url, app_on(settings, target_url) as target:
        restore(target_url, vault.keyring(), out)
        with database_of(target).session() as session:
            cases = session.scalars(select(Case)).all()
            assert 3 <= len(cases) <= copied_at + 1
            assert verify_chain(session)[1] is None
            links = session.scalars(select(CaseDefender)).all()
            assert len(links) == len(cases)
            for case in cases:
                assert target.extensions["hrd_vault"].open_field(case, "narrative") == "Narrative."
