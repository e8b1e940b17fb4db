"""Quarterly releases for analysts: the same service as the CLI and the page
(hrd_cases.exports.releases), which checks the permission, audits (refusals too) and never
decrypts. A download is the stored release, byte for byte, after its hash is checked; the
caller chooses no date. An unreleased quarter is refused, except for an analyst's
provisional preview, which says so on every page and sheet."""

from __future__ import annotations

import re

from flask import Response
from marshmallow import fields, validate

from hrd_cases.api import bp
from hrd_cases.api.inputs import json_body, query_args
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.common import StrictSchema, Text
from hrd_cases.current import current_actor, current_session, current_settings, current_strategies
from hrd_cases.domain.errors import ValidationFailed
from hrd_cases.exports.annual import annual_export
from hrd_cases.exports.labels import LANGUAGES
from hrd_cases.exports.quarter import ExportError, ReleaseConflict, ReleaseNotFound
from hrd_cases.exports.releases import (
    REASON_RULE,
    configured_regions,
    download_release,
    provisional_preview,
    release_quarter,
)
from hrd_cases.exports.service import EXPORT_FORMATS, ExportFile
from hrd_cases.http.errors import MESSAGE, envelope, error_envelope

QUARTER_PATTERN = r"^(20|21)[0-9]{2}-?Q[1-4]$"  # 2000 to 2199: dates stay far from overflow
_MEDIA_TYPES = {name: f.content_type.split(";")[0] for name, f in EXPORT_FORMATS.items()}
_FILE_RESPONSE = {
    "description": "The file (attachment): counts only, small cells suppressed.",
    "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
    "content": {media: {"schema": {}} for media in sorted(set(_MEDIA_TYPES.values()))},
}
_QUARTER_PATH = {"quarter": {"type": "string", "pattern": QUARTER_PATTERN, "example": "2026Q3"}}


def _language_field() -> fields.String:
    return fields.String(
        load_default="en",
        validate=validate.OneOf(sorted(LANGUAGES)),
        metadata={
            "description": "the language of labels, method text and brief; JSON keys and codes "
            "stay the same"
        },
    )


class ExportQuerySchema(StrictSchema):
    format = fields.String(load_default="json", validate=validate.OneOf(sorted(EXPORT_FORMATS)))
    language = _language_field()
    version = fields.Integer(
        validate=validate.Range(1, 10_000),
        metadata={"description": "a given version of the release (default: the latest)"},
    )


class PreviewQuerySchema(StrictSchema):
    format = fields.String(load_default="json", validate=validate.OneOf(sorted(EXPORT_FORMATS)))
    language = _language_field()


class ReleaseBodySchema(StrictSchema):
    reason = Text(
        rule=REASON_RULE,
        min_length=1,
        metadata={"description": "a revision of an existing release: what changed"},
    )


class ReleaseSchema(StrictSchema):
    quarter = fields.String()
    version = fields.Integer()
    released_at = fields.DateTime()
    k = fields.Integer()
    p = fields.Integer()
    reason = fields.String(allow_none=True)
    content_sha256 = fields.String()


def _quarter(quarter: str) -> str:
    if not re.fullmatch(QUARTER_PATTERN, quarter):
        raise ValidationFailed({"quarter": ["Expected YYYYQn, n from 1 to 4 (e.g. 2026Q3)."]})
    return quarter


def _export_refusal(exc: ExportError) -> Response:
    """A well-formed request for what does not exist or cannot be done yet is not bad input:
    404 for a release or version that does not exist, 409 for a step the quarter's releases
    refuse as they stand; the rest (an unknown format, say) is 422. The message is one line
    naming quarters and rules, never data (hrd_cases.exports.quarter)."""
    message = {MESSAGE: [str(exc)]}
    if isinstance(exc, ReleaseNotFound):
        return error_envelope(404, message)
    if isinstance(exc, ReleaseConflict):
        return error_envelope(409, message, meta={"rule": "export.release_state"})
    return error_envelope(422, message)


