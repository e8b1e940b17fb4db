"""Pure state machines for each action: which transitions exist. No database, no Flask.

Services ask :func:`check` before changing a state; a refused transition raises
``InvalidTransition`` naming the rule, so the API answers 409 with it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from hrd_cases.errors import InvalidTransition


class ReferralState(enum.StrEnum):
    DRAFT = "draft"
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    DELIVERED = "delivered"
    CLOSED = "closed"


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
    ReferralState.DRAFT: frozenset({ReferralState.REQUESTED}),
    ReferralState.REQUESTED: frozenset({ReferralState.APPROVED, ReferralState.REJECTED}),
    ReferralState.APPROVED: frozenset({ReferralState.DELIVERED}),
    ReferralState.REJECTED: frozenset({ReferralState.CLOSED}),
    ReferralState.DELIVERED: frozenset({ReferralState.CLOSED}),
    ReferralState.CLOSED: frozenset(),
}

CASE_TRANSITIONS: Mapping[CaseState, frozenset[CaseState]] = {
    CaseState.OPEN: frozenset({CaseState.CLOSED}),
    CaseState.CLOSED: frozenset({CaseState.OPEN}),  # reopen
}


def check(machine: str, transitions: Mapping, current: enum.Enum, target: enum.Enum) -> None:  # type: ignore[type-arg]
    if target not in transitions[current]:
        allowed = ", ".join(sorted(s.value for s in transitions[current])) or "nothing"
        raise InvalidTransition(
            f"a {machine} in state {current.value} cannot become {target.value} "
            f"(allowed: {allowed})",
            rule=f"{machine}.transition",
        )


def derive_stage(
    *,
    closed: bool,
    referral_states: list[ReferralState],
    has_hearing: bool,
    has_statement: bool,
    assessed: bool,
) -> Stage:
    """The most advanced stage the case's actions show."""
    if closed:
        return Stage.CLOSED
    if has_statement:
        return Stage.ADVOCACY
    if has_hearing:
        return Stage.MONITORING
    if any(s is not ReferralState.DRAFT for s in referral_states):
        return Stage.PROTECTION
    if assessed or referral_states:
        return Stage.ASSESSMENT
    return Stage.INTAKE
