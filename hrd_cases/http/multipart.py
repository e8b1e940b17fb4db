"""A multipart/form-data body read as a stream, part by part.

Werkzeug's ``request.files`` spools every file over 500 KB to a temporary file in the clear
before a view runs: a defender's photo would sit unencrypted in /tmp. This reads the request
stream with Werkzeug's own incremental decoder instead, so each piece of a file goes straight
to the caller (who encrypts it) and no more than one piece is in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Final

from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import (
    Data,
    Epilogue,
    Field,
    File,
    MultipartDecoder,
    NeedData,
)

READ_SIZE: Final = 256 * 1024
MAX_FIELD_BYTES: Final = 8 * 1024
MAX_PARTS: Final = 16


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


class StreamingForm:
    def __init__(self, stream: IO[bytes], content_type: str | None) -> None:
        self._decoder = MultipartDecoder(boundary_of(content_type), max_parts=MAX_PARTS)
        self._stream = stream
        self._ended = False

    def _events(self) -> Iterator[object]:
        while True:
            try:
                event = self._decoder.next_event()
            except ValueError:
                raise FormError("malformed multipart body") from None
            if isinstance(event, NeedData):
                if self._ended:
                    raise FormError("the body ended inside the form")
                data = self._stream.read(READ_SIZE)
                if not data:
                    self._ended = True
                    self._decoder.receive_data(None)
                else:
                    self._decoder.receive_data(data)
                continue
            yield event
            if isinstance(event, Epilogue):
                return

    def parts(self) -> Iterator[tuple[str, str] | FilePart]:
        """("name", "value") for a field, FilePart for a file, in body order."""
        events = self._events()
        for event in events:
            if isinstance(event, File):
                pieces = _file_pieces(events)
                yield FilePart(event.name, event.filename or "", pieces)
                for _ in pieces:  # drain what the caller left unread
                    pass
            elif isinstance(event, Field):
                value = bytearray()
                for data in events:
                    if not isinstance(data, Data):
                        raise FormError("malformed multipart body")
                    value += data.data
                    if len(value) > MAX_FIELD_BYTES:
                        raise FormError("a form field is too long")
                    if not data.more_data:
                        break
                try:
                    yield event.name, value.decode("utf-8")
                except UnicodeDecodeError:
                    raise FormError("a form field is not UTF-8") from None
            elif isinstance(event, Epilogue):
                return


def _file_pieces(events: Iterator[object]) -> Iterator[bytes]:
    for data in events:
        if not isinstance(data, Data):
            raise FormError("malformed multipart body")
        if data.data:
            yield bytes(data.data)
        if not data.more_data:
            return
