"""Test inputs carrying canaries in their content and in their metadata, and helpers to
upload and download through the real HTML form (multipart, CSRF token first)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import pikepdf
from flask.testing import FlaskClient
from PIL import Image

from hrd_cases.models import Case, User

CANARY = "Zx9Evid"


@dataclass
class Setup:
    """A signed-in focal point and a case of their delegation."""

    user: User
    case: Case
    client: FlaskClient


GPS_IFD = 0x8825


def canary_image(*, orientation: int = 1, size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG with GPS position, camera make/model/serial, artist, XMP and a comment."""
    image = Image.new("RGB", size)
    image.putdata(
        [
            ((x * 7) % 256, (y * 5) % 256, (x * y) % 256)
            for y in range(size[1])
            for x in range(size[0])
        ]
    )
    exif = Image.Exif()
    exif[0x010F] = f"{CANARY}Make"
    exif[0x0110] = f"{CANARY}Model"
    exif[0x013B] = f"{CANARY}Artist"
    exif[0x0112] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (52.0, 13.0, 7.25)
    gps[3] = "E"
    gps[4] = (21.0, 0.0, 42.5)
    buffer = io.BytesIO()
    image.save(
        buffer,
        "JPEG",
        quality=90,
        exif=exif,
        xmp=f'<x:xmpmeta xmlns:x="adobe:ns:meta/">{CANARY}Xmp</x:xmpmeta>'.encode(),
        comment=f"{CANARY}Comment".encode(),
    )
    return buffer.getvalue()


def canary_pdf() -> bytes:
    """A one-page PDF with an author in its info dictionary and its XMP, and text."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    page = pdf.pages[0]
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.obj.Contents = pdf.make_stream(f"BT /F1 12 Tf 20 100 Td ({CANARY}PdfBody) Tj ET".encode())
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [f"{CANARY}XmpCreator"]
        meta["dc:title"] = f"{CANARY}XmpTitle"
    pdf.docinfo["/Author"] = f"{CANARY}PdfAuthor"
    pdf.docinfo["/Title"] = f"{CANARY}PdfTitle"
    buffer = io.BytesIO()
    pdf.save(buffer, compress_streams=False)
    return buffer.getvalue()


def canary_text() -> bytes:
    return f"Statement of {CANARY}Witness, threatened on 3 May.\n".encode() * 20


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def upload(
    client: FlaskClient,
    reference: str,
    content: bytes,
    filename: str = "evidence.bin",
    *,
    title: str = "Evidence",
    category: str = "threat_evidence",
    link: str = "case",
    token: str | None = "fetch",  # noqa: S107 - "fetch" means read it from the page
    **extra: Any,
):  # type: ignore[no-untyped-def]
    """POST the case page's form, fields before the file as a browser sends them."""
    data: dict[str, Any] = {}
    if token == "fetch":
        token = csrf_token(client, f"/cases/{reference}")
    if token is not None:
        data["csrf_token"] = token
    data.update({"title": title, "category": category, "link": link, **extra})
    data["file"] = (io.BytesIO(content), filename)
    return client.post(
        f"/cases/{reference}/attachments", data=data, content_type="multipart/form-data"
    )
