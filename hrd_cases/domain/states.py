"""Pure state machines for each action: which transitions exist. No database, no Flask.

Services ask :func:`check` before changing a state; a refused transition raises
``InvalidTransition`` naming the rule, so the API answers 409 with it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from hrd_cases.domain.errors import InvalidTransition


class ReferralState(enum.StrEnum):
    DRAFT = "draft"
    REQUESTED = "requested"
    RETURNED = "returned"  # sent back to the requester for revision (issue 16)
    APPROVED = "approved"
    REJECTED = "rejected"
    DELIVERED = "delivered"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"  # by the requester, before a decision


class HearingState(enum.StrEnum):
    SCHEDULED = "scheduled"
    OBSERVED = "observed"
    NOT_OBSERVED = "not_observed"
    REPORT_FILED = "report_filed"
    CANCELLED = "cancelled"


class StatementState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # sent back to the requester for revision (issue 16)
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class ConsentState(enum.StrEnum):
    RECORDED = "recorded"
    REVOKED = "revoked"


class CaseState(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Stage(enum.StrEnum):
    """Where a case stands, derived from its actions (never typed by hand)."""

    INTAKE = "intake"
    ASSESSMENT = "assessment"
    PROTECTION = "protection"
    MONITORING = "monitoring"
    ADVOCACY = "advocacy"
    CLOSED = "closed"


REFERRAL_TRANSITIONS: Mapping[ReferralState, frozenset[ReferralState]] = {
    ReferralState.DRAFT: frozenset({ReferralState.REQUESTED, ReferralState.WITHDRAWN}),
    ReferralState.REQUESTED: frozenset(
        {
            ReferralState.APPROVED,
            ReferralState.REJECTED,
            ReferralState.RETURNED,
            ReferralState.WITHDRAWN,
        }
    ),
    # A returned referral is edited and requested again, or withdrawn.
    ReferralState.RETURNED: frozenset({ReferralState.REQUESTED, ReferralState.WITHDRAWN}),
    ReferralState.APPROVED: frozenset({ReferralState.DELIVERED}),
    ReferralState.REJECTED: frozenset({ReferralState.CLOSED}),
    ReferralState.DELIVERED: frozenset({ReferralState.CLOSED}),
    ReferralState.CLOSED: frozenset(),
    ReferralState.WITHDRAWN: frozenset(),
}

HEARING_TRANSITIONS: Mapping[HearingState, frozenset[HearingState]] = {
    HearingState.SCHEDULED: frozenset(
        {HearingState.OBSERVED, HearingState.NOT_OBSERVED, HearingState.CANCELLED}
    ),
    HearingState.OBSERVED: frozenset({HearingState.REPORT_FILED}),
    HearingState.NOT_OBSERVED: frozenset(),
    HearingState.REPORT_FILED: frozenset(),
    HearingState.CANCELLED: frozenset(),
}

STATEMENT_TRANSITIONS: Mapping[StatementState, frozenset[StatementState]] = {
    StatementState.DRAFT: frozenset({StatementState.SUBMITTED, StatementState.WITHDRAWN}),
    StatementState.SUBMITTED: frozenset(
        {
            StatementState.APPROVED,
            StatementState.REJECTED,
            StatementState.RETURNED,
            StatementState.WITHDRAWN,
        }
    ),
    StatementState.RETURNED: frozenset({StatementState.SUBMITTED, StatementState.WITHDRAWN}),
    StatementState.APPROVED: frozenset({StatementState.PUBLISHED, StatementState.WITHDRAWN}),
    StatementState.REJECTED: frozenset(),
    StatementState.PUBLISHED: frozenset(),
    StatementState.WITHDRAWN: frozenset(),
}

CONSENT_TRANSITIONS: Mapping[ConsentState, frozenset[ConsentState]] = {
    ConsentState.RECORDED: frozenset({ConsentState.REVOKED}),
    ConsentState.REVOKED: frozenset(),
}

CASE_TRANSITIONS: Mapping[CaseState, frozenset[CaseState]] = {
    CaseState.OPEN: frozenset({CaseState.CLOSED}),
    CaseState.CLOSED: frozenset({CaseState.OPEN}),  # reopen
}


def check(
    machine: str,
    transitions: Mapping[Any, frozenset[Any]],
    current: enum.Enum,
    target: enum.Enum,
) -> None:
    if target not in transitions[current]:
        allowed = ", ".join(sorted(s.value for s in transitions[current])) or "nothing"
        raise InvalidTransition(
            f"a {machine} in state {current.value} cannot become {target.value} "
            f"(allowed: {allowed})",
            rule=f"{machine}.transition",
        )


def awaiting_protection_decision(referral_states: list[ReferralState]) -> bool:
    """A referral was requested and is not decided yet: "protection: awaiting decision"."""
    return ReferralState.REQUESTED in referral_states


def derive_stage(
    *,
    closed: bool,
    referral_states: list[ReferralState],
    hearing_states: list[HearingState],
    statement_states: list[StatementState],
    assessed: bool,
) -> Stage:
    """The most advanced stage the case's actions show: closed; protection while a referral
    awaits its decision (a defender waiting on a grant is the most urgent thing about the
    case, whatever else it holds); advocacy (a statement beyond its draft); monitoring (a
    hearing); protection (a referral beyond its draft); assessment (a risk assessment, or a
    draft referral or statement); else intake."""
    if closed:
        return Stage.CLOSED
    if awaiting_protection_decision(referral_states):
        return Stage.PROTECTION
    if any(s not in (StatementState.DRAFT, StatementState.WITHDRAWN) for s in statement_states):
        return Stage.ADVOCACY
    if any(s is not HearingState.CANCELLED for s in hearing_states):
        return Stage.MONITORING
    if any(s not in (ReferralState.DRAFT, ReferralState.WITHDRAWN) for s in referral_states):
        return Stage.PROTECTION
    if assessed or referral_states or statement_states:
        return Stage.ASSESSMENT
    return Stage.INTAKE
