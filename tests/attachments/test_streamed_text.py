"""Text, audio and video are sealed as they arrive, before the upload has been read to its end:
a text file that turns out not to be UTF-8 (or to hold a NUL byte) megabytes in is still
refused, and the chunks already sealed for it are gone, in the database and on the filesystem
storage alike; a file that is fine round-trips byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases import create_app
from hrd_cases.models import Attachment, AttachmentChunk
from hrd_cases.records import RecordVault
from hrd_cases.records.attachment_content import TextValidator
from hrd_cases.records.attachment_messages import Refusal
from hrd_cases.settings import Settings
from tests.support.access import sign_in
from tests.support.attachments import Setup, upload
from tests.support.factories import make_case, make_user

LINES = "Témoignage, ligne après ligne.\n".encode() * 100_000  # 3.2 MB: four chunks
BAD_TAILS = {
    "nul": LINES + b"\x00 and more\n",
    "latin-1": LINES + "déclaration\n".encode("latin-1"),
    "cut character": LINES + "é".encode()[:1],
}


def _stored(db: Session) -> tuple[int, int]:
    db.commit()
    return (
        db.scalar(select(func.count()).select_from(Attachment)) or 0,
        db.scalar(select(func.count()).select_from(AttachmentChunk)) or 0,
    )


@pytest.mark.parametrize("content", BAD_TAILS.values(), ids=BAD_TAILS.keys())
def test_text_that_goes_wrong_late_is_refused_and_nothing_stays(
    focal: Setup, db: Session, content: bytes
) -> None:
    answer = upload(focal.client, focal.case.reference, content, "statement.txt")
    assert answer.status_code == 422
    assert "This kind of file is not accepted" in answer.get_data(as_text=True)
    assert _stored(db) == (0, 0)
    good = upload(focal.client, focal.case.reference, LINES, "statement.txt")
    assert good.status_code == 302
    assert _stored(db) == (1, 4)


def test_on_the_filesystem_a_late_refusal_leaves_no_file(
    db: Session, vault: RecordVault, settings: Settings, tmp_path: Path
) -> None:
    directory = tmp_path / "files"
    app = create_app(
        settings.replace(attachment_storage="filesystem", attachment_directory=str(directory))
    )
    db.info["app"] = app
    user = make_user(db)
    case = make_case(db, vault, delegation=user.delegation, actor=user)
    browser = sign_in(app, user.email)
    for content in BAD_TAILS.values():
        assert upload(browser, case.reference, content, "statement.txt").status_code == 422
        assert list(directory.iterdir()) == []  # no .partial, no .chunks
    assert upload(browser, case.reference, LINES, "statement.txt").status_code == 302
    db.commit()
    (attachment_id,) = db.scalars(select(Attachment.id)).all()
    assert [p.name for p in directory.iterdir()] == [f"{attachment_id.hex}.chunks"]
    answer = browser.get(f"/cases/{case.reference}/attachments/{attachment_id}")
    assert answer.status_code == 200 and answer.get_data() == LINES


def test_the_text_check_follows_characters_across_pieces() -> None:
    split = TextValidator()
    split.feed(b"caf" + "é".encode()[:1])
    split.feed("é".encode()[1:] + b" and plain ASCII after it")
    split.feed(b"", final=True)

    cut = TextValidator()
    cut.feed(b"caf" + "é".encode()[:1])
    with pytest.raises(Refusal):
        cut.feed(b"plain ASCII where the character should have ended")

    unfinished = TextValidator()
    unfinished.feed(b"plain ASCII" + "é".encode()[:1])
    with pytest.raises(Refusal):
        unfinished.feed(b"", final=True)