def _attachment(export: ExportFile) -> Response:
    response = Response(export.body, status=200, content_type=export.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@operation(
    bp,
    "/exports/quarterly/<quarter>",
    "GET",
    summary="Download a released quarter",
    tag="exports",
    roles=("analyst",),
    refusals=(409,),
    query=ExportQuerySchema,
    extra={"parameters": [], "path_schemas": _QUARTER_PATH, "success_content": _FILE_RESPONSE},
)
def quarterly_export(quarter: str) -> Response:
    """The stored release of the quarter (the latest version unless ``version`` is given),
    byte for byte, after its SHA-256 is checked. ``format``: json (default), csv, xlsx or html.
    A quarter that is not released is refused with a one-line reason."""
    args = query_args(ExportQuerySchema())
    try:
        export = download_release(
            current_session(),
            _quarter(quarter),
            args["format"],
            actor=current_actor(),
            via="api",
            version=args.get("version"),
            language=args["language"],
        )
    except ExportError as exc:
        return _export_refusal(exc)
    return _attachment(export)


@operation(
    bp,
    "/exports/quarterly/<quarter>/preview",
    "GET",
    summary="An analyst's provisional preview of an unreleased quarter",
    tag="exports",
    roles=("analyst",),
    refusals=(409,),
    query=PreviewQuerySchema,
    extra={"parameters": [], "path_schemas": _QUARTER_PATH, "success_content": _FILE_RESPONSE},
)
def quarterly_preview(quarter: str) -> Response:
    """Today's figures of a quarter that is not released, protected and audited like a
    release and marked PROVISIONAL on every page and sheet. Analysts only."""
    args = query_args(PreviewQuerySchema())
    settings = current_settings()
    try:
        export = provisional_preview(
            current_session(),
            _quarter(quarter),
            args["format"],
            actor=current_actor(),
            via="api",
            catalogue=current_strategies(),
            k=settings.suppression_k,
            p=settings.suppression_p,
            regions=configured_regions(settings.regions_path),
            language=args["language"],
        )
    except ExportError as exc:
        return _export_refusal(exc)
    return _attachment(export)


@operation(
    bp,
    "/exports/quarterly/<quarter>/releases",
    "POST",
    summary="Release a closed quarter, or revise its release",
    tag="exports",
    roles=("analyst",),
    refusals=(409,),
    body=ReleaseBodySchema,
    response=ReleaseSchema,
    status=201,
    extra={"path_schemas": _QUARTER_PATH},
)
def release(quarter: str) -> Response:
    """Compute, audit and store the quarter's release, once it has closed and the lag for late
    entries has passed. With ``reason``: a new, audited version of an existing release."""
    data = json_body(ReleaseBodySchema())
    settings = current_settings()
    try:
        made = release_quarter(
            current_session(),
            _quarter(quarter),
            actor=current_actor(),
            via="api",
            catalogue=current_strategies(),
            k=settings.suppression_k,
            p=settings.suppression_p,
            lag_days=settings.release_lag_days,
            regions=configured_regions(settings.regions_path),
            reason=data.get("reason"),
        )
    except ExportError as exc:
        return _export_refusal(exc)
    return envelope(ReleaseSchema().dump(made), status=201)


class AnnualQuerySchema(StrictSchema):
    format = fields.String(load_default="json", validate=validate.OneOf(sorted(EXPORT_FORMATS)))
    language = _language_field()


@operation(
    bp,
    "/exports/annual/<int:year>",
    "GET",
    summary="The annual report of a year, from its four released quarters",
    tag="exports",
    roles=("analyst",),
    refusals=(409,),
    query=AnnualQuerySchema,
    extra={
        "parameters": [],
        "path_schemas": {"year": {"type": "integer", "minimum": 2000, "maximum": 2199}},
        "success_content": _FILE_RESPONSE,
    },
)
def annual_report(year: int) -> Response:
    """Headline figures and every table's all-countries counts by quarter and for the year,
    from the four releases (published figures only). A year with a quarter not released is
    refused with a one-line reason."""
    args = query_args(AnnualQuerySchema())
    try:
        export = annual_export(
            current_session(),
            year,
            args["format"],
            actor=current_actor(),
            via="api",
            language=args["language"],
        )
    except ExportError as exc:
        return _export_refusal(exc)
    return _attachment(export)
