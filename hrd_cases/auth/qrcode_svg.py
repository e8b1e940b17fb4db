"""Inline SVG QR codes for authenticator enrolment, drawn locally.

The otpauth URI holds the TOTP secret, so it must never be sent to a third-party QR service
or CDN: segno renders it here, in-process, as plain SVG paths with no scripts or links.
"""

from __future__ import annotations

from html import escape

import segno

DEFAULT_QR_LABEL = "QR code for adding this account to your authenticator app"
# Size of one QR module in CSS pixels; the viewBox lets a stylesheet scale it further.
DEFAULT_MODULE_PIXELS = 5


def qr_svg(
    data: str, *, label: str = DEFAULT_QR_LABEL, module_pixels: int = DEFAULT_MODULE_PIXELS
) -> str:
    """An `<svg>` element to embed in a page (no XML declaration, no scripts, no hrefs).

    The label is for screen readers; it must describe the image, never repeat `data`, which
    contains the secret. Dark-on-white with a quiet zone, so it scans on dark themes too.
    """
    if module_pixels < 1:
        raise ValueError("module_pixels must be at least 1")
    # make_qr, not make: a Micro QR code would not be readable by authenticator apps.
    qr = segno.make_qr(data, error="m")
    width, height = qr.symbol_size(scale=module_pixels)
    svg = qr.svg_inline(
        scale=module_pixels,
        title=label,
        svgclass="totp-qr",
        dark="#000",
        light="#fff",
    )
    safe_label = escape(label, quote=True)
    accessibility = f'viewBox="0 0 {width} {height}" role="img" aria-label="{safe_label}"'
    return svg.replace("<svg ", f"<svg {accessibility} ", 1)
