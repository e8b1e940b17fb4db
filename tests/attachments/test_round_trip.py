"""Upload through the case page's form, download, and what came back: metadata gone, pixels
and text unchanged, the user told what was removed."""

from __future__ import annotations

import io

import pikepdf
from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.models import Attachment
from tests.support.attachments import (
    CANARY,
    GPS_IFD,
    Setup,
    canary_image,
    canary_pdf,
    canary_text,
    upload,
)


def _only_attachment(db: Session) -> Attachment:
    db.commit()
    return db.scalars(select(Attachment)).one()


def _download(setup: Setup, attachment: Attachment):  # type: ignore[no-untyped-def]
    return setup.client.get(f"/cases/{setup.case.reference}/attachments/{attachment.id}")


def test_a_photo_loses_location_and_camera_but_keeps_its_pixels(focal: Setup, db: Session) -> None:
    original = canary_image()
    answer = upload(focal.client, focal.case.reference, original, "IMG_0042.jpg", title="Injury")
    assert answer.status_code == 302
    page = focal.client.get(answer.headers["Location"]).get_data(as_text=True)
    assert (
        "Location, camera details, author and document details and other hidden metadata removed."
        in page
    )
    attachment = _only_attachment(db)
    assert attachment.content_type == "image/jpeg"
    downloaded = _download(focal, attachment)
    assert downloaded.status_code == 200
    body = downloaded.get_data()
    assert CANARY.encode() not in body
    cleaned = Image.open(io.BytesIO(body))
    exif = cleaned.getexif()
    assert not exif.get_ifd(GPS_IFD) and GPS_IFD not in exif
    assert 0x010F not in exif and 0x0110 not in exif and 0x013B not in exif
    assert "xmp" not in cleaned.info and "comment" not in cleaned.info
    before = Image.open(io.BytesIO(original))
    assert cleaned.convert("RGB").tobytes() == before.convert("RGB").tobytes()


def test_a_rotated_photo_is_turned_upright_before_its_exif_goes(focal: Setup, db: Session) -> None:
    original = canary_image(orientation=6, size=(40, 20))  # 6: rotate 90 degrees clockwise
    assert upload(focal.client, focal.case.reference, original, "r.jpg").status_code == 302
    body = _download(focal, _only_attachment(db)).get_data()
    cleaned = Image.open(io.BytesIO(body))
    assert cleaned.size == (20, 40)
    assert 0x0112 not in cleaned.getexif()
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(original))).convert("RGB")
    pairs = zip(upright.tobytes(), cleaned.convert("RGB").tobytes(), strict=True)
    worst = max(abs(a - b) for a, b in pairs)
    assert worst <= 24  # re-encoded once at quality 95: same picture, same orientation


def test_a_pdf_loses_its_author_and_xmp_but_keeps_its_text(focal: Setup, db: Session) -> None:
    original = canary_pdf()
    answer = upload(focal.client, focal.case.reference, original, "summons.pdf")
    assert answer.status_code == 302
    body = _download(focal, _only_attachment(db)).get_data()
    with pikepdf.open(io.BytesIO(body)) as pdf:
        assert "/Info" not in pdf.trailer or not pdf.docinfo.keys()
        assert "/Metadata" not in pdf.Root
        with pdf.open_metadata() as meta:
            assert "dc:creator" not in meta
        assert f"{CANARY}PdfBody".encode() in pdf.pages[0].Contents.read_bytes()
    assert f"{CANARY}PdfAuthor".encode() not in body and f"{CANARY}Xmp".encode() not in body


def test_text_comes_back_byte_for_byte_with_safe_headers(focal: Setup, db: Session) -> None:
    original = canary_text()
    answer = upload(focal.client, focal.case.reference, original, "Témoignage «A».txt")
    assert answer.status_code == 302
    downloaded = _download(focal, _only_attachment(db))
    assert downloaded.get_data() == original
    headers = downloaded.headers
    assert headers["Content-Type"] == "text/plain"
    assert headers["Content-Disposition"] == (
        'attachment; filename="Temoignage A.txt"; '
        "filename*=UTF-8''T%C3%A9moignage%20%C2%ABA%C2%BB.txt"
    )
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Security-Policy"].split(";")[0] == "sandbox"
