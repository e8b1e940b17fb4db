"""Cases: list, log (intake), read, update, close, reopen, timeline; defender name search.
Thin views: schema in, workflow service (transaction, timeline, audit), schema out."""

from __future__ import annotations

from datetime import timedelta

from flask import Response

from hrd_cases.api import bp, params, presenters
from hrd_cases.api.inputs import json_body, no_body, query_args
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.actions import ClosureSchema
from hrd_cases.api.schemas.cases import (
    AssignmentInputSchema,
    AssignmentSchema,
    CaseCreateSchema,
    CaseDetailSchema,
    CaseListItemSchema,
    CaseListQuerySchema,
    CaseSummarySchema,
    CaseUpdateSchema,
    DefenderMatchSchema,
    DefenderSearchSchema,
    ErasureInputSchema,
    ErasureSchema,
    TimelineEventSchema,
)
from hrd_cases.api.schemas.views import (
    case_detail_schema,
    case_list_schema,
    case_summary_schema,
    defender_match_schema,
)
from hrd_cases.auth.permissions import Permission, case_for, require
from hrd_cases.current import (
    current_actor,
    current_session,
    current_settings,
    current_strategies,
    current_vault,
)
from hrd_cases.domain.clock import utcnow
from hrd_cases.domain.errors import Forbidden, InvalidTransition, NotFound
from hrd_cases.http.errors import envelope
from hrd_cases.reads import case_view as case_reads
from hrd_cases.reads import lists as list_reads
from hrd_cases.records.defenders import (
    erase_defender,
    erasure_done_message,
    verified_defenders,
)
from hrd_cases.records.keys import open_retirement_date
from hrd_cases.workflow import case_steps
from hrd_cases.workflow.corrections import DefenderNotOnCase, correct_case
from hrd_cases.workflow.service import IntakeInput, open_case

CASE_READERS = ("focal_point", "protection_officer")
FOCAL_POINT = ("focal_point",)


@operation(
    bp,
    "/cases",
    "GET",
    summary="List the cases in your scope",
    tag="cases",
    roles=CASE_READERS,
    query=CaseListQuerySchema,
    response=CaseListItemSchema,
    many=True,
)
def list_cases() -> Response:
    """Newest first, or by risk or deadline; filtered by country, stage, risk, status, dates
    or "mine" (assigned to the caller). Clear categories, the assigned focal point, and the
    primary defender's name (decrypted for readers in scope only; each listing is audited).
    Focal points see their delegation's cases, protection officers the cases of the
    countries they cover: the same read as the case list page."""
    user = current_actor()
    require(user, Permission.CASE_READ)
    schema = case_list_schema(user)
    args = query_args(CaseListQuerySchema())
    filters = list_reads.CaseFilters(
        country=args.get("country"),
        stage=args.get("stage"),
        risk=args.get("risk_level"),
        status=args.get("status"),
        opened_from=args.get("opened_from"),
        opened_before=args.get("opened_before"),
        mine=args["mine"],
    )
    listing = list_reads.list_cases(
        current_session(),
        current_strategies(),
        user,
        filters,
        page=args["page"],
        page_size=args["per_page"],
        order=args["sort"],
        vault=current_vault(),
    )
    return envelope(
        schema.dump([presenters.case_list_item(row) for row in listing.rows]),
        meta={
            "page": listing.page,
            "per_page": args["per_page"],
            "total": listing.total,
            "pages": listing.pages,
        },
    )


@operation(
    bp,
    "/cases",
    "POST",
    summary="Log a case (intake)",
    tag="cases",
    roles=FOCAL_POINT,
    body=CaseCreateSchema,
    response=CaseSummarySchema,
    status=201,
    refusals=(409,),
)
def create_case() -> Response:
    """For the caller's own delegation: the case concerns the delegation's country, and is
    opened under that country's strategy template in force today."""
    user = current_actor()
    require(user, Permission.CASE_CREATE)
    data = json_body(CaseCreateSchema())
    if user.delegation_id is None:
        raise Forbidden("a focal point without a delegation cannot log cases")
    case = open_case(
        current_session(),
        current_vault(),
        current_strategies(),
        user,
        IntakeInput(
            delegation_id=user.delegation_id,
            country=data["country"],
            risk_level=data["risk_level"],
            defender=data["defender"],
            profile_categories=data["profile_categories"],
            threats=data["threats"],
            narrative=data["narrative"],
        ),
    )
    response = envelope(
        case_summary_schema(user).dump(presenters.case_summary(case), many=False), status=201
    )
    response.headers["Location"] = f"/api/v1/cases/{case.reference}"
    return response


