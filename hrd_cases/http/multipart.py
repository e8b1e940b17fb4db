"""A multipart/form-data body read as a stream, part by part.

Werkzeug's ``request.files`` spools every file over 500 KB to a temporary file in the clear
before a view runs: a defender's photo would sit unencrypted in /tmp. This reads the request
stream itself instead, so each piece of a file goes straight to the caller (who encrypts it)
and no more than one read block (512 KiB) is in memory.

The parser follows RFC 7578 / RFC 2046: parts are separated by CRLF ``--boundary``, a
boundary line may carry trailing spaces or tabs, headers end at an empty line. A file's data
is searched for the next delimiter with ``bytes.find`` over whole read blocks and handed on
without copying when a block holds no delimiter (only a trailing CR, which may begin one, is
held back for the next block). Anything else (a body that ends early, headers too long, too
many parts, a field too long or not UTF-8) is a FormError.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Final

from werkzeug.datastructures import Headers
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header

READ_SIZE: Final = 512 * 1024  # measured: larger blocks cost more in allocation than they save
MAX_FIELD_BYTES: Final = 8 * 1024
MAX_HEADER_BYTES: Final = 8 * 1024  # one part's header block
MAX_PREAMBLE_BYTES: Final = 64 * 1024  # what may precede the first boundary
MAX_PARTS: Final = 16
_WHITESPACE: Final = b" \t"


class FormError(Exception):
    """The body is not a well-formed multipart form (or breaks its small limits)."""


@dataclass(frozen=True, slots=True)
class FilePart:
    name: str
    filename: str
    pieces: Iterator[bytes]  # consume before asking for the next part


def boundary_of(content_type: str | None) -> bytes:
    mimetype, options = parse_options_header(content_type or "")
    boundary = options.get("boundary", "")
    if mimetype != "multipart/form-data" or not boundary or len(boundary) > 200:
        raise FormError("not a multipart/form-data body")
    return boundary.encode("latin-1")


class _Reader:
    """The body as blocks, with the unconsumed rest of the current one in ``buffer``."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.buffer = b""
        self.ended = False

    def more(self) -> bool:
        """Append the next block; False once the body has ended."""
        if self.ended:
            return False
        block = self._stream.read(READ_SIZE)
        if not block:
            self.ended = True
            return False
        self.buffer = self.buffer + block if self.buffer else block
        return True

    def need(self, size: int) -> None:
        while len(self.buffer) < size:
            if not self.more():
                raise FormError("the body ended inside the form")

    def find(self, marker: bytes, limit: int) -> int:
        """Position of ``marker`` in the buffer, reading as needed, within ``limit`` bytes."""
        start = 0
        while True:
            at = self.buffer.find(marker, start)
            if at > limit:
                raise FormError("a part's header or the preamble is too long")
            if at >= 0:
                return at
            if len(self.buffer) > limit:
                raise FormError("a part's header or the preamble is too long")
            start = max(0, len(self.buffer) - len(marker) + 1)
            if not self.more():
                raise FormError("the body ended inside the form")

    def drain(self) -> None:
        self.buffer = b""
        while self.more():
            self.buffer = b""


def _partial_delimiter_at(buffer: bytes, delimiter: bytes) -> int:
    """Where the buffer's end may begin a delimiter cut by the block boundary (it then starts
    with a CR within the last len(delimiter) - 1 bytes), or -1."""
    at = buffer.find(b"\r", max(0, len(buffer) - len(delimiter) + 1))
    while at >= 0:
        if delimiter.startswith(buffer[at:]):
            return at
        at = buffer.find(b"\r", at + 1)
    return -1


