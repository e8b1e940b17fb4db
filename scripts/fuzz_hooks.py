"""Schemathesis hooks for scripts/api_fuzz.py: real starting points for the stateful phase.

The stateful phase starts its chains at the operations without a path parameter, and follows
the OpenAPI links from their answers. Left alone, it starts from ``GET /cases`` with random
filters (an empty list: nothing to follow) and from ``POST /cases`` with a random country
(refused with 409: a focal point opens cases for their own delegation's country only). In the
stateful phase, and only for schema-valid requests, these hooks list the cases without filters
and open the case for the delegation's country (HRD_FUZZ_COUNTRY), so that the chains reach
real cases and, through the links, their sub-resources and steps. The other phases keep every
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

# Filters and paging that, drawn at random, make the list empty.
LIST_NARROWING = ("country", "risk_level", "status", "opened_from", "opened_before", "page")


def _stateful_positive(case: Any) -> bool:
    meta = case.meta
    return (
        meta is not None
        and meta.phase.name == TestPhase.STATEFUL
        and meta.generation.mode == GenerationMode.POSITIVE
    )


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: Any) -> None:
    if not _stateful_positive(case):
        return
    label = case.operation.label
    if label == "GET /cases" and isinstance(case.query, dict):
        for name in LIST_NARROWING:
            case.query.pop(name, None)
    elif label == "POST /cases" and isinstance(case.body, dict):
        country = os.environ.get("HRD_FUZZ_COUNTRY")
        if country:
            case.body["country"] = country
