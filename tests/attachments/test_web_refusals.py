"""The case page's upload form: a missing or misplaced CSRF token is refused before any byte
of the file is stored, and each refused file says why on the page."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases.models import Attachment, AttachmentChunk
from tests.support.attachments import Setup, canary_text, csrf_token, upload

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def _stored(db: Session) -> tuple[int, int]:
    db.commit()
    return (
        db.scalar(select(func.count()).select_from(Attachment)) or 0,
        db.scalar(select(func.count()).select_from(AttachmentChunk)) or 0,
    )


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_a_missing_or_wrong_csrf_token_is_refused(
    focal: Setup, db: Session, token: str | None
) -> None:
    answer = upload(focal.client, focal.case.reference, canary_text(), "a.txt", token=token)
    assert answer.status_code == 400
    assert "The form expired" in answer.get_data(as_text=True)
    assert _stored(db) == (0, 0)


def test_a_file_sent_before_the_token_is_refused(focal: Setup, db: Session) -> None:
    token = csrf_token(focal.client, f"/cases/{focal.case.reference}")
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
        + canary_text()
        + b'\r\n--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token.encode()
        + b"\r\n--b--\r\n"
    )
    answer = focal.client.post(
        f"/cases/{focal.case.reference}/attachments",
        data=io.BytesIO(body),
        content_type="multipart/form-data; boundary=b",
    )
    assert answer.status_code == 400
    assert _stored(db) == (0, 0)


@pytest.mark.parametrize(
    ("content", "filename", "shown"),
    [
        (EICAR, "eicar.com.txt", "matches a known malware signature"),
        (b"<html><body><script>steal()</script></body></html>", "decision.pdf", "web-page"),
        (b"", "empty.txt", "The file is empty."),
        (b"PK\x03\x04" + b"\x00" * 100, "archive.docx", "This kind of file is not accepted"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x13" * 64, "cut.jpg", "looks damaged"),
    ],
)
def test_refused_files_are_explained_on_the_case_page(
    focal: Setup, db: Session, content: bytes, filename: str, shown: str
) -> None:
    answer = upload(focal.client, focal.case.reference, content, filename)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert shown in page
    assert f"Case {focal.case.reference}" in page  # the case page, with its form again
    assert _stored(db) == (0, 0)


def test_over_the_case_limit_nothing_is_half_stored(focal: Setup, db: Session) -> None:
    settings = focal.client.application.extensions["hrd_settings"]
    focal.client.application.extensions["hrd_settings"] = settings.replace(
        attachment_max_file_bytes=3 * 1024 * 1024, attachment_max_case_bytes=4 * 1024 * 1024
    )
    first = upload(focal.client, focal.case.reference, b"a" * (3 * 1024 * 1024), "one.txt")
    assert first.status_code == 302
    assert _stored(db) == (1, 3)
    second = upload(focal.client, focal.case.reference, b"b" * (2 * 1024 * 1024), "two.txt")
    assert second.status_code == 422
    assert "over their 4 MB limit" in second.get_data(as_text=True)
    assert _stored(db) == (1, 3)  # the second file's first chunks were rolled back
