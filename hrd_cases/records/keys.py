"""Key management over the database: status, rotation (re-wrap data keys), retirement.

Rotation never touches field ciphertexts: each data key is unwrapped with its old KEK and
wrapped again under the new primary, one batch per transaction. Every row is either on the
old or the new version at any moment and both stay in the keyring until ``retire``, so reads
keep working throughout, and a killed run resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.crypto import KeyProvider, Keyring, KeyringError, Rewrapper
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.models.keys import DataKey, KekRetirement
from hrd_cases.records.vault import data_key_context_for

DEFAULT_BATCH_SIZE = 2000


@dataclass(frozen=True, slots=True)
class KeyVersionStatus:
    version: int
    is_primary: bool
    in_keyring: bool
    data_keys: int


@dataclass(frozen=True, slots=True)
class KeyStatus:
    versions: list[KeyVersionStatus]
    erased_data_keys: int


def key_status(session: Session, keyring: Keyring) -> KeyStatus:
    live = DataKey.wrapped_key.is_not(None)
    counts: dict[int, int] = {
        version: count
        for version, count in session.execute(
            select(DataKey.kek_version, func.count()).where(live).group_by(DataKey.kek_version)
        )
    }
    erased = session.scalar(select(func.count()).select_from(DataKey).where(~live)) or 0
    versions = sorted(set(keyring.versions()) | set(counts))
    return KeyStatus(
        [
            KeyVersionStatus(v, v == keyring.primary, v in keyring.versions(), counts.get(v, 0))
            for v in versions
        ],
        erased,
    )


def pending_rotation(session: Session, keyring: Keyring) -> int:
    """Live data keys not yet on the primary KEK."""
    return (
        session.scalar(
            select(func.count())
            .select_from(DataKey)
            .where(DataKey.wrapped_key.is_not(None), DataKey.kek_version != keyring.primary)
        )
        or 0
    )


@dataclass(frozen=True, slots=True)
class RotationResult:
    new_primary: int
    started_new_version: bool
    rewrapped: int


def rotate(
    session: Session,
    provider: KeyProvider,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    actor_id: int | None = None,
) -> RotationResult:
    """Finish an interrupted rotation, or start one with a new primary KEK, then re-wrap.

    The new keyring is saved before any data key moves, so a crash at any point leaves every
    data key readable and a re-run completes the work.
    """
    keyring = provider.load()
    started = False
    if pending_rotation(session, keyring) == 0:
        keyring = keyring.with_new_primary()
        provider.save(keyring)
        started = True
    with write_transaction(session):
        total = pending_rotation(session, keyring)
        if on_start:
            on_start(total)
        audit.record(
            session,
            "keys.rotate.start",
            actor_id=actor_id,
            details={"primary": keyring.primary, "pending": total},
        )

    rewrapped = 0
    for old_version in sorted(v for v in keyring.versions() if v != keyring.primary):
        rewrapped += _rewrap_version(session, keyring, old_version, batch_size, on_progress)
    with write_transaction(session):
        audit.record(
            session,
            "keys.rotate.finish",
            actor_id=actor_id,
            details={"primary": keyring.primary, "rewrapped": rewrapped},
        )
    return RotationResult(keyring.primary, started, rewrapped)


def _unchanged(value: Any) -> Any:
    return value


def _rewrap_version(
    session: Session,
    keyring: Keyring,
    old_version: int,
    batch_size: int,
    on_progress: Callable[[int], None] | None,
) -> int:
    """Move every live data key of ``old_version`` to the primary, one batch per transaction.

    This is the one hot loop over a million rows, so it talks to the driver directly: plain
    tuples in and out, no per-row ORM or parameter processing. The UPDATE is a
    compare-and-set: a key erased or moved meanwhile is left alone.
    """
    dialect = session.get_bind().dialect
    start: int | str
    if dialect.name == "sqlite":
        # Walk in physical (rowid) order: each batch then writes neighbouring pages of the
        # table and of the kek_version index, instead of pages scattered by random UUIDs
        # (which made every commit checkpoint megabytes: 12k keys/s before, 35k after).
        mark, walk, start = "?", "rowid", 0
    else:
        mark, walk, start = "%s", "id", "00000000-0000-0000-0000-000000000000"
    # Only the driver's placeholder and a fixed column name are interpolated; every value is a
    # bound parameter.
    select_batch = (
        f"SELECT {walk}, id, wrapped_key FROM data_keys WHERE kek_version = {mark} "  # noqa: S608
        f"AND wrapped_key IS NOT NULL AND {walk} > {mark} ORDER BY {walk} LIMIT {mark}"
    )
    update_one = (
        f"UPDATE data_keys SET wrapped_key = {mark}, kek_version = {mark}, rotated_at = {mark} "  # noqa: S608
        f"WHERE {walk} = {mark} AND kek_version = {mark} AND wrapped_key IS NOT NULL"
    )
    to_db_time: Callable[[Any], Any] = (
        DataKey.__table__.c.rotated_at.type.bind_processor(dialect) or _unchanged
    )
    rewrapper = Rewrapper(keyring)
    moved, last = 0, start
    while True:
        with write_transaction(session):
            connection = session.connection()
            # (walk position, id, wrapped key): plain driver tuples, typed here by hand.
            rows = cast(
                list[tuple[Any, Any, bytes]],
                connection.exec_driver_sql(
                    select_batch, (old_version, last, batch_size)
                ).fetchall(),
            )
            if not rows:
                return moved
            now = to_db_time(utcnow())
            params = [
                (
                    rewrapper.rewrap(wrapped, data_key_context_for(_uuid_text(raw_id))),
                    keyring.primary,
                    now,
                    position,
                    old_version,
                )
                for position, raw_id, wrapped in rows
            ]
            connection.exec_driver_sql(update_one, params)
        moved, last = moved + len(rows), rows[-1][0]
        if on_progress:
            on_progress(len(rows))


def _uuid_text(raw_id: object) -> str:
    """Canonical text of an id as the driver returns it (SQLite: 32 hex digits)."""
    if isinstance(raw_id, str) and len(raw_id) == 32:
        return f"{raw_id[:8]}-{raw_id[8:12]}-{raw_id[12:16]}-{raw_id[16:20]}-{raw_id[20:]}"
    return str(raw_id)


def retire(
    session: Session, provider: KeyProvider, version: int, *, actor_id: int | None = None
) -> Keyring:
    """Remove a KEK version from the keyring; refused while any live data key still uses it."""
    with write_transaction(session):
        keyring = provider.load()
        if version not in keyring.versions():
            raise KeyringError(f"key version {version} is not in the keyring")
        if version == keyring.primary:
            raise KeyringError(f"key version {version} is the primary; rotate first")
        _refuse_if_used(session, version)
        retired = keyring.without_version(version)
        provider.save(retired)
        # A worker still on a keyring cached from before the rotation may have wrapped a new key
        # under this version a moment ago: look again, and put the version back if so.
        try:
            _refuse_if_used(session, version)
        except KeyringError:
            provider.save(keyring)
            raise
        audit.record(session, "keys.retire", actor_id=actor_id, details={"version": version})
    return retired


def _refuse_if_used(session: Session, version: int) -> None:
    still_used = (
        session.scalar(
            select(func.count())
            .select_from(DataKey)
            .where(DataKey.kek_version == version, DataKey.wrapped_key.is_not(None))
        )
        or 0
    )
    if still_used:
        raise KeyringError(
            f"key version {version} still wraps {still_used} data keys; run `hrd-cases keys "
            "rotate` to finish moving them"
        )


# Erasure epochs -----------------------------------------------------------------------------
DEFAULT_RETIRE_WITHIN = timedelta(days=7)


def schedule_kek_retirement(
    session: Session, kek_version: int, *, within: timedelta, now: datetime | None = None
) -> datetime:
    """In the erasure's transaction: KEK versions up to ``kek_version`` (the version the erased
    key was wrapped under) must be retired by now + ``within``.

    Copies made before the erasure (SQLite WAL, PostgreSQL dead tuples and WAL archives,
    backups) hold the erased data key wrapped under that version or, from before a rotation,
    an older one; once they have all left the keyring, nothing can unwrap it. Returns the date
    by which that is true (an open epoch for the same version keeps its earlier date).
    """
    now = now or utcnow()
    pending = session.scalar(
        select(KekRetirement).where(
            KekRetirement.kek_version == kek_version, KekRetirement.completed_at.is_(None)
        )
    )
    if pending is not None:
        return pending.due_at
    epoch = KekRetirement(kek_version=kek_version, requested_at=now, due_at=now + within)
    session.add(epoch)
    return epoch.due_at


def open_retirement_date(session: Session) -> datetime | None:
    """The earliest date an open erasure epoch is due (None when nothing waits)."""
    return session.scalar(
        select(func.min(KekRetirement.due_at)).where(KekRetirement.completed_at.is_(None))
    )


@dataclass(frozen=True, slots=True)
class RetirementRun:
    epochs: int
    retired_versions: list[int]
    new_primary: int | None


def retire_erased(
    session: Session,
    provider: KeyProvider,
    *,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    actor_id: int | None = None,
) -> RetirementRun:
    """Run the erasure epochs that are due: rotate, then retire every KEK version they name.

    The job of the daily timer (or the worker). Resumable like rotation: killed half-way, the
    next run finishes it. Nothing due: nothing changes.
    """
    now = now or utcnow()
    due = list(
        session.scalars(
            select(KekRetirement)
            .where(KekRetirement.completed_at.is_(None), KekRetirement.due_at <= now)
            .order_by(KekRetirement.kek_version)
        )
    )
    session.commit()  # end the read: rotation takes its own write transactions
    if not due:
        return RetirementRun(0, [], None)
    highest = max(epoch.kek_version for epoch in due)
    keyring = provider.load()
    if keyring.primary <= highest or pending_rotation(session, keyring):
        rotate(session, provider, batch_size=batch_size, actor_id=actor_id)
        keyring = provider.load()
    retired: list[int] = []
    for version in [v for v in keyring.versions() if v <= highest and v != keyring.primary]:
        keyring = retire(session, provider, version, actor_id=actor_id)
        retired.append(version)
    with write_transaction(session):
        for epoch in due:
            epoch = session.merge(epoch)
            epoch.rotated_to = keyring.primary
            epoch.completed_at = utcnow()
        audit.record(
            session,
            "keys.erasure_epoch",
            actor_id=actor_id,
            details={"retired": ",".join(map(str, retired)), "primary": keyring.primary},
        )
    return RetirementRun(len(due), retired, keyring.primary)
