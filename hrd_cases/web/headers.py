"""Security headers on every response, errors included."""

from __future__ import annotations

from flask import Flask, Response, request

# No inline script or style anywhere: the templates load /static files only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def register_security_headers(app: Flask, *, production: bool) -> None:
    def add_headers(response: Response) -> Response:
        headers = response.headers
        # A file download sets its own, stricter policy (sandbox): it is kept.
        if "sandbox" not in headers.get("Content-Security-Policy", ""):
            headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if production:
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        # Pages and API answers may carry case data: never stored by a browser or a proxy.
        # Static assets hold none and may be cached.
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response

    app.after_request(add_headers)
