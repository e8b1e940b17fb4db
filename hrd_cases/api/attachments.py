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
from hrd_cases.api.schemas.common import NON_BLANK_MULTILINE_PATTERN
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
from hrd_cases.reads.attachments import AttachmentView, case_files, view_of
from hrd_cases.records import attachment_content
from hrd_cases.records.attachment_messages import message
from hrd_cases.workflow import attachments as service

CASE_READERS = ("focal_point", "protection_officer")
FOCAL_POINT = ("focal_point",)
FORM_OVERHEAD = 64 * 1024
# With these before the file, the fields are checked before a byte of it is read.
_REQUIRED_FIELDS = frozenset(("title", "category"))

ACCEPTED_KINDS = attachment_content.allowed_types()
# Notes are not records yet (issue 16): a file cannot be linked to one.
_LINKABLE = [k for k in AttachmentLink if k is not AttachmentLink.NOTE]
_UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "additionalProperties": False,
                "required": ["title", "category", "file"],
                "properties": {
                    "title": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": service.MAX_TITLE,
                        "pattern": NON_BLANK_MULTILINE_PATTERN,
                    },
                    "category": {
                        "type": "string",
                        "enum": [c.value for c in AttachmentCategory],
                    },
                    "link_kind": {
                        "type": "string",
                        "enum": [k.value for k in _LINKABLE],
                        "default": "case",
                    },
                    "link_id": {
                        "type": "string",
                        "format": "uuid",
                        "description": (
                            "with link_kind referral, hearing or statement: that record of "
                            "this case (none with case)"
                        ),
                    },
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": (
                            "one of the accepted kinds, decided from the content (the part's "
                            "own Content-Type is not trusted); plain text without web-page "
                            "or script markup"
                        ),
                    },
                },
            },
            # The kinds the content may be, whatever the part's own header says.
            "encoding": {"file": {"contentType": ", ".join(sorted(ACCEPTED_KINDS))}},
        }
    },
}
_FILE_CONTENT: dict[str, Any] = {
    "description": (
        "The file, as a download (Content-Disposition: attachment), with nosniff, no-store "
        "and a sandbox content security policy."
    ),
    # Served with the type decided from its content (one of the accepted kinds).
    "content": {
        kind: {"schema": {"type": "string", "format": "binary"}}
        for kind in ("application/octet-stream", *sorted(attachment_content.EXTENSIONS))
    },
}


def _new_attachment(raw: dict[str, str], filename: str) -> service.NewAttachment:
    data = AttachmentFieldsSchema().load(raw)
    return service.NewAttachment(
        title=data["title"],
        filename=filename,
        category=data["category"],
        link_kind=data["link_kind"],
        link_id=data["link_id"],
    )


def _shown(view: AttachmentView) -> dict[str, Any]:
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
    views = case_files(current_session(), current_vault(), current_actor(), reference)
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
    """Parts in any order; with title and category before the file, they are checked before
    it is read, otherwise once it is staged (encrypted, never in the clear on disk).
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
        if file_part is None or file_part.name != "file":
            AttachmentFieldsSchema().load(raw)
            return error_envelope(422, {"file": [message("no_file")]})
        filename = file_part.filename

        def fields_after_file() -> service.NewAttachment:
            """The rest of the body, read once the file is staged (encrypted)."""
            for part in parts:
                if isinstance(part, FilePart):
                    raise FormError("a second file")
                raw[part[0]] = part[1]
            return _new_attachment(raw, filename)

        # Fields sent before the file are checked before it is read; any that follow it
        # are read once it is staged, and the whole set is checked again.
        first_look = _new_attachment(raw, filename) if raw.keys() >= _REQUIRED_FIELDS else None
        attachment, removed = service.add_attachment(
            current_session(),
            current_vault(),
            user,
            reference,
            fields_after_file,
            file_part.pieces,
            config,
            first_look=first_look,
        )
        for _ in parts:
            pass
    except FormError:
        if request.mimetype != "multipart/form-data":
            return error_envelope(415)
        return error_envelope(400, {MESSAGE: [message("form")]})
    view = view_of(attachment, current_vault())
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
