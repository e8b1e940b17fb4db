"""The pure state machines: the derived case stage and its precedence, and transition checks."""

from __future__ import annotations

import itertools

import pytest

from hrd_cases.domain import states as state_machines
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.domain.states import (
    CaseState,
    ConsentState,
    HearingState,
    ReferralState,
    Stage,
    StatementState,
    derive_stage,
)


def _stage(
    *,
    closed: bool = False,
    referrals: tuple[ReferralState, ...] = (),
    hearings: tuple[HearingState, ...] = (),
    statements: tuple[StatementState, ...] = (),
    assessed: bool = False,
) -> Stage:
    return derive_stage(
        closed=closed,
        referral_states=list(referrals),
        hearing_states=list(hearings),
        statement_states=list(statements),
        assessed=assessed,
    )


def test_a_new_case_is_at_intake() -> None:
    assert _stage() is Stage.INTAKE


def test_an_assessment_moves_the_case_to_assessment() -> None:
    assert _stage(assessed=True) is Stage.ASSESSMENT


@pytest.mark.parametrize(
    "kwargs",
    [
        {"referrals": (ReferralState.DRAFT,)},
        {"statements": (StatementState.DRAFT,)},
        {"statements": (StatementState.WITHDRAWN,)},
        {"referrals": (ReferralState.DRAFT,), "statements": (StatementState.DRAFT,)},
    ],
    ids=["draft-referral", "draft-statement", "withdrawn-statement", "both-drafts"],
)
def test_drafts_alone_mean_assessment_even_without_an_assessment(kwargs) -> None:
    assert _stage(assessed=False, **kwargs) is Stage.ASSESSMENT


@pytest.mark.parametrize(
    "state",
    [s for s in ReferralState if s not in (ReferralState.DRAFT, ReferralState.WITHDRAWN)],
)
def test_a_referral_beyond_its_draft_means_protection(state: ReferralState) -> None:
    assert _stage(assessed=True, referrals=(ReferralState.DRAFT, state)) is Stage.PROTECTION


def test_a_withdrawn_referral_is_no_protection() -> None:
    # Withdrawn before its decision: nothing is asked of a mechanism (issue 16).
    assert _stage(assessed=True, referrals=(ReferralState.WITHDRAWN,)) is Stage.ASSESSMENT


@pytest.mark.parametrize("state", [s for s in HearingState if s is not HearingState.CANCELLED])
def test_any_hearing_means_monitoring_over_protection(state: HearingState) -> None:
    stage = _stage(
        assessed=True,
        referrals=(ReferralState.DELIVERED,),
        hearings=(state,),
        statements=(StatementState.DRAFT, StatementState.WITHDRAWN),
    )
    assert stage is Stage.MONITORING


def test_a_cancelled_hearing_alone_is_no_monitoring() -> None:
    stage = _stage(
        assessed=True, referrals=(ReferralState.DELIVERED,), hearings=(HearingState.CANCELLED,)
    )
    assert stage is Stage.PROTECTION


@pytest.mark.parametrize(
    "state",
    [s for s in StatementState if s not in (StatementState.DRAFT, StatementState.WITHDRAWN)],
)
def test_a_statement_beyond_its_draft_means_advocacy_over_everything_open(
    state: StatementState,
) -> None:
    stage = _stage(
        assessed=True,
        referrals=(ReferralState.APPROVED,),
        hearings=(HearingState.SCHEDULED,),
        statements=(StatementState.DRAFT, state),
    )
    assert stage is Stage.ADVOCACY
    # ... even with nothing else on the case.
    assert _stage(statements=(state,)) is Stage.ADVOCACY


def test_closed_wins_over_every_other_stage() -> None:
    assert _stage(closed=True) is Stage.CLOSED
    everything = _stage(
        closed=True,
        assessed=True,
        referrals=(ReferralState.DELIVERED,),
        hearings=(HearingState.REPORT_FILED,),
        statements=(StatementState.PUBLISHED,),
    )
    assert everything is Stage.CLOSED


def test_full_precedence_ladder() -> None:
    """Adding one more kind of action at a time walks the ladder in order."""
    ladder = [
        {},
        {"assessed": True},
        {"assessed": True, "referrals": (ReferralState.APPROVED,)},
        {
            "assessed": True,
            "referrals": (ReferralState.APPROVED,),
            "hearings": (HearingState.SCHEDULED,),
        },
        {
            "assessed": True,
            "referrals": (ReferralState.APPROVED,),
            "hearings": (HearingState.SCHEDULED,),
            "statements": (StatementState.SUBMITTED,),
        },
        {
            "closed": True,
            "assessed": True,
            "referrals": (ReferralState.APPROVED,),
            "hearings": (HearingState.SCHEDULED,),
            "statements": (StatementState.SUBMITTED,),
        },
    ]
    assert [_stage(**step) for step in ladder] == [
        Stage.INTAKE,
        Stage.ASSESSMENT,
        Stage.PROTECTION,
        Stage.MONITORING,
        Stage.ADVOCACY,
        Stage.CLOSED,
    ]


