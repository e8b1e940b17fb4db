"""Evidence files through the API: the same service and read as the case page, every route
scoped like the case routes, refusals with a clear message, downloads audited."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hrd_cases.models import Attachment, AttachmentChunk, AuditEntry
from tests.support.api import ABSENT_ID, World, data_of, errors_of, rule_of
from tests.support.attachments import canary_image, canary_text, multipart_in_order

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def _upload(world: World, role: str, content: bytes, filename: str = "f.bin", **fields: str):  # type: ignore[no-untyped-def]
    form = {"title": "Evidence", "category": "threat_evidence", **fields}
    form["file"] = (io.BytesIO(content), filename)  # type: ignore[assignment]
    return world.api[role].post(
        f"/cases/{world.case.reference}/attachments", data=form, content_type="multipart/form-data"
    )


def test_upload_list_and_download(world: World, db: Session) -> None:
    added = data_of(_upload(world, "owner", canary_image(), "IMG_1.jpg", title="Bruises"), 201)
    assert added["metadata_removed"].startswith("Location, camera details")
    attachment = added["attachment"]
    assert attachment["title"] == "Bruises" and attachment["content_type"] == "image/jpeg"
    for role in ("owner", "owner_colleague", "officer"):
        listed = data_of(world.api[role].get(f"/cases/{world.case.reference}/attachments"))
        assert [a["id"] for a in listed] == [attachment["id"]]
    text = canary_text()
    second = data_of(_upload(world, "owner", text, "notes.txt", title="Notes"), 201)
    got = world.api["officer"].get(
        f"/cases/{world.case.reference}/attachments/{second['attachment']['id']}"
    )
    assert got.status_code == 200 and got.get_data() == text
    assert got.headers["Content-Disposition"].startswith("attachment;")
    db.commit()
    downloads = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "attachment.download")
    ).all()
    assert [(d.object_id, d.actor_id, d.outcome) for d in downloads] == [
        (second["attachment"]["id"], world.users["officer"].id, "success")
    ]


@pytest.mark.parametrize(
    ("content", "filename", "needle"),
    [
        (EICAR, "eicar.txt", "malware signature"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "report.pdf", "markup"),
        (b"", "empty.pdf", "empty"),
        (b"MZ\x90\x00" + bytes(range(256)) * 4, "tool.exe", "not accepted"),
    ],
)
def test_refused_files_say_why(world: World, content: bytes, filename: str, needle: str) -> None:
    errors = errors_of(_upload(world, "owner", content, filename), 422)
    assert needle in errors["file"][0]
    assert data_of(world.api["owner"].get(f"/cases/{world.case.reference}/attachments")) == []


def test_a_file_over_the_limit_is_refused_while_streaming(
    app: Flask, world: World, db: Session
) -> None:
    limit = app.extensions["hrd_settings"].attachment_max_file_bytes
    big = b"a" * (limit + 1)
    errors = errors_of(_upload(world, "owner", big, "big.txt"), 422)
    assert errors["file"] == ["The file is larger than the 25 MB limit for one file."]
    db.commit()
    assert db.scalars(select(Attachment)).all() == []
    assert db.scalars(select(AttachmentChunk.index)).all() == []  # nothing half-stored


def test_every_route_is_scoped_like_the_case_routes(world: World) -> None:
    added = data_of(_upload(world, "owner", canary_text(), "a.txt"), 201)["attachment"]
    base = f"/cases/{world.case.reference}/attachments"
    one = f"{base}/{added['id']}"
    for role in ("other_focal_point", "other_officer"):
        assert world.api[role].get(base).status_code == 404, role
        assert world.api[role].get(one).status_code == 404, role
    assert _upload(world, "other_focal_point", canary_text(), "b.txt").status_code == 404
    assert world.api["other_focal_point"].call("DELETE", one).status_code == 404
    for role in ("analyst", "admin"):
        assert world.api[role].get(base).status_code == 403, role
        assert world.api[role].get(one).status_code == 403, role
        assert _upload(world, role, canary_text(), "c.txt").status_code == 403, role
    # Officers read but do not add or remove.
    assert _upload(world, "officer", canary_text(), "d.txt").status_code == 403
    assert world.api["officer"].call("DELETE", one).status_code == 403
    assert world.api["anonymous"].get(base).status_code == 401
    assert world.api["owner"].get(f"{base}/{ABSENT_ID}").status_code == 404
    assert world.api["owner"].get(f"{base}/not-a-uuid").status_code == 404
    assert data_of(world.api["owner"].call("DELETE", one)) is None
    assert world.api["owner"].get(one).status_code == 404


def test_fields_are_checked(world: World) -> None:
    assert "title" in errors_of(_upload(world, "owner", b"x", "x.txt", title=""), 422)
    assert "category" in errors_of(_upload(world, "owner", b"x", "x.txt", category="gossip"), 422)
    linked = _upload(world, "owner", b"x", "x.txt", link_kind="referral", link_id=ABSENT_ID)
    assert rule_of(linked) == "attachment.link"  # well-formed, but no such record here
    not_multipart = world.api["owner"].post(
        f"/cases/{world.case.reference}/attachments", json={"title": "x"}
    )
    assert not_multipart.status_code == 415


def _upload_in_order(world: World, parts: list[tuple[str, str | tuple[bytes, str]]]):  # type: ignore[no-untyped-def]
    body, content_type = multipart_in_order(parts)
    return world.api["owner"].post(
        f"/cases/{world.case.reference}/attachments",
        data=io.BytesIO(body),
        content_type=content_type,
    )


def test_fields_after_the_file_are_read_and_checked(world: World, db: Session) -> None:
    text = canary_text()
    added = _upload_in_order(
        world,
        [
            ("file", (text, "late.txt")),
            ("title", "Sent after its file"),
            ("category", "threat_evidence"),
            ("link_kind", "case"),
        ],
    )
    attachment = data_of(added, 201)["attachment"]
    assert attachment["title"] == "Sent after its file" and attachment["filename"] == "late.txt"
    got = world.api["officer"].get(f"/cases/{world.case.reference}/attachments/{attachment['id']}")
    assert got.status_code == 200 and got.get_data() == text
    # Fields that follow the file are checked as strictly as fields before it: nothing stays.
    wrong = _upload_in_order(
        world, [("title", "Mixed"), ("file", (text, "x.txt")), ("category", "gossip")]
    )
    assert "category" in errors_of(wrong, 422)
    # Fields after the file count even when title and category came before it.
    late_link = _upload_in_order(
        world,
        [
            ("title", "Linked late"),
            ("category", "other"),
            ("file", (text, "x.txt")),
            ("link_kind", "statement"),
            ("link_id", ABSENT_ID),
        ],
    )
    assert rule_of(late_link) == "attachment.link"
    missing = _upload_in_order(world, [("file", (text, "x.txt")), ("category", "threat_evidence")])
    assert "title" in errors_of(missing, 422)
    second_file = _upload_in_order(
        world,
        [("file", (text, "a.txt")), ("title", "Two"), ("file", (text, "b.txt"))],
    )
    assert second_file.status_code == 400
    db.commit()
    assert db.scalar(select(func.count()).select_from(Attachment)) == 1


def test_the_document_declares_the_accepted_kinds_and_a_non_blank_title(
    world: World, app: Flask
) -> None:
    """The contract the fuzz checks: a file of a declared kind with a title matching the
    declared pattern is accepted; a blank title breaks the pattern and is refused (422)."""
    import re

    from schemathesis.core.file_samples import FILE_SAMPLES

    from hrd_cases.api.openapi import build_spec
    from hrd_cases.records.attachment_content import allowed_types

    with app.app_context():
        spec = build_spec().to_dict()
    upload = spec["paths"]["/cases/{reference}/attachments"]["post"]["requestBody"]
    form = upload["content"]["multipart/form-data"]
    declared = {kind.strip() for kind in form["encoding"]["file"]["contentType"].split(",")}
    assert declared == set(allowed_types())
    title = re.compile(form["schema"]["properties"]["title"]["pattern"].replace("$", r"\Z"))
    for blank in (" ", "\r\n", "\u3000\t"):
        assert not title.match(blank)
        assert "title" in errors_of(_upload(world, "owner", b"notes", "x.txt", title=blank), 422)
    for sample in ("pdf", "jpg", "png", "webp"):
        assert title.match("Evidence")
        data_of(_upload(world, "owner", FILE_SAMPLES[sample], f"f.{sample}"), 201)
