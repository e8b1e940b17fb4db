"""Delivering the outbox: claim a batch, send each message, mark it; retry with exponential
backoff; after ``notify_max_attempts`` failures mark it failed (the admin sees it).

Claims are leases: a row is ``claimed`` by one worker until ``lease_until``. On PostgreSQL any
number of workers claim with ``FOR UPDATE SKIP LOCKED``; on SQLite the claim runs under the
database write lock (BEGIN IMMEDIATE), and one worker is the supported set-up.

Exactly once: a row is marked ``handing_over`` (committed) just before the last, irrevocable
step of the hand-over (see notify.transport). A crash before that leaves a claimed row whose
lease expires and which is sent again: the server discarded the unfinished copy. A crash after
it leaves ``handing_over``: never sent again, it is marked failed with the reason, so the admin
decides (the server may or may not have it). That window is one socket write.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from hrd_cases.auth.links import link_url
from hrd_cases.db import Database, utcnow, write_transaction
from hrd_cases.models import AccountLink, OutboxMessage, OutboxState, User
from hrd_cases.notify.events import expand_pending
from hrd_cases.notify.render import build_email, build_link_email
from hrd_cases.notify.transport import HandOverAborted, Transport
from hrd_cases.records import RecordVault
from hrd_cases.settings import Settings
from hrd_cases.workflow.templates import StrategyCatalogue, load_catalogue

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted during hand-over: may have been delivered, not resent"
LINK_WITHDRAWN = "account link used, replaced or expired before delivery: not sent"
# Failures that say nothing about one message: the server or the network is down.
CONNECTION_ERRORS = (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)


def backoff(settings: Settings, attempts: int) -> timedelta:
    """30 s, 60 s, 120 s... capped: the wait after the ``attempts``-th failure."""
    seconds = settings.notify_backoff_base_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.notify_backoff_cap_seconds))


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


@dataclass
class BatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0


@dataclass
class OutboxWorker:
    database: Database
    settings: Settings
    transport: Transport
    catalogue: StrategyCatalogue | None = None  # the app's; loaded from settings if absent
    worker_id: str = field(default_factory=default_worker_id)
    clock: Callable[[], datetime] = utcnow
    vault: RecordVault | None = None  # the app's; opened from settings if absent

    def __post_init__(self) -> None:
        self._rules = self.catalogue or load_catalogue(self.settings.strategies_dir)
        self._vault = self.vault or RecordVault(
            self.settings.key_provider(), index_bits=self.settings.blind_index_bits
        )

    def expand(self) -> int:
        """Fan recorded events out into notifications and outbox rows, until none is left."""
        total = 0
        while True:
            with self.database.session() as session:
                expanded = expand_pending(session, self._rules)
            total += expanded
            if not expanded:
                return total

    # Claiming --------------------------------------------------------------------------------
    def recover(self) -> int:
        """Rows whose worker died: claimed ones go back to the queue (nothing was sent);
        ones caught mid hand-over are failed, never resent."""
        now = self.clock()
        with self.database.session() as session, write_transaction(session):
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.state == OutboxState.CLAIMED,
                    OutboxMessage.lease_until < now,
                )
                .values(state=OutboxState.QUEUED, claimed_by=None, lease_until=None)
            )
            interrupted = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.state == OutboxState.HANDING_OVER,
                    OutboxMessage.lease_until < now,
                )
                .values(state=OutboxState.FAILED, last_error=INTERRUPTED, lease_until=None)
            )
            # A link whose e-mail never went (the server refused it until the worker gave up)
            # keeps its encrypted token no longer than the link itself lives.
            session.execute(
                update(AccountLink)
                .where(AccountLink.token_ciphertext.is_not(None), AccountLink.expires_at < now)
                .values(token_ciphertext=None)
            )
            return interrupted.rowcount  # type: ignore[attr-defined]

    def claim(self) -> list[int]:
        now = self.clock()
        with self.database.session() as session, write_transaction(session):
            ids = list(
                session.scalars(
                    select(OutboxMessage.id)
                    .where(
                        OutboxMessage.state == OutboxState.QUEUED,
                        OutboxMessage.next_attempt_at <= now,
                    )
                    .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                    .limit(self.settings.notify_batch_size)
                    .with_for_update(skip_locked=True)
                )
            )
            if ids:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids))
                    .values(
                        state=OutboxState.CLAIMED,
                        claimed_by=self.worker_id,
                        lease_until=now + timedelta(seconds=self.settings.notify_lease_seconds),
                    )
                )
        return ids

    # Sending ---------------------------------------------------------------------------------
    def run_once(self) -> BatchResult:
        """Expand new events, recover, claim one batch and deliver it."""
        self.expand()
        self.recover()
        ids = self.claim()
        result = BatchResult()
        if not ids:
            return result
        try:
            for message_id in ids:
                outcome = self._deliver(message_id)
                setattr(result, outcome, getattr(result, outcome) + 1)
        finally:
            self.transport.close()
        return result

    def _deliver(self, message_id: int) -> str:
        with self.database.session() as session:
            message = session.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .options(
                    selectinload(OutboxMessage.notifications),
                    selectinload(OutboxMessage.user).selectinload(User.delegation),
                    selectinload(OutboxMessage.account_link),
                )
            )
            if message is None or message.claimed_by != self.worker_id:
                return "retried"
            link = message.account_link
            if link is not None:
                token = self._pending_token(link)
                if token is None:
                    return self._withdraw(session, message_id, link.id)
                email = build_link_email(
                    message,
                    purpose=link.purpose,
                    link=link_url(self.settings.public_base_url, token),
                    expires_at=link.expires_at,
                    sender=self.settings.mail_from,
                    now=self.clock(),
                )
            else:
                email = build_email(
                    message,
                    sender=self.settings.mail_from,
                    base_url=self.settings.public_base_url,
                    now=self.clock(),
                )
            link_id = message.account_link_id
            session.rollback()  # end the read before the network
            try:
                self.transport.send(email, lambda: self._mark_handing_over(message_id))
            except HandOverAborted:
                return "retried"
            except (smtplib.SMTPException, OSError) as exc:
                self.transport.close()
                return self._record_failure(session, message_id, exc)
            self._mark(
                session,
                message_id,
                OutboxState.HANDING_OVER,
                clear_link_id=link_id,
                state=OutboxState.SENT,
                sent_at=self.clock(),
                lease_until=None,
                last_error=None,
            )
            return "sent"

    def _pending_token(self, link: AccountLink) -> str | None:
        """The token of a link still waiting for its e-mail; None once it was used, replaced,
        revoked or expired (then nothing is sent: the link would not work)."""
        usable = (
            link.used_at is None
            and link.revoked_at is None
            and link.expires_at > self.clock()
            and link.token_ciphertext is not None
        )
        return self._vault.open_field(link, "token") if usable else None

    def _withdraw(self, session: Session, message_id: int, link_id: int) -> str:
        self._mark(
            session,
            message_id,
            OutboxState.CLAIMED,
            clear_link_id=link_id,
            state=OutboxState.FAILED,
            last_error=LINK_WITHDRAWN,
            lease_until=None,
        )
        return "failed"

    def _mark_handing_over(self, message_id: int) -> bool:
        """Only while the claim's lease holds: once it expired another worker may have
        reclaimed the row, and finishing would send it twice."""
        now = self.clock()
        with self.database.session() as session, write_transaction(session):
            changed = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.state == OutboxState.CLAIMED,
                    OutboxMessage.claimed_by == self.worker_id,
                    OutboxMessage.lease_until > now,
                )
                .values(
                    state=OutboxState.HANDING_OVER,
                    lease_until=now + timedelta(seconds=self.settings.notify_lease_seconds),
                )
            )
        return bool(changed.rowcount)  # type: ignore[attr-defined]

    def _mark(
        self,
        session: Session,
        message_id: int,
        expected: OutboxState,
        *,
        clear_link_id: int | None = None,
        **values: object,
    ) -> bool:
        """Change a row this worker holds in the expected state; False if it no longer does.
        With ``clear_link_id``, the sent link's encrypted token goes in the same commit."""
        with write_transaction(session):
            changed = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.state == expected,
                    OutboxMessage.claimed_by == self.worker_id,
                )
                .values(**values)
            )
            if clear_link_id is not None:
                session.execute(
                    update(AccountLink)
                    .where(AccountLink.id == clear_link_id)
                    .values(token_ciphertext=None)
                )
        return bool(changed.rowcount)  # type: ignore[attr-defined]

    def _record_failure(self, session: Session, message_id: int, exc: BaseException) -> str:
        """Only the error's class is kept: an SMTP reply may quote the address."""
        with write_transaction(session):
            message = session.get(OutboxMessage, message_id, with_for_update=True)
            if message is None or message.claimed_by != self.worker_id:
                return "retried"
            message.attempts += 1
            message.last_error = type(exc).__name__
            message.claimed_by, message.lease_until = None, None
            ambiguous = message.state is OutboxState.HANDING_OVER and not isinstance(
                exc, smtplib.SMTPResponseException
            )
            if ambiguous:
                # The final dot went out and the reply never came: the server may have it.
                message.state, message.last_error = OutboxState.FAILED, INTERRUPTED
                outcome = "failed"
            elif message.attempts >= self.settings.notify_max_attempts:
                message.state = OutboxState.FAILED
                outcome = "failed"
            else:
                message.state = OutboxState.QUEUED
                message.next_attempt_at = self.clock() + backoff(self.settings, message.attempts)
                outcome = "retried"
        log.warning(
            "outbox message %s not delivered (%s, attempt %s)",
            message_id,
            type(exc).__name__,
            message.attempts,
        )
        return outcome

    # The loop --------------------------------------------------------------------------------
    def run(
        self,
        stop: threading.Event,
        *,
        tick: Callable[[], None] | None = None,
        tick_seconds: float = 60.0,
    ) -> None:
        """Deliver until ``stop`` is set (SIGTERM sets it): the message in hand is finished,
        then the loop ends. ``tick`` (the scheduler) runs at most every ``tick_seconds``."""
        last_tick: float | None = None
        while not stop.is_set():
            if tick is not None and (
                last_tick is None or time.monotonic() - last_tick >= tick_seconds
            ):
                last_tick = time.monotonic()
                try:
                    tick()
                except Exception:
                    log.exception("scheduler tick failed")
            try:
                result = self.run_once()
            except Exception:
                log.exception("outbox batch failed")
                result = BatchResult()
            if not (result.sent or result.retried or result.failed):
                stop.wait(self.settings.notify_poll_seconds)


def failed_messages(session: Session, limit: int = 100) -> list[OutboxMessage]:
    """What the admin sees: messages that will not be sent without someone acting."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.state == OutboxState.FAILED)
            .options(selectinload(OutboxMessage.user))
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def retry_failed(session: Session, message_id: int) -> bool:
    """The admin sends a failed message again (after checking it did not arrive)."""
    with write_transaction(session):
        changed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.state == OutboxState.FAILED)
            .values(
                state=OutboxState.QUEUED,
                attempts=0,
                next_attempt_at=utcnow(),
                claimed_by=None,
                last_error=None,
            )
        )
    return bool(changed.rowcount)  # type: ignore[attr-defined]
