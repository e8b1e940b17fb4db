"""What an upload really is, and what it hides: type sniffing against an allow-list, and
metadata removal before anything is encrypted.

The type comes from the bytes (``filetype``), never from the file name or the browser. Images
lose EXIF, XMP and IPTC with their orientation applied first (Pillow); PDFs lose their document
info and XMP (pikepdf); office files lose their core, app and custom properties. Each remover
reports what it found, in plain words, so the user knows what left the file.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, Final, cast

import filetype  # type: ignore[import-untyped]  # the package publishes no type hints

from hrd_cases.records.attachment_messages import Refusal

SNIFF_BYTES: Final = 8192

PDF: Final = "application/pdf"
JPEG: Final = "image/jpeg"
PNG: Final = "image/png"
WEBP: Final = "image/webp"
HEIC: Final = "image/heic"
TEXT: Final = "text/plain"
DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT: Final = "application/vnd.oasis.opendocument.text"
MP3: Final = "audio/mpeg"
M4A: Final = "audio/mp4"
OGG: Final = "audio/ogg"
MP4: Final = "video/mp4"

IMAGES: Final = frozenset({JPEG, PNG, WEBP, HEIC})
OFFICE: Final = frozenset({DOCX, XLSX, ODT})
# Streamed straight through (no metadata remover for them yet).
STREAMED: Final = frozenset({TEXT, MP3, M4A, OGG, MP4})
EXTENSIONS: Final = {
    PDF: "pdf",
    JPEG: "jpg",
    PNG: "png",
    WEBP: "webp",
    HEIC: "heic",
    TEXT: "txt",
    DOCX: "docx",
    XLSX: "xlsx",
    ODT: "odt",
    MP3: "mp3",
    M4A: "m4a",
    OGG: "ogg",
    MP4: "mp4",
}

# The anti-virus test file (eicar.org): every scanner refuses it, so an upload path that
# accepts it has no scanning wired in. A real scanner (clamd) can be added behind this check.
EICAR_SIGNATURE: Final = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!"
# Text that a browser would treat as a page or a script if it were ever rendered (WHATWG
# MIME sniffing's HTML and XML signatures, with SVG for the inline-script case).
_MARKUP_PREFIXES: Final = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<body",
    b"<svg",
    b"<?xml",
    b"<!--",
    b"<style",
    b"<title",
    b"<a ",
    b"<div",
    b"<p>",
    b"<table",
    b"<img",
    b"<h1",
    b"<br",
    b"<b>",
    b"<font",
)


def heic_supported() -> bool:
    try:
        import pillow_heif  # type: ignore[import-not-found]  # noqa: F401 - optional HEIC decoder
    except ImportError:
        return False
    return True


def allowed_types() -> frozenset[str]:
    allowed = {PDF, JPEG, PNG, WEBP, TEXT, DOCX, XLSX, ODT, MP3, M4A, OGG, MP4}
    if heic_supported():
        allowed.add(HEIC)
    return frozenset(allowed)


def sniff(head: bytes) -> str:
    """The content type of an upload from its first bytes, or a Refusal."""
    if not head:
        raise Refusal("empty")
    if EICAR_SIGNATURE in head:
        raise Refusal("malware")
    kind = filetype.guess(head)
    if kind is None:
        if _looks_like_text(head):
            return TEXT
        raise Refusal("type")
    mime: str = kind.mime
    if mime in OFFICE or mime == "application/zip":
        return "application/zip"  # decided from the whole archive's directory, see office_type
    if mime == "image/heif" or mime == HEIC:
        mime = HEIC
    if mime == "video/quicktime" or mime not in allowed_types():
        raise Refusal("type")
    return mime


def _looks_like_text(head: bytes) -> bool:
    if b"\0" in head:
        return False
    try:
        # Final=False: the head may end inside a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(_MARKUP_PREFIXES):
        raise Refusal("markup")
    return True


class TextValidator:
    """Checks that a streamed text upload stays UTF-8 without NUL bytes to its last byte."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def feed(self, piece: bytes, *, final: bool = False) -> None:
        if b"\0" in piece:
            raise Refusal("type")
        if piece.isascii() and not self._decoder.getstate()[0]:
            return  # ASCII after a complete character is valid UTF-8: nothing to decode
        try:
            self._decoder.decode(piece, final=final)
        except UnicodeDecodeError:
            raise Refusal("type") from None


