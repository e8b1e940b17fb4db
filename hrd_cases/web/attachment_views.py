"""Evidence files on the case page: upload (streamed), download (always as a download) and
removal. No JavaScript: a plain multipart form whose fields come before its file.

The upload reads the body itself (see hrd_cases.streaming_form), so it is exempt from the
global CSRF check, which would parse the whole body first; it checks the token itself, and
refuses a file that arrives before a valid token.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from hrd_cases.auth.permissions import Permission, case_for
from hrd_cases.db import get_session
from hrd_cases.errors import InvalidTransition, ValidationFailed
from hrd_cases.extensions import csrf
from hrd_cases.http_download import download_response
from hrd_cases.models import User
from hrd_cases.records import get_vault
from hrd_cases.records.attachment_messages import message
from hrd_cases.runtime import current_attachment_config
from hrd_cases.streaming_form import FilePart, FormError, StreamingForm
from hrd_cases.vocabulary import AttachmentCategory, AttachmentLink
from hrd_cases.workflow import attachments as service

bp = Blueprint("attachments", __name__, url_prefix="/cases")
# Room for the form's other fields and the multipart framing around the file.
FORM_OVERHEAD = 64 * 1024


def _actor() -> User:
    return current_user._get_current_object()


def _back(reference: str):  # type: ignore[no-untyped-def]
    return redirect(url_for("cases.case_detail", reference=reference, _anchor="attachments"))


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
def upload(reference: str):  # type: ignore[no-untyped-def]
    actor = _actor()
    session = get_session()
    # Scope and role before a byte of the body is read: 404 outside scope, 403 for a role.
    case_for(session, actor, reference, Permission.CASE_UPDATE)
    session.rollback()
    config = current_attachment_config()
    limit = config.limits.file_bytes
    if request.content_length and request.content_length > limit + FORM_OVERHEAD:
        flash(service.too_large_message(config), "error")
        return _back(reference), 413
    request.max_content_length = limit + FORM_OVERHEAD
    try:
        form = StreamingForm(request.stream, request.content_type)
        parts = form.parts()
        fields: dict[str, str] = {}
        file_part: FilePart | None = None
        for part in parts:
            if isinstance(part, FilePart):
                file_part = part
                break
            fields[part[0]] = part[1]
        try:
            validate_csrf(fields.get("csrf_token"))
        except (ValidationError, CSRFError):
            flash(message("csrf"), "error")
            return _back(reference), 400
        if file_part is None or file_part.name != "file":
            flash(message("no_file"), "error")
            return _back(reference), 422
        try:
            category = AttachmentCategory(fields.get("category", ""))
        except ValueError:
            flash(message("category"), "error")
            return _back(reference), 422
        link_kind, link_id = _parse_link(fields.get("link", "case"))
        new = service.NewAttachment(
            title=fields.get("title", ""),
            filename=file_part.filename,
            category=category,
            link_kind=link_kind,
            link_id=link_id,
        )
        _, removed = service.add_attachment(
            session, get_vault(), actor, reference, new, file_part.pieces, config
        )
        for _ in parts:  # the closing boundary
            pass
    except FormError:
        flash(message("form"), "error")
        return _back(reference), 400
    except ValidationFailed as failed:
        for texts in failed.messages.values():
            for text in texts:
                flash(text, "error")
        return _back(reference), 422
    except InvalidTransition as refused:
        flash(f"Not done: {refused}.", "error")
        return _back(reference), 409
    flash(f"{message('added')} {removed}", "success")
    return _back(reference)


@bp.get("/<reference>/attachments/<uuid:attachment_id>")
def download(reference: str, attachment_id: uuid.UUID) -> Response:
    opened = service.open_download(
        get_session(), get_vault(), _actor(), reference, attachment_id, current_attachment_config()
    )
    return download_response(opened)


@bp.post("/<reference>/attachments/<uuid:attachment_id>/remove")
def remove(reference: str, attachment_id: uuid.UUID):  # type: ignore[no-untyped-def]
    session = get_session()
    case_for(session, _actor(), reference)  # 404 outside scope before the role's 403
    session.rollback()
    service.remove_attachment(
        session, _actor(), reference, attachment_id, current_attachment_config()
    )
    flash(message("removed"), "success")
    return _back(reference)
