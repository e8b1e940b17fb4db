"""The enrolment QR code is inert inline SVG: no script, no handlers, no links, no secret text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from hrd_cases.auth.qrcode_svg import DEFAULT_QR_LABEL, qr_svg
from hrd_cases.auth.totp import provisioning_uri

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
URI = provisioning_uri(SECRET, "maria.lopez@example.org")


@pytest.fixture(scope="module")
def svg() -> str:
    return qr_svg(URI)


def test_is_a_bare_svg_element(svg: str) -> None:
    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    assert "<!DOCTYPE" not in svg.upper()
    assert svg.rstrip().endswith("</svg>")


def test_has_no_script_handlers_or_links(svg: str) -> None:
    lowered = svg.lower()
    assert "<script" not in lowered
    assert not re.search(r"\son[a-z]+\s*=", lowered)
    assert "href" not in lowered
    assert "http" not in lowered
    assert "javascript:" not in lowered
    assert "<foreignobject" not in lowered


def test_does_not_carry_the_uri_or_secret_as_text(svg: str) -> None:
    assert URI not in svg
    assert "otpauth" not in svg
    assert SECRET not in svg


def test_is_accessible(svg: str) -> None:
    assert 'role="img"' in svg
    assert f'aria-label="{DEFAULT_QR_LABEL}"' in svg
    assert f"<title>{DEFAULT_QR_LABEL}</title>" in svg


def test_is_well_formed_and_scalable(svg: str) -> None:
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == "svg"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.get("width") == root.get("height")
    only_drawing_elements = {"svg", "title", "g", "path"}
    assert {element.tag for element in root.iter()} <= only_drawing_elements


def test_hostile_label_stays_text() -> None:
    label = '"><script>alert(1)</script><x onload="'
    hostile = qr_svg(URI, label=label)
    assert "<script" not in hostile.lower()
    root = ET.fromstring(hostile)  # noqa: S314 - our own output
    for element in root.iter():
        assert element.tag != "script"
        assert not [name for name in element.attrib if name.lower().startswith("on")]
    assert root.get("aria-label") == label
    assert root.findtext("title") == label


def test_module_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        qr_svg(URI, module_pixels=0)
