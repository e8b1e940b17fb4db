"""The streaming multipart parser (hrd_cases.http.multipart) against Werkzeug's own encoder and
decoder: the same fields and file bytes, whatever the content and however the body is cut into
reads, and a FormError (never a wrong file) for what is not a well-formed form."""

from __future__ import annotations

import io
from typing import IO, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import parse_form_data
from werkzeug.test import EnvironBuilder

from hrd_cases.http.multipart import (
    MAX_FIELD_BYTES,
    MAX_HEADER_BYTES,
    MAX_PARTS,
    FilePart,
    FormError,
    StreamingForm,
)

BOUNDARY = "b0undary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


class Trickle(io.RawIOBase):
    """A body that arrives at most ``step`` bytes per read, as a slow socket would give it."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = data
        self._position = 0
        self._step = step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        piece = self._data[self._position : self._position + min(self._step, len(buffer))]
        buffer[: len(piece)] = piece
        self._position += len(piece)
        return len(piece)


def parsed(body: bytes, content_type: str = CONTENT_TYPE, step: int = 1 << 20) -> list[object]:
    out: list[object] = []
    for part in StreamingForm(cast(IO[bytes], Trickle(body, step)), content_type).parts():
        if isinstance(part, FilePart):
            out.append((part.name, part.filename, b"".join(part.pieces)))
        else:
            out.append(part)
    return out


def encoded(fields: dict[str, str], file: bytes, filename: str = "f.txt") -> tuple[bytes, str]:
    builder = EnvironBuilder(method="POST", data={**fields, "file": (io.BytesIO(file), filename)})
    environ = builder.get_environ()
    return environ["wsgi.input"].read(), environ["CONTENT_TYPE"]


# Contents that sit on the parser's edges: CRs, CRLFs and pieces of the delimiter.
EDGY = st.lists(
    st.sampled_from([b"\r", b"\n", b"\r\n", b"-", b"--", b"\r\n--", b"\r\n-", b"x", b"\x00"]),
    max_size=60,
).map(b"".join)


@settings(max_examples=150, deadline=None)
@given(
    file=st.one_of(st.binary(max_size=3000), EDGY),
    title=st.text(max_size=40),
    step=st.integers(min_value=1, max_value=97),
)
def test_same_parts_as_werkzeug_however_the_body_is_cut(file: bytes, title: str, step: int) -> None:
    body, content_type = encoded({"title": title, "category": "other"}, file)
    reference = parse_form_data(
        {
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": content_type,
            "REQUEST_METHOD": "POST",
        }
    )[1:]
    form, files = reference
    expected: list[object] = [("title", form["title"]), ("category", form["category"])]
    expected.append(("file", files["file"].filename, files["file"].read()))
    assert parsed(body, content_type, step) == expected


def test_a_file_is_handed_on_in_read_blocks_without_being_copied_whole() -> None:
    content = b"a line of a statement\n" * 200_000  # 4.4 MB
    body = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="s.txt"\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    parts = StreamingForm(io.BytesIO(body), CONTENT_TYPE).parts()
    file = next(parts)
    assert isinstance(file, FilePart)
    sizes = [len(piece) for piece in file.pieces]
    assert sum(sizes) == len(content) and max(sizes) <= 1 << 20 and len(sizes) > 1
    assert list(parts) == []


def test_preamble_epilogue_and_padding_after_a_boundary_are_accepted() -> None:
    body = (
        b"a preamble, ignored\r\n"
        b'--b0undary \t\r\nContent-Disposition: form-data; name="a"\r\n\r\none\r\n'
        b'--b0undary\r\nContent-Disposition: form-data;\r\n name="b"\r\n\r\ntwo\r\n'
        b"--b0undary--\r\nan epilogue, ignored"
    )
    assert parsed(body) == [("a", "one"), ("b", "two")]


@pytest.mark.parametrize(
    "body",
    [
        # ends inside the file
        b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc',
        # ends before the closing boundary's dashes
        b'--b0undary\r\nContent-Disposition: form-data; name="a"\r\n\r\none\r\n--b0undary',
        # no boundary at all
        b"just some bytes",
        # a part without Content-Disposition
        b"--b0undary\r\nContent-Type: text/plain\r\n\r\none\r\n--b0undary--\r\n",
        # a part without any header
        b"--b0undary\r\n\r\none\r\n--b0undary--\r\n",
        # text after a boundary on its line
        b'--b0undaryX\r\nContent-Disposition: form-data; name="a"\r\n\r\none\r\n--b0undary--',
        # a header line without a colon
        b'--b0undary\r\nContent-Disposition: form-data; name="a"\r\nnonsense\r\n\r\n'
        b"one\r\n--b0undary--\r\n",
        # a header that is not UTF-8
        b'--b0undary\r\nContent-Disposition: form-data; name="\xff"\r\n\r\none\r\n--b0undary--\r\n',
        # a field too long
        b'--b0undary\r\nContent-Disposition: form-data; name="a"\r\n\r\n'
        + b"x" * (MAX_FIELD_BYTES + 1)
        + b"\r\n--b0undary--\r\n",
        # headers too long
        b'--b0undary\r\nContent-Disposition: form-data; name="a"\r\nX-Pad: '
        + b"p" * MAX_HEADER_BYTES
        + b"\r\n\r\none\r\n--b0undary--\r\n",
        # a field that is not UTF-8
        b'--b0undary\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xff\r\n--b0undary--',
    ],
)
def test_what_is_not_a_well_formed_form_is_a_form_error(body: bytes) -> None:
    with pytest.raises(FormError):
        parsed(body, step=7)


def test_too_many_parts_are_refused() -> None:
    part = b'--b0undary\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n'
    with pytest.raises(RequestEntityTooLarge):
        parsed(part * (MAX_PARTS + 1) + b"--b0undary--\r\n")
    assert len(parsed(part * MAX_PARTS + b"--b0undary--\r\n")) == MAX_PARTS


def test_not_multipart_is_a_form_error() -> None:
    with pytest.raises(FormError):
        StreamingForm(io.BytesIO(b"{}"), "application/json")
    with pytest.raises(FormError):
        StreamingForm(io.BytesIO(b""), "multipart/form-data")  # no boundary