class StreamingForm:
    def __init__(self, stream: IO[bytes], content_type: str | None) -> None:
        boundary = boundary_of(content_type)
        self._dash_boundary = b"--" + boundary
        self._delimiter = b"\r\n--" + boundary
        self._reader = _Reader(stream)

    # Framing ------------------------------------------------------------------------------
    def _after_boundary(self) -> bool:
        """Consume the rest of a boundary line; True if it was the closing one (``--``)."""
        reader = self._reader
        reader.need(2)
        if reader.buffer.startswith(b"--"):
            return True
        end = reader.find(b"\r\n", MAX_HEADER_BYTES)
        if reader.buffer[:end].strip(_WHITESPACE):
            raise FormError("malformed multipart body")  # text after a boundary
        reader.buffer = reader.buffer[end + 2 :]
        return False

    def _headers(self) -> tuple[str, str | None]:
        """Read one part's headers: its name, and its filename if it is a file."""
        reader = self._reader
        reader.need(2)
        if reader.buffer.startswith(b"\r\n"):
            raise FormError("malformed multipart body")  # no header at all
        end = reader.find(b"\r\n\r\n", MAX_HEADER_BYTES)
        # The empty line's CRLF stays: an empty part's content is followed at once by
        # "--boundary", which that CRLF then completes into a delimiter (as Werkzeug's own
        # encoder writes it).
        block, reader.buffer = reader.buffer[:end], reader.buffer[end + 2 :]
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError:
            raise FormError("malformed multipart body") from None
        lines: list[str] = []
        for line in text.split("\r\n"):
            if line[:1] in (" ", "\t") and lines:  # a folded header continues the last one
                lines[-1] += " " + line.strip(" \t")
            else:
                lines.append(line)
        headers = Headers()
        for line in lines:
            name, colon, value = line.partition(":")
            if not colon:
                raise FormError("malformed multipart body")
            headers.add(name.strip(" \t"), value.strip(" \t"))
        disposition = headers.get("content-disposition")
        if disposition is None:
            raise FormError("malformed multipart body")
        _, options = parse_options_header(disposition)
        return options.get("name") or "", options.get("filename")

    def _data(self) -> Iterator[bytes]:
        """A part's content up to the next delimiter, which is consumed."""
        reader, delimiter = self._reader, self._delimiter
        reader.need(len(delimiter))
        if reader.buffer.startswith(delimiter):
            reader.buffer = reader.buffer[len(delimiter) :]
            return
        reader.buffer = reader.buffer[2:]  # the CRLF that ends the headers
        while True:
            buffer = reader.buffer
            at = buffer.find(delimiter)
            if at >= 0:
                if at:
                    yield buffer[:at]
                reader.buffer = buffer[at + len(delimiter) :]
                return
            keep_from = _partial_delimiter_at(buffer, delimiter)
            if keep_from < 0:
                reader.buffer = b""
                if buffer:
                    yield buffer  # the whole block, not a copy
            else:
                reader.buffer = buffer[keep_from:]
                if keep_from:
                    yield buffer[:keep_from]
            if not reader.more():
                raise FormError("the body ended inside the form")

    # Parts --------------------------------------------------------------------------------
    def parts(self) -> Iterator[tuple[str, str] | FilePart]:
        """("name", "value") for a field, FilePart for a file, in body order."""
        reader = self._reader
        # The first boundary may open the body or follow a preamble (then after a CRLF).
        at = reader.find(self._dash_boundary, MAX_PREAMBLE_BYTES)
        if at and not reader.buffer[:at].endswith(b"\r\n"):
            raise FormError("malformed multipart body")
        reader.buffer = reader.buffer[at + len(self._dash_boundary) :]
        count = 0
        while not self._after_boundary():
            count += 1
            if count > MAX_PARTS:
                raise RequestEntityTooLarge()
            name, filename = self._headers()
            if filename is not None:
                pieces = self._data()
                yield FilePart(name, filename, pieces)
                for _ in pieces:  # drain what the caller left unread
                    pass
                continue
            value = bytearray()
            for piece in self._data():
                value += piece
                if len(value) > MAX_FIELD_BYTES:
                    raise FormError("a form field is too long")
            try:
                yield name, value.decode("utf-8")
            except UnicodeDecodeError:
                raise FormError("a form field is not UTF-8") from None
        reader.drain()  # the epilogue, unread