def office_type(source: IO[bytes]) -> str:
    """DOCX, XLSX or ODT from the archive's own directory, or a Refusal."""
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
                return ODT
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
    except (zipfile.BadZipFile, OSError, KeyError):
        pass
    raise Refusal("type")


@dataclass(frozen=True, slots=True)
class Cleaned:
    """What a remover wrote and which kinds of metadata it found (message keys)."""

    content_type: str
    removed: tuple[str, ...]


Remover = Callable[[IO[bytes], IO[bytes], str, int], Cleaned]


def remove_metadata(source: IO[bytes], out: IO[bytes], content_type: str, limit: int) -> Cleaned:
    """Write ``source`` without its metadata to ``out``; ``limit`` bounds what an archive may
    expand to (a ZIP bomb is refused, not unpacked)."""
    source.seek(0)
    if content_type == "application/zip":
        content_type = office_type(source)
        source.seek(0)
    if content_type in IMAGES:
        return _clean_image(source, out, content_type)
    if content_type == PDF:
        return _clean_pdf(source, out)
    if content_type in OFFICE:
        return _clean_office(source, out, content_type, limit)
    raise ValueError(f"no metadata remover for {content_type}")


# Images --------------------------------------------------------------------------------------
_GPS_IFD: Final = 0x8825
_CAMERA_TAGS: Final = (0x010F, 0x0110, 0xA431, 0xA434, 0xA433)  # make, model, serials, lens
_PEOPLE_TAGS: Final = (0x013B, 0x8298, 0x9C9D, 0xA430)  # artist, copyright, XP author, owner
_ORIENTATION: Final = 0x0112


def _image_findings(image: Any, raw_exif: object) -> list[str]:
    found: list[str] = []
    exif = image.getexif()
    if exif.get_ifd(_GPS_IFD) or _GPS_IFD in exif:
        found.append("location")
    if any(tag in exif for tag in _CAMERA_TAGS) or any(
        tag in exif.get_ifd(0x8769) for tag in _CAMERA_TAGS
    ):
        found.append("camera")
    if any(tag in exif for tag in _PEOPLE_TAGS):
        found.append("author")
    others = {k for k in image.info if k in ("xmp", "XML:com.adobe.xmp", "photoshop", "comment")}
    if others or (exif and not found) or raw_exif:
        found.append("other")
    return found


def _clean_image(source: IO[bytes], out: IO[bytes], content_type: str) -> Cleaned:
    from PIL import Image, ImageOps, UnidentifiedImageError

    if content_type == HEIC:
        import pillow_heif  # optional HEIC decoder (only reached when installed)

        pillow_heif.register_heif_opener()
    try:
        image = Image.open(source)
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise Refusal("damaged") from None
    found = _image_findings(image, image.info.get("exif"))
    orientation = image.getexif().get(_ORIENTATION, 1)
    if content_type == JPEG and orientation == 1:
        # Re-encoding a JPEG loses quality; with nothing to rotate, the same compressed pixels
        # are kept and only the metadata segments are dropped (no library does this losslessly).
        source.seek(0)
        _strip_jpeg_segments(source, out)
        return Cleaned(JPEG, tuple(found))
    upright = ImageOps.exif_transpose(image)
    # Pixels only: no info, EXIF, XMP or ICC profile goes across.
    clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    palette = upright.getpalette()
    if upright.mode == "P" and palette:
        clean.putpalette(palette)
    if content_type == JPEG:
        clean.save(out, "JPEG", quality=95, subsampling=0)
    elif content_type == WEBP:
        clean.save(out, "WEBP", lossless=True)
        content_type = WEBP
    else:  # PNG, and HEIC stored as PNG (pixels unchanged, no HEIF encoder needed)
        clean.save(out, "PNG")
        content_type = PNG
    return Cleaned(content_type, tuple(found))


