"""Evidence files in the API: what a listing shows, what an upload's fields are."""

from __future__ import annotations

from marshmallow import fields

from hrd_cases.api.schemas.common import OutputSchema, StrictSchema, Text
from hrd_cases.domain.vocabulary import AttachmentCategory, AttachmentLink
from hrd_cases.workflow.attachments import MAX_TITLE


class AttachmentSchema(OutputSchema):
    id = fields.UUID(required=True)
    title = fields.String(
        required=True, allow_none=True, metadata={"description": "null once erased"}
    )
    filename = fields.String(required=True, allow_none=True)
    category = fields.Enum(AttachmentCategory, by_value=True, required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "bytes, after metadata removal"})
    link_kind = fields.Enum(AttachmentLink, by_value=True, required=True)
    link_id = fields.UUID(required=True, allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class AttachmentAddedSchema(OutputSchema):
    attachment = fields.Nested(AttachmentSchema, required=True)
    metadata_removed = fields.String(
        required=True, metadata={"description": "what metadata was removed, in plain words"}
    )


class AttachmentFieldsSchema(StrictSchema):
    """The text parts of the multipart upload; they precede the ``file`` part."""

    title = Text(max_length=MAX_TITLE, min_length=1, required=True)
    category = fields.Enum(AttachmentCategory, by_value=True, required=True)
    link_kind = fields.Enum(AttachmentLink, by_value=True, load_default=AttachmentLink.CASE)
    link_id = fields.UUID(load_default=None)
