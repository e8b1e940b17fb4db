"""The quarterly aggregate export for analysts: the same service as the CLI and the page
(hrd_cases.exports.service), which checks the permission, audits (refusals too) and never
decrypts. The file is sent as an attachment, byte for byte what the service rendered."""

from __future__ import annotations

import datetime as dt
import re

from flask import Response
from marshmallow import ValidationError, fields, validate

from hrd_cases.api import bp
from hrd_cases.api.inputs import query_args
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.common import StrictSchema
from hrd_cases.current import current_actor, current_session, current_settings, current_strategies
from hrd_cases.domain.errors import ValidationFailed
from hrd_cases.exports.quarter import ExportError
from hrd_cases.exports.service import EXPORT_FORMATS, build_quarterly_export

QUARTER_PATTERN = r"^(20|21)[0-9]{2}-?Q[1-4]$"  # 2000 to 2199: dates stay far from overflow
_MEDIA_TYPES = {name: f.content_type.split(";")[0] for name, f in EXPORT_FORMATS.items()}


def _plausible_day(day: dt.date) -> None:
    if not dt.date(2000, 1, 1) <= day <= dt.date(2199, 12, 31):
        raise ValidationError("Must be between 2000-01-01 and 2199-12-31.")


class ExportQuerySchema(StrictSchema):
    format = fields.String(load_default="json", validate=validate.OneOf(sorted(EXPORT_FORMATS)))
    as_of = fields.Date(
        validate=_plausible_day,
        metadata={
            "description": "count events up to this day (default: today, UTC), 2000 to 2199",
            "pattern": "^2[01][0-9]{2}-",
        },
    )


@operation(
    bp,
    "/exports/quarterly/<quarter>",
    "GET",
    summary="Download a quarterly aggregate export",
    tag="exports",
    roles=("analyst",),
    query=ExportQuerySchema,
    extra={
        "parameters": [],
        "path_schemas": {
            "quarter": {"type": "string", "pattern": QUARTER_PATTERN, "example": "2026Q3"}
        },
        "success_content": {
            "description": "The export file (attachment): counts only, small cells suppressed.",
            "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
            "content": {media: {"schema": {}} for media in sorted(set(_MEDIA_TYPES.values()))},
        },
    },
)
def quarterly_export(quarter: str) -> Response:
    """Fixed tables over clear categories, with disclosure control (k from the settings).
    ``format``: json (default), csv, xlsx or html. The same quarter, as-of date and data
    give the same bytes."""
    args = query_args(ExportQuerySchema())
    if not re.fullmatch(QUARTER_PATTERN, quarter):
        raise ValidationFailed({"quarter": ["Expected YYYYQn, n from 1 to 4 (e.g. 2026Q3)."]})
    as_of = args.get("as_of") or dt.datetime.now(dt.UTC).date()
    try:
        export = build_quarterly_export(
            current_session(),
            quarter=quarter,
            fmt=args["format"],
            as_of=as_of,
            k=current_settings().suppression_k,
            actor=current_actor(),
            via="api",
            catalogue=current_strategies(),
        )
    except ExportError as exc:
        # One line naming the quarter or the date, never data (hrd_cases.exports.quarter).
        raise ValidationFailed({"message": [str(exc)]}) from None
    response = Response(export.body, status=200, content_type=export.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