# JPEG markers kept: JFIF (APP0), ICC profile (APP2 "ICC_PROFILE"), Adobe colour (APP14), and
# every non-APP segment (tables, frame, scan). Dropped: EXIF and XMP (APP1), IPTC (APP13), MPF
# and FlashPix (other APP2), comments (COM), and anything after the end of the main image
# (phones append a second image there, with its own metadata).
def _strip_jpeg_segments(source: IO[bytes], out: IO[bytes]) -> None:
    data = source.read(2)
    if data != b"\xff\xd8":
        raise Refusal("damaged")
    out.write(data)
    while True:
        marker = source.read(2)
        if len(marker) != 2 or marker[0] != 0xFF:
            raise Refusal("damaged")
        code = marker[1]
        if code == 0xD9:
            out.write(marker)
            return
        length_bytes = source.read(2)
        if len(length_bytes) != 2:
            raise Refusal("damaged")
        body = source.read(int.from_bytes(length_bytes, "big") - 2)
        keep = not (0xE0 <= code <= 0xEF or code == 0xFE) or (
            code == 0xE0 or code == 0xEE or (code == 0xE2 and body.startswith(b"ICC_PROFILE\0"))
        )
        if keep:
            out.write(marker + length_bytes + body)
        if code == 0xDA:  # start of scan: entropy-coded data up to the end-of-image marker
            _copy_scan_to_end(source, out)
            return


def _copy_scan_to_end(source: IO[bytes], out: IO[bytes]) -> None:
    previous_ff = False
    while True:
        block = source.read(1 << 16)
        if not block:
            raise Refusal("damaged")
        start = 0
        if previous_ff and block[0] == 0xD9:
            out.write(block[:1])
            return
        while True:
            at = block.find(b"\xff\xd9", start)
            if at < 0:
                break
            out.write(block[: at + 2])
            return
        previous_ff = block.endswith(b"\xff")
        out.write(block)


# PDF -----------------------------------------------------------------------------------------
def _clean_pdf(source: IO[bytes], out: IO[bytes]) -> Cleaned:
    import pikepdf

    try:
        pdf = pikepdf.open(cast(BinaryIO, source))
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError):
        raise Refusal("damaged") from None
    with pdf:
        found: list[str] = []
        info = pdf.trailer.get("/Info")
        if info is not None and len(info.keys()):
            found.append("author")
            del pdf.trailer["/Info"]
        if "/Metadata" in pdf.Root:
            found.append("other")
            del pdf.Root["/Metadata"]
        for page in pdf.pages:
            for key in ("/Metadata", "/PieceInfo"):
                if key in page.obj:
                    del page.obj[key]
                    if "other" not in found:
                        found.append("other")
        # Only reachable objects are written: earlier revisions' info dictionaries go too.
        pdf.save(cast(BinaryIO, out), deterministic_id=True)
    return Cleaned(PDF, tuple(found))


# Office --------------------------------------------------------------------------------------
_EMPTY_CORE: Final = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties"/>'
)
_EMPTY_APP: Final = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
    b'properties"/>'
)
_EMPTY_CUSTOM: Final = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-'
    b'properties"/>'
)
_EMPTY_ODF_META: Final = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'office:version="1.2"><office:meta/></office:document-meta>'
)
_REPLACED: Final = {
    "docProps/core.xml": _EMPTY_CORE,
    "docProps/app.xml": _EMPTY_APP,
    "docProps/custom.xml": _EMPTY_CUSTOM,
    "meta.xml": _EMPTY_ODF_META,
}


def _clean_office(source: IO[bytes], out: IO[bytes], content_type: str, limit: int) -> Cleaned:
    found: list[str] = []
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > limit * 10:
                raise Refusal("too_large")
            with zipfile.ZipFile(out, "w") as cleaned:
                for member in members:
                    replacement = _REPLACED.get(member.filename)
                    if member.filename.startswith("docProps/thumbnail") or (
                        member.filename == "Thumbnails/thumbnail.png"
                    ):
                        data = archive.read(member)
                        if "other" not in found:
                            found.append("other")
                        # The relationship stays valid with a blank picture.
                        data = _blank_like(member.filename, data)
                    elif replacement is not None:
                        data = replacement
                        if "author" not in found:
                            found.append("author")
                    else:
                        data = archive.read(member)
                    info = zipfile.ZipInfo(member.filename, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = member.compress_type
                    cleaned.writestr(info, data)
    except (zipfile.BadZipFile, KeyError, OSError):
        raise Refusal("damaged") from None
    return Cleaned(content_type, tuple(found))


def _blank_like(name: str, data: bytes) -> bytes:
    from PIL import Image

    blank = Image.new("RGB", (1, 1), "white")
    buffer = io.BytesIO()
    blank.save(buffer, "PNG" if name.endswith(".png") else "JPEG")
    return buffer.getvalue()
