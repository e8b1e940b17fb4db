"""Corrections with history and case notes (issue 16): what is sent and what is shown."""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import ValidationError, fields, validate, validates_schema

from hrd_cases.api.schemas.common import (
    DEFENDER_REFERENCE,
    NAME_WITH_LETTER_PATTERN,
    NON_BLANK_MULTILINE_PATTERN,
    OutputSchema,
    StrictSchema,
    Text,
)
from hrd_cases.domain.text_input import rule_for


def _defender_text(field: str, **kwargs: Any) -> fields.String:
    return Text(rule=rule_for("defenders", field), allow_none=True, **kwargs)


class DefenderCorrectionSchema(StrictSchema):
    """Identity and contact fields to correct; a field left out stays as it is, null (or an
    empty string) empties it. The name can be corrected, never emptied. The earlier value is
    kept, encrypted, in the case's history; a corrected name is re-indexed at once."""

    OPENAPI_EXTRA: ClassVar[dict[str, object]] = {"minProperties": 1}

    # Corrected, never emptied: a name with a letter (blank is refused, 422).
    name = Text(
        rule=rule_for("defenders", "name"),
        min_length=1,
        metadata={"pattern": NAME_WITH_LETTER_PATTERN},
    )
    other_names = _defender_text("other_names", metadata={"description": "separated by ;"})
    contact_details = _defender_text("contact_details")
    location = _defender_text("location")
    organisation = _defender_text("organisation")
    date_of_birth = _defender_text("date_of_birth")
    personal_notes = _defender_text("personal_notes")

    @validates_schema
    def _something(self, data: dict, **kwargs: object) -> None:
        if not data:
            raise ValidationError("Give at least one field to correct.")


class CaseDefenderCorrectionSchema(DefenderCorrectionSchema):
    """A correction of the case's defender inside ``PATCH /cases/{reference}``: the case's
    only defender unless ``reference`` names one (required when the case concerns several)."""

    reference = fields.String(
        validate=validate.Regexp(DEFENDER_REFERENCE),
        metadata={"description": "the defender's reference (HRD-XXXXX-XXXXX)"},
    )


class CorrectionSchema(OutputSchema):
    """What a correction changed: the names of the fields, never their values."""

    case = fields.String(required=True, metadata={"description": "the case's reference"})
    case_fields = fields.List(fields.String(), required=True)
    defender = fields.String(allow_none=True, required=True)
    defender_fields = fields.List(fields.String(), required=True)


class EarlierVersionSchema(OutputSchema):
    value = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "null: the field was empty, or the version was erased"},
    )
    erased = fields.Boolean(required=True)
    replaced_at = fields.AwareDateTime(required=True)
    replaced_by = fields.String(allow_none=True, required=True)


class FieldHistorySchema(OutputSchema):
    """One corrected field: the case's own (``defender`` null) or a defender's."""

    defender = fields.String(allow_none=True, required=True)
    field = fields.String(required=True)
    current = fields.String(allow_none=True, required=True)
    erased = fields.Boolean(required=True)
    versions = fields.List(
        fields.Nested(EarlierVersionSchema),
        required=True,
        metadata={"description": "earlier values, newest first"},
    )


class NoteInputSchema(StrictSchema):
    # A note of white space only is refused (workflow.notes): the document says so.
    text = Text(
        required=True,
        min_length=1,
        rule=rule_for("case_notes", "text"),
        metadata={"pattern": NON_BLANK_MULTILINE_PATTERN},
    )


class NoteSchema(OutputSchema):
    id = fields.UUID(required=True)
    written_at = fields.AwareDateTime(required=True)
    author = fields.String(required=True)
    text = fields.String(allow_none=True, required=True, metadata={"description": "null: erased"})
