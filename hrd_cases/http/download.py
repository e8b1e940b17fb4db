"""How an evidence file leaves the server: always as a download, never rendered.

``Content-Disposition: attachment`` with an ASCII fallback name and the RFC 5987 UTF-8 name,
``nosniff`` so the browser keeps our content type, ``no-store`` so no cache keeps a copy, and
``Content-Security-Policy: sandbox`` so that even a file opened in a tab runs no script.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Protocol
from urllib.parse import quote

from flask import Response

from hrd_cases.records.attachment_content import EXTENSIONS

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


class Openable(Protocol):
    @property
    def filename(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def chunks(self) -> Iterator[bytes]: ...


def ascii_filename(name: str, content_type: str) -> str:
    """A name every browser accepts: ASCII letters, digits, dot, dash, underscore, space; no
    leading dot; the extension that matches the sniffed type (never the uploader's)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem = folded.rsplit(".", 1)[0] if "." in folded else folded
    stem = _UNSAFE.sub("_", stem).strip(" ._")[:100] or "file"
    return f"{stem}.{EXTENSIONS.get(content_type, 'bin')}"


def utf8_filename(name: str, content_type: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = "".join(ch for ch in stem if ch.isprintable() and ch not in '/\\"')[:100] or "file"
    return f"{stem}.{EXTENSIONS.get(content_type, 'bin')}"


def download_headers(filename: str, content_type: str, size: int) -> dict[str, str]:
    fallback = ascii_filename(filename, content_type)
    utf8 = quote(utf8_filename(filename, content_type), safe="")
    return {
        "Content-Type": content_type,
        "Content-Length": str(size),
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{utf8}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
        "Content-Security-Policy": "sandbox; default-src 'none'",
    }


def download_response(opened: Openable) -> Response:
    # No request context needed while streaming: the chunks read in their own session.
    response = Response(
        opened.chunks,
        headers=download_headers(opened.filename, opened.content_type, opened.size),
        direct_passthrough=True,
    )
    return response
