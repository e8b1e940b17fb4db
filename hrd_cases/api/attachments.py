"""Evidence files: list, upload (multipart, streamed), download (as a file), remove.
The same services and reads as the case page (hrd_cases.workflow.attachments)."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hrd_cases.api import bp, params
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.attachments import (
    AttachmentAddedSchema,
    AttachmentFieldsSchema,
    AttachmentSchema,
)
from hrd_cases.auth.permissions import Permission, case_for
from hrd_cases.current import (
    current_actor,
    current_attachment_config,
    current_database,
    current_session,
    current_vault,
)
from hrd_cases.domain.vocabulary import AttachmentCategory, AttachmentLink
from hrd_cases.http.download import download_response
from hrd_cases.http.errors import MESSAGE, envelope, error_envelope
from hrd_cases.http.multipart import FilePart, FormError, StreamingForm
from hrd_cases.records.attachment_messages import message
from hrd_cases.workflow import attachments as service

CASE_READERS = ("focal_point", "protection_officer")
FOCAL_POINT = ("focal_point",)
FORM_OVERHEAD = 64 * 1024

_UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "additionalProperties": False,
                "required": ["title", "category", "file"],
                "properties": {
                    "title": {"type": "string", "minLength": 1, "maxLength": service.MAX_TITLE},
                    "category": {
                        "type": "string",
                        "enum": [c.value for c in AttachmentCategory],
                    },
                    "link_kind": {
                        "type": "string",
                        "enum": [k.value for k in AttachmentLink],
                        "default": "case",
                    },
                    "link_id": {"type": "string", "format": "uuid"},
                    "file": {"type": "string", "format": "binary"},
                },
            },
            "encoding": {"file": {"contentType": "application/octet-stream"}},
        }
    },
}
_FILE_CONTENT: dict[str, Any] = {
    "description": (
        "The file, as a download (Content-Disposition: attachment), with nosniff, no-store "
        "and a sandbox content security policy."
    ),
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}


def _shown(view: service.AttachmentView) -> dict[str, Any]:
    return {
        "id": view.id,
        "title": view.title,
        "filename": view.filename,
        "category": view.category,
        "content_type": view.content_type,
        "size": view.size,
        "link_kind": view.link_kind,
        "link_id": view.link_id,
        "created_at": view.created_at,
    }


@operation(
    bp,
    "/cases/<reference>/attachments",
    "GET",
    summary="List a case's files",
    tag="attachments",
    roles=CASE_READERS,
    response=AttachmentSchema,
    many=True,
)
def list_attachments(reference: str) -> Response:
    """Titles and file names decrypted; content is fetched one file at a time."""
    reference = params.case_reference(reference, Permission.CASE_READ)
    case = case_for(current_session(), current_actor(), reference)
    views = service.list_attachments(current_session(), current_vault(), case)
    return envelope(AttachmentSchema(many=True).dump([_shown(v) for v in views]))


@operation(
    bp,
    "/cases/<reference>/attachments",
    "POST",
    summary="Add a file to a case (multipart/form-data)",
    tag="attachments",
    roles=FOCAL_POINT,
    response=AttachmentAddedSchema,
    status=201,
    refusals=(409,),
    extra={"request_body": _UPLOAD_BODY},
)
def add_attachment(reference: str) -> Response:
    """Parts in this order: title, category, link_kind and link_id (optional), then file.
    The type is decided from the content; location, camera and author metadata are removed
    before the file is encrypted. Limits (per file, per case) are enforced as it streams."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.CASE_UPDATE)
    case_for(current_session(), user, reference, Permission.CASE_UPDATE)
    current_session().rollback()
    config = current_attachment_config()
    if request.content_length and request.content_length > config.limits.file_bytes + FORM_OVERHEAD:
        return error_envelope(413, {"file": [service.too_large_message(config)]})
    request.max_content_length = config.limits.file_bytes + FORM_OVERHEAD
    try:
        parts = StreamingForm(request.stream, request.content_type).parts()
        raw: dict[str, str] = {}
        file_part: FilePart | None = None
        for part in parts:
            if isinstance(part, FilePart):
                file_part = part
                break
            raw[part[0]] = part[1]
        data = AttachmentFieldsSchema().load(raw)
        if file_part is None or file_part.name != "file":
            return error_envelope(422, {"file": [message("no_file")]})
        new = service.NewAttachment(
            title=data["title"],
            filename=file_part.filename,
            category=data["category"],
            link_kind=data["link_kind"],
            link_id=data["link_id"],
        )
        attachment, removed = service.add_attachment(
            current_session(), current_vault(), user, reference, new, file_part.pieces, config
        )
        for _ in parts:
            pass
    except FormError:
        if request.mimetype != "multipart/form-data":
            return error_envelope(415)
        return error_envelope(400, {MESSAGE: [message("form")]})
    view = service.view_of(attachment, current_vault())
    response = envelope(
        AttachmentAddedSchema().dump({"attachment": _shown(view), "metadata_removed": removed}),
        status=201,
    )
    response.headers["Location"] = f"/api/v1/cases/{reference}/attachments/{attachment.id}"
    return response


@operation(
    bp,
    "/cases/<reference>/attachments/<attachment_id>",
    "GET",
    summary="Download a file",
    tag="attachments",
    roles=CASE_READERS,
    refusals=(409,),
    extra={"success_content": _FILE_CONTENT},
)
def download_attachment(reference: str, attachment_id: str) -> Response:
    """Every chunk is authenticated before the first byte is sent: a damaged or moved file
    is refused (409) and the failed check is audited. Every download is audited."""
    reference = params.case_reference(reference, Permission.CASE_READ)
    opened = service.open_download(
        current_session(),
        current_vault(),
        current_actor(),
        reference,
        params.action_id(attachment_id),
        current_attachment_config(),
        current_database().session,
    )
    return download_response(opened)


@operation(
    bp,
    "/cases/<reference>/attachments/<attachment_id>",
    "DELETE",
    summary="Remove a file from a case",
    tag="attachments",
    roles=FOCAL_POINT,
)
def remove_attachment(reference: str, attachment_id: str) -> Response:
    reference = params.case_reference(reference, Permission.CASE_UPDATE)
    service.remove_attachment(
        current_session(),
        current_actor(),
        reference,
        params.action_id(attachment_id),
        current_attachment_config(),
    )
    return envelope(None)
