"""Acceptance 4: after `defender erase ... --with-case-content`, and after retention, no
attachment of the case can be decrypted, even by someone holding the whole keyring and every
sealed chunk."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask.testing import FlaskCliRunner
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hrd_cases.crypto import DecryptionError, unwrap_data_key
from hrd_cases.crypto.chunked import ChunkError, open_chunk
from hrd_cases.crypto.context import attachment_binding
from hrd_cases.db import utcnow
from hrd_cases.domain.vocabulary import ClosureOutcome
from hrd_cases.models import Attachment, AttachmentChunk, Case, DataKey
from hrd_cases.ops.retention import apply_retention
from hrd_cases.records import RecordVault
from hrd_cases.records.vault import data_key_context_for
from hrd_cases.workflow import case_steps
from tests.support.attachments import Setup, canary_image, canary_text, upload
from tests.support.factories import strategy_catalogue


def _files(setup: Setup, db: Session) -> list[uuid.UUID]:
    reference = setup.case.reference
    assert upload(setup.client, reference, canary_text(), "a.txt").status_code == 302
    assert upload(setup.client, reference, canary_image(), "b.jpg").status_code == 302
    db.commit()
    ids = list(db.scalars(select(Attachment.id).where(Attachment.case_id == setup.case.id)))
    assert len(ids) == 2
    for attachment_id in ids:  # readable before
        got = setup.client.get(f"/cases/{reference}/attachments/{attachment_id}")
        assert got.status_code == 200
    return ids


def _assert_undecryptable(
    setup: Setup, db: Session, vault: RecordVault, ids: list[uuid.UUID]
) -> None:
    db.commit()
    db.expire_all()
    keyring = vault.keyring()
    case = db.get(Case, setup.case.id)
    assert case is not None
    data_key = db.get(DataKey, case.data_key_id)
    assert data_key is not None and data_key.wrapped_key is None and data_key.erased_at
    # Every secret the keyring holds, tried as the data key itself and as its unwrapper.
    secrets = [*keyring.keks.values(), keyring.index_key]
    for attachment_id in ids:
        attachment = db.get(Attachment, attachment_id)
        assert attachment is not None
        assert attachment.title_ciphertext is None and attachment.filename_ciphertext is None
        bodies = list(
            db.scalars(
                select(AttachmentChunk.body)
                .where(AttachmentChunk.attachment_id == attachment_id)
                .order_by(AttachmentChunk.index)
            )
        )
        assert bodies, "the sealed chunks are still there: the key is what is gone"
        binding = attachment_binding(str(case.id), str(attachment_id))
        for secret, (index, body) in itertools.product(secrets, enumerate(bodies)):
            with pytest.raises(ChunkError):
                open_chunk(AESGCM(secret), binding, index, bytes(body))
        with pytest.raises((DecryptionError, TypeError, ValueError)):
            unwrap_data_key(keyring, data_key.wrapped_key, data_key_context_for(data_key.id))  # type: ignore[arg-type]
        answer = setup.client.get(f"/cases/{setup.case.reference}/attachments/{attachment_id}")
        assert answer.status_code in (404, 409)
        assert b"Zx9Evid" not in answer.get_data()


def test_defender_erasure_with_case_content_reaches_every_attachment(
    focal: Setup, db: Session, vault: RecordVault, runner: FlaskCliRunner
) -> None:
    ids = _files(focal, db)
    defender = focal.case.defenders[0].reference
    result = runner.invoke(
        args=[
            "defender",
            "erase",
            defender,
            "--reason",
            "defender_request",
            "--with-case-content",
            "--yes",
        ]
    )
    assert result.exit_code == 0, result.output
    _assert_undecryptable(focal, db, vault, ids)
    report = runner.invoke(args=["attachments", "verify"])
    assert report.exit_code == 0
    assert "2 file(s) checked: 0 broken, 2 erased" in report.output


def test_retention_reaches_every_attachment(focal: Setup, db: Session, vault: RecordVault) -> None:
    ids = _files(focal, db)
    case_steps.close_case(
        db, vault, strategy_catalogue(), focal.user, focal.case.reference, ClosureOutcome.RESOLVED
    )
    long_ago = utcnow() - timedelta(days=20 * 365)
    db.execute(update(Case).where(Case.id == focal.case.id).values(closed_at=long_ago))
    db.commit()
    report = apply_retention(db, strategy_catalogue())
    assert report.cases == 1
    _assert_undecryptable(focal, db, vault, ids)