def test_a_referral_awaiting_its_decision_keeps_the_case_in_protection() -> None:
    """Issue 16: a critical case waiting on a grant was listed under "advocacy"; whatever
    else the case holds, a pending referral is what matters about it (closure still wins)."""
    pending = {
        "assessed": True,
        "referrals": (ReferralState.DELIVERED, ReferralState.REQUESTED),
        "hearings": (HearingState.SCHEDULED,),
        "statements": (StatementState.SUBMITTED,),
    }
    assert _stage(**pending) is Stage.PROTECTION
    assert state_machines.awaiting_protection_decision([ReferralState.REQUESTED])
    assert not state_machines.awaiting_protection_decision(
        [s for s in ReferralState if s is not ReferralState.REQUESTED]
    )
    assert _stage(closed=True, **pending) is Stage.CLOSED


# state_machines.check -----------------------------------------------------------------------
MACHINES = [
    ("referral", state_machines.REFERRAL_TRANSITIONS, ReferralState),
    ("hearing", state_machines.HEARING_TRANSITIONS, HearingState),
    ("statement", state_machines.STATEMENT_TRANSITIONS, StatementState),
    ("consent", state_machines.CONSENT_TRANSITIONS, ConsentState),
    ("case", state_machines.CASE_TRANSITIONS, CaseState),
]


@pytest.mark.parametrize(
    ("machine", "transitions", "states"), MACHINES, ids=[m[0] for m in MACHINES]
)
def test_every_state_of_every_machine_has_a_transition_entry(machine, transitions, states) -> None:
    assert set(transitions) == set(states), machine
    for targets in transitions.values():
        assert set(targets) <= set(states), machine


@pytest.mark.parametrize(
    ("machine", "transitions", "states"), MACHINES, ids=[m[0] for m in MACHINES]
)
def test_check_allows_exactly_the_listed_transitions(machine, transitions, states) -> None:
    for current in states:
        for target in states:
            if target in transitions[current]:
                state_machines.check(machine, transitions, current, target)  # no exception
                continue
            with pytest.raises(InvalidTransition) as raised:
                state_machines.check(machine, transitions, current, target)
            assert raised.value.rule == f"{machine}.transition"
            message = str(raised.value)
            assert f"a {machine} in state {current.value} cannot become {target.value}" in message


def test_check_message_lists_the_allowed_targets_sorted() -> None:
    with pytest.raises(InvalidTransition) as raised:
        state_machines.check(
            "statement",
            state_machines.STATEMENT_TRANSITIONS,
            StatementState.SUBMITTED,
            StatementState.PUBLISHED,
        )
    assert str(raised.value) == (
        "a statement in state submitted cannot become published "
        "(allowed: approved, rejected, returned, withdrawn)"
    )
    assert raised.value.rule == "statement.transition"


def test_check_message_says_nothing_is_allowed_from_a_final_state() -> None:
    with pytest.raises(InvalidTransition) as raised:
        state_machines.check(
            "hearing",
            state_machines.HEARING_TRANSITIONS,
            HearingState.NOT_OBSERVED,
            HearingState.REPORT_FILED,
        )
    assert str(raised.value) == (
        "a hearing in state not_observed cannot become report_filed (allowed: nothing)"
    )
    assert raised.value.rule == "hearing.transition"


def test_the_main_paths_are_allowed() -> None:
    referral = [
        ReferralState.DRAFT,
        ReferralState.REQUESTED,
        ReferralState.APPROVED,
        ReferralState.DELIVERED,
        ReferralState.CLOSED,
    ]
    statement = [
        StatementState.DRAFT,
        StatementState.SUBMITTED,
        StatementState.APPROVED,
        StatementState.PUBLISHED,
    ]
    hearing = [HearingState.SCHEDULED, HearingState.OBSERVED, HearingState.REPORT_FILED]
    for machine, transitions, path in [
        ("referral", state_machines.REFERRAL_TRANSITIONS, referral),
        ("statement", state_machines.STATEMENT_TRANSITIONS, statement),
        ("hearing", state_machines.HEARING_TRANSITIONS, hearing),
        (
            "case",
            state_machines.CASE_TRANSITIONS,
            [CaseState.OPEN, CaseState.CLOSED, CaseState.OPEN],
        ),
    ]:
        for current, target in itertools.pairwise(path):
            state_machines.check(machine, transitions, current, target)


@pytest.mark.parametrize(
    ("transitions", "final"),
    [
        (state_machines.REFERRAL_TRANSITIONS, ReferralState.CLOSED),
        (state_machines.HEARING_TRANSITIONS, HearingState.NOT_OBSERVED),
        (state_machines.HEARING_TRANSITIONS, HearingState.REPORT_FILED),
        (state_machines.STATEMENT_TRANSITIONS, StatementState.PUBLISHED),
        (state_machines.STATEMENT_TRANSITIONS, StatementState.REJECTED),
        (state_machines.STATEMENT_TRANSITIONS, StatementState.WITHDRAWN),
        (state_machines.CONSENT_TRANSITIONS, ConsentState.REVOKED),
    ],
)
def test_final_states_lead_nowhere(transitions, final) -> None:
    assert transitions[final] == frozenset()


def test_a_published_statement_cannot_be_withdrawn_nor_a_delivered_referral_rejected() -> None:
    with pytest.raises(InvalidTransition, match="published cannot become withdrawn"):
        state_machines.check(
            "statement",
            state_machines.STATEMENT_TRANSITIONS,
            StatementState.PUBLISHED,
            StatementState.WITHDRAWN,
        )
    with pytest.raises(
        InvalidTransition, match=r"delivered cannot become rejected \(allowed: closed\)"
    ):
        state_machines.check(
            "referral",
            state_machines.REFERRAL_TRANSITIONS,
            ReferralState.DELIVERED,
            ReferralState.REJECTED,
        )
