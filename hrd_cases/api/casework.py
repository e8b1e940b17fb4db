"""Corrections with history and case notes (issue 16): the same services and reads as the
case page (``workflow.corrections``, ``workflow.notes``, ``reads.history``, ``reads.notes``)."""

from __future__ import annotations

from typing import Any

from flask import Response

from hrd_cases.api import bp, params, presenters
from hrd_cases.api.inputs import json_body
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.casework import (
    CorrectionSchema,
    DefenderCorrectionSchema,
    FieldHistorySchema,
    NoteInputSchema,
    NoteSchema,
)
from hrd_cases.api.schemas.views import case_readers_only
from hrd_cases.auth.permissions import Permission
from hrd_cases.current import current_actor, current_session, current_strategies, current_vault
from hrd_cases.http.errors import envelope
from hrd_cases.reads.history import case_history
from hrd_cases.reads.notes import NoteView, case_notes
from hrd_cases.workflow.corrections import Correction, correct_case
from hrd_cases.workflow.notes import add_note

CASE_READERS = ("focal_point", "protection_officer")
FOCAL_POINT = ("focal_point",)


def correction_shown(correction: Correction) -> dict[str, Any]:
    return {
        "case": correction.case.reference,
        "case_fields": list(correction.case_fields),
        "defender": correction.defender_reference,
        "defender_fields": list(correction.defender_fields),
    }


@operation(
    bp,
    "/cases/<reference>/defenders/<defender_reference>",
    "PATCH",
    summary="Correct a defender's identity or contact fields",
    tag="cases",
    roles=FOCAL_POINT,
    body=DefenderCorrectionSchema,
    response=CorrectionSchema,
    refusals=(409,),
)
def correct_defender(reference: str, defender_reference: str) -> Response:
    """The earlier values are kept, encrypted under the defender's key, in the case's history
    (``GET /cases/{reference}/history``); the timeline names the fields changed, never their
    values. A corrected name is found by the name search at once, the old one no longer."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.CASE_UPDATE)
    changes = json_body(DefenderCorrectionSchema())
    correction = correct_case(
        current_session(),
        current_vault(),
        current_strategies(),
        user,
        reference,
        {},
        defender_reference=defender_reference,
        defender_changes=changes,
    )
    return envelope(CorrectionSchema().dump(correction_shown(correction)))


@operation(
    bp,
    "/cases/<reference>/history",
    "GET",
    summary="Earlier versions of a case's corrected fields",
    tag="cases",
    roles=CASE_READERS,
    response=FieldHistorySchema,
    many=True,
)
def case_history_view(reference: str) -> Response:
    """Each corrected field (the case's own, then each defender's) with its value now and its
    earlier values, newest first, who replaced each and when. Decrypted: audited as a view of
    the case. An erased key reads as null with ``erased`` true."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.CASE_READ)
    case_readers_only(user)
    history = case_history(current_session(), current_vault(), user, reference)
    shown = [
        {
            "defender": f.defender_reference,
            "field": f.field,
            "current": f.current,
            "erased": f.erased,
            "versions": [
                {
                    "value": v.value,
                    "erased": v.erased,
                    "replaced_at": v.replaced_at,
                    "replaced_by": v.replaced_by.display_name if v.replaced_by else None,
                }
                for v in f.versions
            ],
        }
        for f in history.fields
    ]
    return envelope(FieldHistorySchema(many=True).dump(shown), meta={"total": len(shown)})


@operation(
    bp,
    "/cases/<reference>/notes",
    "GET",
    summary="A case's follow-up notes, newest first",
    tag="cases",
    roles=CASE_READERS,
    response=NoteSchema,
    many=True,
)
def list_notes(reference: str) -> Response:
    """Decrypted: audited as a view of the case. An erased note's text is null."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.CASE_READ)
    case_readers_only(user)
    notes = case_notes(current_session(), current_vault(), user, reference)
    return envelope(
        NoteSchema(many=True).dump([presenters.note(n) for n in notes]), meta={"total": len(notes)}
    )


@operation(
    bp,
    "/cases/<reference>/notes",
    "POST",
    summary="Add a follow-up note to an open case",
    tag="cases",
    roles=FOCAL_POINT,
    body=NoteInputSchema,
    response=NoteSchema,
    status=201,
    refusals=(409,),
)
def create_note(reference: str) -> Response:
    """Dated and attributed; the text is encrypted under the case's key. The timeline says a
    note was added and by whom, never what it says."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.CASE_UPDATE)
    data = json_body(NoteInputSchema())
    note = add_note(current_session(), current_vault(), user, reference, data["text"])
    shown = NoteView(note.id, note.written_at, user, current_vault().open_field(note, "text"))
    return envelope(NoteSchema().dump(presenters.note(shown)), status=201)