@operation(
    bp,
    "/cases/<reference>",
    "GET",
    summary="Read a case, with its defenders, content and actions",
    tag="cases",
    roles=CASE_READERS,
    response=CaseDetailSchema,
)
def get_case(reference: str) -> Response:
    """Decrypted content: every read is audited (who, which case, when), as on the case page."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.CASE_READ)
    schema = case_detail_schema(user)
    view = case_reads.view_case(
        current_session(), current_vault(), current_strategies(), user, reference
    )
    shown = presenters.case_detail(view)
    return envelope(schema.dump(shown))


@operation(
    bp,
    "/cases/<reference>",
    "PATCH",
    summary="Correct an open case (risk level, narrative, categories, threats, defender)",
    tag="cases",
    roles=FOCAL_POINT,
    body=CaseUpdateSchema,
    response=CaseSummarySchema,
    refusals=(409,),
)
def update_case_view(reference: str) -> Response:
    """A new risk level is recorded as a (re-)assessment and restarts the referral clock.
    ``defender`` corrects the case's defender (``reference`` names one if there are several):
    a corrected name is re-indexed in the same transaction. Every earlier value is kept,
    encrypted, in the case's history; the timeline names the fields, never the values."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.CASE_UPDATE)
    changes = json_body(CaseUpdateSchema())
    defender_changes = changes.pop("defender", None)
    defender_reference = defender_changes.pop("reference", None) if defender_changes else None
    try:
        correction = correct_case(
            current_session(),
            current_vault(),
            current_strategies(),
            user,
            reference,
            changes,
            defender_reference=defender_reference,
            defender_changes=defender_changes,
        )
    except DefenderNotOnCase:
        # The case was found; the defender the body names is not on it: a refusal beside that
        # field (409), not an absent case (404 is for the path, as in PATCH .../defenders/{}).
        raise InvalidTransition(
            f"case {reference} concerns no defender {defender_reference}",
            rule="defender.not_on_case",
            fields={"defender.reference": "Not a defender of this case."},
        ) from None
    return envelope(
        case_summary_schema(user).dump(presenters.case_summary(correction.case), many=False)
    )


@operation(
    bp,
    "/cases/<reference>/closure",
    "POST",
    summary="Close a case",
    tag="cases",
    roles=FOCAL_POINT,
    body=ClosureSchema,
    response=CaseSummarySchema,
    refusals=(409,),
)
def close_case(reference: str) -> Response:
    """Outcome and reason (the reason is encrypted); the template may require either."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.CASE_CLOSE)
    data = json_body(ClosureSchema())
    case = case_steps.close_case(
        current_session(),
        current_vault(),
        current_strategies(),
        user,
        reference,
        data["outcome"],
        data["reason"],
    )
    return envelope(case_summary_schema(user).dump(presenters.case_summary(case), many=False))


@operation(
    bp,
    "/cases/<reference>/reopening",
    "POST",
    summary="Reopen a closed case",
    tag="cases",
    roles=FOCAL_POINT,
    response=CaseSummarySchema,
    refusals=(409,),
)
def reopen_case(reference: str) -> Response:
    """The one step a closed case accepts. No body."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.CASE_CLOSE)
    no_body()
    case = case_steps.reopen_case(current_session(), user, reference)
    return envelope(case_summary_schema(user).dump(presenters.case_summary(case), many=False))


