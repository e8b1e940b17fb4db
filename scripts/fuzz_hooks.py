"""Schemathesis hooks for scripts/api_fuzz.py: real starting points for the stateful phase.

The stateful phase starts its chains at the operations without a path parameter, and follows
the OpenAPI links from their answers. Left alone, it starts from ``GET /cases`` with random
filters (an empty list: nothing to follow) and from ``POST /cases`` with a random country
(refused with 409: a focal point opens cases for their own delegation's country only). In the
stateful phase, and only for schema-valid requests, these hooks list the cases without filters
and open the case for the delegation's country (HRD_FUZZ_COUNTRY), search for the name
the chains' intakes give; they fill what the
delegation's template requires (intake name, location, narrative and threats, a referral's
assistance), confirm hearing dates long past and keep token lifetimes within the instance's
limit (409 rules otherwise), so that the chains reach real cases and, through the links,
their sub-resources and steps. The other phases keep every
generated value, and with them the refusals.

The document declares the kinds an uploaded file may be (``encoding.file.contentType``: the
type is decided from the content); Schemathesis draws a file of a declared kind from the
strategies registered here, small real files of those kinds, so that a schema-valid upload
is a file the API must accept.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.core.file_samples import FILE_SAMPLES
from schemathesis.generation.meta import TestPhase
from schemathesis.generation.modes import GenerationMode

from hrd_cases.api.schemas.common import CASE_REFERENCE

# Plain text without markup: letters, digits, punctuation and line breaks, never "<".
_TEXT = (
    st.text(
        alphabet=st.characters(categories=("L", "N", "Zs"), exclude_characters="\u00a0")
        | st.sampled_from(".,;:-'\n"),
        min_size=1,
        max_size=200,
    )
    .filter(str.strip)
    .map(str.encode)
)
for kind, sample in (
    ("application/pdf", st.just(FILE_SAMPLES["pdf"])),
    ("image/jpeg", st.just(FILE_SAMPLES["jpg"])),
    ("image/png", st.just(FILE_SAMPLES["png"])),
    ("image/webp", st.just(FILE_SAMPLES["webp"])),
    ("text/plain", _TEXT),
):
    schemathesis.openapi.media_type(kind, sample)

HEARING_DATES = ("POST /cases/{reference}/hearings", "POST /hearings/{hearing_id}/reschedule")
# A defender's fields a template may require at intake.
INTAKE_DEFENDER = {"name": "Amina Wanjiru", "location": "Kisumu"}
# The instance's default longest token lifetime (Settings.api_token_max_days).
TOKEN_MAX_DAYS = 90
# Filters and paging that, drawn at random, make the list empty.
LIST_NARROWING = ("country", "risk_level", "status", "opened_from", "opened_before", "page")


def _stateful_positive(case: Any) -> bool:
    meta = case.meta
    return (
        meta is not None
        and meta.phase.name == TestPhase.STATEFUL
        and meta.generation.mode == GenerationMode.POSITIVE
    )


# Identifiers the API answered in this run, per path parameter (newest last). Schemathesis
# starts some chains at an operation with a path parameter, drawing the identifier at random:
# a 404 that reaches nothing. Such a drawn identifier is replaced by one the API answered
# before (an identifier taken from a link was answered, so links are never altered).
ANSWERED: dict[str, list[str]] = {}
# Which identifiers an answer carries: (path parameter, key, the list holding the items).
_CARRIED = (
    ("reference", "reference", None),
    ("referral_id", "id", "referrals"),
    ("hearing_id", "id", "hearings"),
    ("consent_id", "id", "consents"),
    ("statement_id", "id", "statements"),
    ("defender_reference", "reference", "defenders"),
)
# What a creating operation's answer is, by its label.
_CREATED = {
    "POST /cases/{reference}/referrals": "referral_id",
    "POST /cases/{reference}/hearings": "hearing_id",
    "POST /cases/{reference}/consents": "consent_id",
    "POST /cases/{reference}/statements": "statement_id",
}


def _remember(parameter: str, value: object) -> None:
    # A case answer also carries other records' "reference" keys (a defender's, HRD-...):
    # only a case reference may stand in for a case's path parameter.
    if parameter == "reference" and not (isinstance(value, str) and CASE_REFERENCE.match(value)):
        return
    if isinstance(value, str) and value:
        seen = ANSWERED.setdefault(parameter, [])
        if value in seen:
            seen.remove(value)
        seen.append(value)


def _harvest(label: str, data: object) -> None:
    items = data if isinstance(data, list) else [data]
    for item in items:
        if not isinstance(item, dict):
            continue
        if label in _CREATED:
            _remember(_CREATED[label], item.get("id"))
            continue
        if label.startswith(("GET /cases", "POST /cases", "PATCH /cases")):
            for parameter, key, holder in _CARRIED:
                if holder is None:
                    _remember(parameter, item.get(key))
                else:
                    for held in item.get(holder) or []:
                        if isinstance(held, dict):
                            _remember(parameter, held.get(key))


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    if not _stateful_positive(case) or not 200 <= response.status_code < 300:
        return
    # Only JSON answers: Response.json() caches what it parses, and the response checks then
    # read that cache, so a downloaded text file holding "0" would be validated as the number 0.
    content_type = (response.headers.get("content-type") or [""])[0]
    if not content_type.startswith("application/json"):
        return
    try:
        body = response.json()
    except ValueError:
        return
    if isinstance(body, dict):
        _harvest(case.operation.label, body.get("data"))


# Schemathesis 4.32's coverage phase builds a multipart body that uses a registered file
# strategy by filling the other required parts with "" (coverage/_operation.py,
# _generate_multipart_body_from_custom_strategies), whatever their schema, and still calls it
# schema-valid. The upload's title (minLength 1) and category (an enum) then make a
# schema-invalid request labelled valid. Only those empty parts get a valid value; the
# request is then what the tool says it is, and every check still runs on it.
_UPLOAD = "POST /cases/{reference}/attachments"
_UPLOAD_PARTS = {"title": "Evidence", "category": "other"}


def _repair_tool_multipart(case: Any) -> None:
    meta = case.meta
    if (
        meta is None
        or meta.phase.name != TestPhase.COVERAGE
        or meta.generation.mode != GenerationMode.POSITIVE
        or case.operation.label != _UPLOAD
    ):
        return
    body = getattr(case.body, "body", case.body)  # parts with their own content types
    if isinstance(body, dict):
        for name, value in _UPLOAD_PARTS.items():
            if body.get(name) == "":
                body[name] = value


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: Any) -> None:
    _repair_tool_multipart(case)
    if not _stateful_positive(case):
        return
    label = case.operation.label
    if isinstance(case.path_parameters, dict):
        for name, value in case.path_parameters.items():
            seen = ANSWERED.get(name)
            if seen and str(value) not in seen:
                case.path_parameters[name] = seen[-1 - (len(str(value)) % len(seen))]
    if label == "GET /cases" and isinstance(case.query, dict):
        for name in LIST_NARROWING:
            case.query.pop(name, None)
    elif label == "POST /cases" and isinstance(case.body, dict):
        country = os.environ.get("HRD_FUZZ_COUNTRY")
        if country:
            case.body["country"] = country
        # What the delegation's template requires at intake (a 409 rule otherwise).
        defender = case.body.get("defender")
        if isinstance(defender, dict):
            for field, value in INTAKE_DEFENDER.items():
                if not str(defender.get(field) or "").strip():
                    defender[field] = value
        if not str(case.body.get("narrative") or "").strip():
            case.body["narrative"] = "Followed after the march"
        if not case.body.get("threats"):
            case.body["threats"] = ["surveillance"]
    elif label == "POST /cases/{reference}/referrals" and isinstance(case.body, dict):
        # The template asks what assistance a referral requests.
        if not case.body.get("assistance_types"):
            case.body["assistance_types"] = ["legal"]
    elif label == "POST /defenders/search" and isinstance(case.body, dict):
        # The name the chains' intakes give (a random name finds no one: nothing to follow).
        case.body["name"] = INTAKE_DEFENDER["name"]
    elif label in HEARING_DATES and isinstance(case.body, dict):
        # A date long past is kept only when the caller confirms it (a 409 rule otherwise).
        case.body["confirm_past"] = True
    elif label == "POST /account/tokens" and isinstance(case.body, dict):
        # Within the instance's longest lifetime (a 409 rule beyond it).
        days = case.body.get("days")
        if isinstance(days, int) and days > TOKEN_MAX_DAYS:
            case.body["days"] = TOKEN_MAX_DAYS
