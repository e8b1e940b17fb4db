"""In development e-mails are written to instance/outbox/*.eml instead of being sent, and the
demo's server runs the worker and says where e-mails go."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.auth import accounts
from hrd_cases.db import database_of
from hrd_cases.models import OutboxMessage, OutboxState, Role
from hrd_cases.notify.transport import DirectoryTransport, transport_for
from hrd_cases.notify.worker import OutboxWorker
from hrd_cases.settings import Settings
from tests.support.factories import make_user


def test_development_emails_are_eml_files(
    app: Flask, db: Session, settings: Settings, tmp_path: Path
) -> None:
    development = settings.replace(instance_path=tmp_path, mail_transport="directory")
    transport = transport_for(development)
    assert isinstance(transport, DirectoryTransport)
    assert transport.directory == tmp_path / "outbox"
    user = make_user(db, Role.FOCAL_POINT)
    accounts.reset_second_factor(db, user)
    worker = OutboxWorker(
        database_of(app), development, transport, app.extensions["hrd_strategies"]
    )
    assert worker.run_once().sent == 1
    files = sorted((tmp_path / "outbox").iterdir())
    assert [f.suffix for f in files] == [".eml"]  # no partial file left behind
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert str(message["Subject"]).strip() == "[hrd_cases] Your second factor was reset"
    assert str(message["To"]) == user.email
    db.rollback()
    sent = db.scalar(select(OutboxMessage))
    assert sent is not None and sent.state is OutboxState.SENT
    assert str(message["Message-ID"]) == sent.idempotency_key


def test_demo_script_runs_the_worker_with_the_server(project_root: Path) -> None:
    script = (project_root / "scripts" / "demo.sh").read_text()
    assert "hrd-cases serve --with-worker" in script