@operation(
    bp,
    "/cases/<reference>/defenders/<defender_reference>/erasure",
    "POST",
    summary="Erase a defender's personal data (crypto-shredding)",
    tag="cases",
    roles=FOCAL_POINT,
    body=ErasureInputSchema,
    response=ErasureSchema,
)
def erase_defender_view(reference: str, defender_reference: str) -> Response:
    """Destroys the defender's data key (and, with ``include_case_content``, the case's):
    unreadable in the application at once; unrecoverable from copies made before (backups,
    database logs) once the erasure epoch has retired the old KEK, by the date returned.
    Categories stay in the aggregates. The same service as the case page's erase panel."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.DEFENDER_ERASE)
    data = json_body(ErasureInputSchema())
    session = current_session()
    case = case_for(session, user, reference)
    concerned = verified_defenders(session, current_vault(), case, actor_id=user.id)
    if defender_reference not in {d.reference for d in concerned}:
        raise NotFound("no such defender on this case")
    session.commit()  # end the read: the erasure takes the write lock
    erase_defender(
        session,
        defender_reference,
        data["reason"],
        actor_id=user.id,
        include_case_content=data["include_case_content"],
        retire_within=timedelta(days=current_settings().erasure_retire_within_days),
    )
    now, retire_by = utcnow(), open_retirement_date(session)
    shown = {
        "reference": defender_reference,
        "unreadable_since": now,
        "unrecoverable_from_copies_by": retire_by,
        "message": erasure_done_message(now, retire_by),
    }
    return envelope(ErasureSchema().dump(shown))


@operation(
    bp,
    "/cases/<reference>/assignment",
    "GET",
    summary="Who a case is assigned to, and who it may be reassigned to",
    tag="cases",
    roles=CASE_READERS,
    response=AssignmentSchema,
)
def case_assignment(reference: str) -> Response:
    """The case's assigned focal point; for a focal point of its delegation, the active
    focal points it may be reassigned to (empty for protection officers)."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.CASE_READ)
    view = case_reads.assignment_view(current_session(), user, reference)
    shown = {
        "assigned_to": presenters.user_ref(view.assignee),
        "choices": [presenters.user_ref(u) for u in view.choices],
    }
    return envelope(AssignmentSchema().dump(shown))


@operation(
    bp,
    "/cases/<reference>/assignment",
    "PUT",
    summary="Reassign a case to another focal point of its delegation",
    tag="cases",
    roles=FOCAL_POINT,
    body=AssignmentInputSchema,
    response=CaseSummarySchema,
    refusals=(409,),
)
def reassign_case(reference: str) -> Response:
    """Any focal point of the case's delegation may reassign it, to an active focal point of
    that delegation (anyone else: 409, rule ``assignment.delegation``). Audited; the previous
    and the new focal point are notified by reference only."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.CASE_ASSIGN)
    data = json_body(AssignmentInputSchema())
    case = case_steps.reassign_case(current_session(), user, reference, data["assignee_id"])
    return envelope(case_summary_schema(user).dump(presenters.case_summary(case), many=False))


@operation(
    bp,
    "/cases/<reference>/timeline",
    "GET",
    summary="A case's timeline, oldest first",
    tag="cases",
    roles=CASE_READERS,
    response=TimelineEventSchema,
    many=True,
)
def case_timeline(reference: str) -> Response:
    """What happened, when, by whom: categories only, never content."""
    user = current_actor()
    reference = params.case_reference(reference, Permission.CASE_READ)
    events = case_reads.case_timeline(current_session(), user, reference)
    return envelope(TimelineEventSchema(many=True).dump(events), meta={"total": len(events)})


@operation(
    bp,
    "/defenders/search",
    "POST",
    summary="Find defenders by name, in your scope",
    tag="defenders",
    roles=CASE_READERS,
    body=DefenderSearchSchema,
    response=DefenderMatchSchema,
    many=True,
)
def search_defenders_view() -> Response:
    """Full name or one name part, any case or accents (blind index, then decryption drops
    false positives). POST only: a name never travels in a URL. Audited without the query."""
    user = current_actor()
    require(user, Permission.CASE_READ)
    schema = defender_match_schema(user)
    data = json_body(DefenderSearchSchema())
    found = list_reads.find_defenders(
        current_session(), current_vault(), user, data["name"], limit=data["limit"]
    )
    shown = [{"reference": d.reference, "name": d.name, "cases": d.cases} for d in found]
    return envelope(schema.dump(shown), meta={"total": len(shown)})
