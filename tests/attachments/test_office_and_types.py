"""Office files lose their core, app and custom properties and still open (LibreOffice
headless converts the cleaned file); the type is decided by the content, whatever the name
or the browser claims."""

# ruff: noqa: E501 - the OOXML parts below are long namespace URLs, kept verbatim
from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.models import Attachment
from tests.support.attachments import CANARY, Setup, csrf_token, upload

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
BODY_TEXT = "The summons was delivered on 3 May."


def canary_docx() -> bytes:
    """A minimal Word document whose core, app and custom properties name its author."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>"
        ),
        "word/document.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}">'
            f"<w:body><w:p><w:r><w:t>{BODY_TEXT}</w:t></w:r></w:p></w:body></w:document>"
        ),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:creator>{CANARY}Author</dc:creator><cp:lastModifiedBy>{CANARY}Editor</cp:lastModifiedBy>"
            "</cp:coreProperties>"
        ),
        "docProps/app.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            f"<Company>{CANARY}Company</Company><Manager>{CANARY}Manager</Manager></Properties>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _download_only(setup: Setup, db: Session) -> tuple[Attachment, bytes]:
    db.commit()
    attachment = db.scalars(select(Attachment)).one()
    answer = setup.client.get(f"/cases/{setup.case.reference}/attachments/{attachment.id}")
    assert answer.status_code == 200
    return attachment, answer.get_data()


def test_a_word_document_loses_its_properties_and_still_opens(
    focal: Setup, db: Session, tmp_path: Path
) -> None:
    answer = upload(focal.client, focal.case.reference, canary_docx(), "letter.docx")
    assert answer.status_code == 302
    page = focal.client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Author and document details removed." in page
    attachment, body = _download_only(focal, db)
    assert attachment.content_type.endswith("wordprocessingml.document")
    with zipfile.ZipFile(io.BytesIO(body)) as cleaned:
        assert CANARY.encode() not in cleaned.read("docProps/core.xml")
        assert CANARY.encode() not in cleaned.read("docProps/app.xml")
        assert BODY_TEXT.encode() in cleaned.read("word/document.xml")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, (
        "LibreOffice is needed to open the cleaned document (apt-get install libreoffice)"
    )
    cleaned_path = tmp_path / "cleaned.docx"
    cleaned_path.write_bytes(body)
    subprocess.run(  # noqa: S603 - fixed program and arguments
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "txt:Text",
            "--outdir",
            str(tmp_path),
            str(cleaned_path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    assert BODY_TEXT in (tmp_path / "cleaned.txt").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("claimed", ["application/pdf", "text/plain"])
def test_the_content_decides_the_type_not_the_name_or_the_browser(
    focal: Setup, db: Session, claimed: str
) -> None:
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, "PNG")
    data = {
        "csrf_token": csrf_token(focal.client, f"/cases/{focal.case.reference}"),
        "title": "t",
        "category": "photo",
        "link": "case",
        "file": (io.BytesIO(png.getvalue()), "court-decision.pdf", claimed),
    }
    answer = focal.client.post(
        f"/cases/{focal.case.reference}/attachments", data=data, content_type="multipart/form-data"
    )
    assert answer.status_code == 302
    attachment, body = _download_only(focal, db)
    assert attachment.content_type == "image/png"
    assert Image.open(io.BytesIO(body)).format == "PNG"
    disposition = focal.client.get(
        f"/cases/{focal.case.reference}/attachments/{attachment.id}"
    ).headers["Content-Disposition"]
    assert 'filename="court-decision.png"' in disposition  # the extension follows the content
