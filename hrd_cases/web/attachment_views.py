"""Evidence files on the case page: upload (streamed), download (always as a download) and
removal. No JavaScript: a plain multipart form whose fields come before its file.

The upload reads the body itself (see hrd_cases.http.multipart), so it is exempt from the
global CSRF check, which would parse the whole body first; it checks the token itself, and
refuses a file that arrives before a valid token.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from hrd_cases.auth.permissions import Permission, case_for, require
from hrd_cases.current import (
    current_attachment_config,
    current_database,
    current_session,
    current_vault,
)
from hrd_cases.domain.errors import InvalidTransition, ValidationFailed
from hrd_cases.domain.vocabulary import AttachmentCategory, AttachmentLink
from hrd_cases.extensions import csrf
from hrd_cases.http.download import download_response
from hrd_cases.http.errors import Failure
from hrd_cases.http.multipart import FilePart, FormError, StreamingForm
from hrd_cases.models import Case, User
from hrd_cases.records.attachment_messages import message
from hrd_cases.web.case_views import render_case
from hrd_cases.web.errors import render_error_page
from hrd_cases.workflow import attachments as service

bp = Blueprint("attachments", __name__, url_prefix="/cases")
# Room for the form's other fields and the multipart framing around the file.
FORM_OVERHEAD = 64 * 1024


def _actor() -> User:
    return current_user._get_current_object()


def _back(reference: str) -> ResponseReturnValue:
    return redirect(url_for("cases.case_detail", reference=reference, _anchor="attachments"))


def _refused(texts: list[str], status: int, case: Case | None = None) -> ResponseReturnValue:
    """The case page again with the reasons on top (no redirect: the status says what
    happened), or the error page when the case may not be shown yet."""
    if case is None:
        return render_error_page(Failure(status, detail=" ".join(texts)))
    for text in texts:
        flash(text, "error")
    return render_case(case.reference, status=status)


def _parse_link(value: str) -> tuple[AttachmentLink, uuid.UUID | None]:
    """The form's one "belongs to" select: "case", or "<kind>:<id>"."""
    kind, _, raw_id = value.partition(":")
    try:
        link = AttachmentLink(kind)
        return link, uuid.UUID(raw_id) if raw_id else None
    except ValueError:
        raise ValidationFailed({"link": [message("link")]}) from None


@bp.post("/<reference>/attachments")
@csrf.exempt
def upload(reference: str) -> ResponseReturnValue:
    """The fields are read first (small, bounded), the CSRF token checked (400), then scope
    (404) and role (403), and only then is the file read, as it streams."""
    actor = _actor()
    session = current_session()
    config = current_attachment_config()
    limit = config.limits.file_bytes
    if request.content_length and request.content_length > limit + FORM_OVERHEAD:
        return _refused([service.too_large_message(config)], 413)
    request.max_content_length = limit + FORM_OVERHEAD
    fields: dict[str, str] = {}
    file_part: FilePart | None = None
    parts: Iterator[tuple[str, str] | FilePart] = iter(())
    malformed = request.mimetype != "multipart/form-data"
    if malformed:
        fields = request.form.to_dict()  # small and in memory: only for its CSRF token
    else:
        try:
            parts = StreamingForm(request.stream, request.content_type).parts()
            for part in parts:
                if isinstance(part, FilePart):
                    file_part = part
                    break
                fields[part[0]] = part[1]
        except FormError:
            malformed = True
    try:
        validate_csrf(fields.get("csrf_token") or request.headers.get("X-CSRFToken"))
    except (ValidationError, CSRFError):
        return _refused([message("csrf")], 400)
    case = case_for(session, actor, reference)
    require(actor, Permission.CASE_UPDATE)
    session.rollback()
    if malformed:
        return _refused([message("form")], 400, case)
    try:
        if file_part is None or file_part.name != "file":
            return _refused([message("no_file")], 422, case)
        try:
            category = AttachmentCategory(fields.get("category", ""))
        except ValueError:
            return _refused([message("category")], 422, case)
        link_kind, link_id = _parse_link(fields.get("link", "case"))
        new = service.NewAttachment(
            title=fields.get("title", ""),
            filename=file_part.filename,
            category=category,
            link_kind=link_kind,
            link_id=link_id,
        )
        _, removed = service.add_attachment(
            session, current_vault(), actor, reference, new, file_part.pieces, config
        )
        for _ in parts:  # the closing boundary
            pass
    except FormError:
        return _refused([message("form")], 400, case)
    except ValidationFailed as failed:
        texts = [text for group in failed.messages.values() for text in group]
        return _refused(texts, 422, case)
    except InvalidTransition as refused:
        return _refused([f"Not done: {refused}."], 409, case)
    flash(f"{message('added')} {removed}", "success")
    return _back(reference)


@bp.get("/<reference>/attachments/<uuid:attachment_id>")
def download(reference: str, attachment_id: uuid.UUID) -> Response:
    opened = service.open_download(
        current_session(),
        current_vault(),
        _actor(),
        reference,
        attachment_id,
        current_attachment_config(),
        current_database().session,
    )
    return download_response(opened)


@bp.post("/<reference>/attachments/<uuid:attachment_id>/remove")
def remove(reference: str, attachment_id: uuid.UUID) -> ResponseReturnValue:
    session = current_session()
    case_for(session, _actor(), reference)  # 404 outside scope before the role's 403
    session.rollback()
    service.remove_attachment(
        session, _actor(), reference, attachment_id, current_attachment_config()
    )
    flash(message("removed"), "success")
    return _back(reference)
