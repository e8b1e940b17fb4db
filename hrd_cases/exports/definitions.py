"""The fixed table definitions (no ad-hoc queries: they would allow differencing), the method
statement and the definitions printed in every output."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hrd_cases.domain.vocabulary import (
    AssistanceType,
    HearingOutcome,
    Mechanism,
    ProfileCategory,
    StatementLevel,
    ThreatType,
)

NOT_RECORDED = "not_recorded"


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    kind: str = "count"  # count | amount | median_days | share_percent


@dataclass(frozen=True, slots=True)
class TableSpec:
    number: str
    key: str
    title: str
    family: str  # the suppression family the counts come from
    unit: str  # what one count is
    definition: str
    columns: tuple[Column, ...]  # as printed, including any total, amount, median, share


def _labels(
    members: type[enum.StrEnum], overrides: dict[str, str] | None = None
) -> tuple[Column, ...]:
    overrides = overrides or {}
    return tuple(
        Column(m.value, overrides.get(m.value, m.value.replace("_", " ").capitalize()))
        for m in members
    )


PROFILE_COLUMNS = _labels(
    ProfileCategory,
    {
        "woman_hrd": "Women HRDs",
        "environmental_land": "Environmental and land",
        "lgbti": "LGBTI",
        "indigenous": "Indigenous peoples",
        "journalist_media": "Journalists and media workers",
        "lawyer": "Lawyers",
        "trade_unionist": "Trade unionists",
        "academic": "Academics",
        "other": "Other",
    },
)
THREAT_COLUMNS = _labels(
    ThreatType,
    {
        "threats_intimidation": "Threats and intimidation",
        "killing_of_relative": "Killing of a relative",
    },
)
MECHANISM_COLUMNS = _labels(
    Mechanism,
    {
        "eu_hrd_mechanism": "EU HRD mechanism",
        "eu_emergency_fund": "EU emergency fund",
        "ms_temporary_relocation": "Member State temporary relocation",
        "un_special_procedures": "UN special procedures",
    },
)
ASSISTANCE_COLUMNS = _labels(
    AssistanceType,
    {
        "medical": "Medical and psycho-social",
        "humanitarian_family_support": "Humanitarian and family support",
        "urgent_monitoring_advocacy": "Urgent monitoring and advocacy",
    },
)
OUTCOME_COLUMNS = (*_labels(HearingOutcome), Column(NOT_RECORDED, "Outcome not recorded"))
LEVEL_COLUMNS = _labels(
    StatementLevel,
    {
        "local_eu_statement": "Local EU statement",
        "hrvp_spokesperson": "HR/VP spokesperson",
        "private_demarche": "Private démarche",
    },
)

# Families: the count columns suppressed together, and which of them add up to a total.
FAMILY_COLUMNS: dict[str, tuple[str, ...]] = {
    "profiles": tuple(c.key for c in PROFILE_COLUMNS),
    "threats": tuple(c.key for c in THREAT_COLUMNS),
    "mechanisms": tuple(c.key for c in MECHANISM_COLUMNS),
    "assistance": tuple(c.key for c in ASSISTANCE_COLUMNS),
    # Decisions and their timeliness share one total (referrals decided): one family, so the
    # two tables built on it cannot be subtracted from each other.
    "decisions": ("approved", "rejected", "within_deadline", "after_deadline"),
    "hearings": tuple(c.key for c in OUTCOME_COLUMNS),
    "statements": tuple(c.key for c in LEVEL_COLUMNS),
    "deliveries": ("delivered",),
}
FAMILY_PARTITIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    "profiles": (FAMILY_COLUMNS["profiles"],),
    "threats": (FAMILY_COLUMNS["threats"],),
    "mechanisms": (FAMILY_COLUMNS["mechanisms"],),
    "assistance": (FAMILY_COLUMNS["assistance"],),
    "decisions": (("approved", "rejected"), ("within_deadline", "after_deadline")),
    "hearings": (FAMILY_COLUMNS["hearings"],),
    "statements": (FAMILY_COLUMNS["statements"],),
    "deliveries": (),
}

# Inequalities within a row that a reader knows: (small, large), small <= large.
FAMILY_AT_MOST: dict[str, tuple[tuple[str, str], ...]] = {}


def row_sums(spec: TableSpec) -> tuple[tuple[str, ...], ...]:
    """The row equations a table prints: members then the total, for the reader's audit."""
    keys = {c.key for c in spec.columns}
    if "total" not in keys:
        return ()
    return tuple((*part, "total") for part in FAMILY_PARTITIONS[spec.family] if set(part) <= keys)


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "1",
        "cases_by_profile",
        "Cases opened, by defender profile category",
        "profiles",
        "case-category pairs",
        "Cases opened (intake) in the period, counted once under each profile category recorded "
        "for the case. A case may have several categories, so the total counts case-category "
        "pairs, not cases.",
        (*PROFILE_COLUMNS, Column("total", "Total (category mentions)")),
    ),
    TableSpec(
        "2",
        "threats_by_type",
        "Threats recorded, by type",
        "threats",
        "case-threat pairs",
        "Threat types recorded at intake for the cases opened in the period, counted once per "
        "type and case. The total counts case-threat pairs, not cases.",
        (*THREAT_COLUMNS, Column("total", "Total (threat mentions)")),
    ),
    TableSpec(
        "3a",
        "referrals_by_mechanism",
        "Referrals requested, by protection mechanism",
        "mechanisms",
        "referrals",
        "Referrals to a protection mechanism submitted for decision (requested) in the period.",
        (*MECHANISM_COLUMNS, Column("total", "Total referrals requested")),
    ),
    TableSpec(
        "3b",
        "referrals_by_assistance",
        "Referrals requested, by assistance type",
        "assistance",
        "referral-assistance pairs",
        "Assistance types asked for in the referrals requested in the period (the EU HRD "
        "mechanism's emergency grant categories). A referral may ask for several types, so "
        "the total counts referral-type pairs.",
        (*ASSISTANCE_COLUMNS, Column("total", "Total (assistance mentions)")),
    ),
    TableSpec(
        "3c",
        "referral_decisions",
        "Referral decisions and amount approved",
        "decisions",
        "referrals",
        "Referrals decided in the period: approved (including those since delivered or closed "
        "after delivery) or rejected. Amount approved: the sum in EUR of the amounts of the "
        "approved referrals, published only where the count of approved referrals is.",
        (
            Column("approved", "Approved"),
            Column("rejected", "Rejected"),
            Column("total", "Total referrals decided"),
            Column("amount_approved", "Amount approved (EUR)", "amount"),
        ),
    ),
    TableSpec(
        "4",
        "hearings_observed",
        "Trial observation: hearings observed, by outcome",
        "hearings",
        "hearings",
        "Hearings recorded as observed in the period (observed, with or without a report "
        "filed since), by the outcome recorded for the hearing.",
        (*OUTCOME_COLUMNS, Column("total", "Total hearings observed")),
    ),
    TableSpec(
        "5",
        "statements_by_level",
        "Public statements published, by level",
        "statements",
        "statements",
        "Statements and démarches published in the period, by level.",
        (*LEVEL_COLUMNS, Column("total", "Total published")),
    ),
    TableSpec(
        "6a",
        "decision_timeliness",
        "Timeliness: from intake to referral decision",
        "decisions",
        "referrals",
        "Referrals decided in the period. Median days from the case's intake to the decision "
        "on the referral. Decided within the deadline: decided within the referral decision "
        "deadline (hours from request to decision) of the strategy template version the case "
        "was opened under. Share: decided within the deadline / decided, in percent.",
        (
            Column("total", "Referrals decided"),
            Column("within_deadline", "Decided within deadline"),
            Column("after_deadline", "Decided after deadline"),
            Column("share_within_deadline", "Share within deadline (%)", "share_percent"),
            Column("median_intake_to_decision", "Median days intake to decision", "median_days"),
        ),
    ),
    TableSpec(
        "6b",
        "delivery_timeliness",
        "Timeliness: from referral decision to delivery",
        "deliveries",
        "referrals",
        "Referrals delivered in the period. Median days from the (approval) decision to the "
        "delivery of the assistance.",
        (
            Column("delivered", "Referrals delivered"),
            Column(
                "median_decision_to_delivery", "Median days decision to delivery", "median_days"
            ),
        ),
    ),
)

SUPPRESSED_MARK = "x"
NOT_APPLICABLE_MARK = "n/a"


def method_statement(k: int, p: int = 2) -> tuple[str, ...]:
    """How the figures were protected; printed in every output."""
    return (
        f"In plain words: no count below {k} is shown, and the hidden counts cannot be worked "
        f"out from the figures that are shown, not even to within {p} either way.",
        f"Primary suppression: every count from 1 to {k - 1} (k = {k}) is suppressed and shown "
        f"as '{SUPPRESSED_MARK}'.",
        "Secondary suppression: every published total (row totals, region rows, the "
        "all-countries row, the total shared by tables 3c and 6a) is an equation with the cells "
        "it sums. First, no equation may hold exactly one suppressed cell. Then every zero "
        "member of an equation whose total is suppressed is suppressed too, so that there "
        f"'{SUPPRESSED_MARK}' may mean zero; anywhere else a suppressed count is at least 1.",
        "Audit: an integer program over every published figure, every equation, and those "
        "lower bounds gives the tightest range an outsider can put on each suppressed count "
        f"(HiGHS solver). For a suppressed count v below k, the range must contain v - {p} "
        f"(or 1) to v + {p} (protection interval p = {p}), and no suppressed cell may be pinned "
        "to one value. Until it passes, one more published cell of a failing equation is "
        "suppressed (the smallest non-zero one; the total first when the range is too high) and "
        "the audit is run again. The choice is deterministic: the same data give the same output.",
        "Amounts are published for all countries together only (each grant has a ceiling, so a "
        "country's amount would bound its count). Medians and shares are suppressed wherever "
        f"the count they are based on is suppressed. '{NOT_APPLICABLE_MARK}' marks a median or "
        "share with no case to base it on.",
        "Figures are computed from the categories stored in the clear only; no name, contact, "
        "narrative or report is read, and the export needs no decryption key.",
    )


DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "Period",
        "A calendar quarter in UTC. Events are counted when their date falls in the quarter "
        "and before the end of the as-of date, whichever ends first; the as-of date makes the "
        "export reproducible.",
    ),
    (
        "Country",
        "The country a case concerns (ISO 3166-1 alpha-2 code). Every table lists the same "
        "countries: those with at least one figure in any table of the quarter.",
    ),
    (
        "Region",
        "The EEAS geographic divisions (Africa; Americas; Asia and Pacific; Europe and Central "
        "Asia; Middle East and North Africa) unless the instance chose the UN M49 regions, "
        "from the country code by the regions file in config/regions/; codes outside it are "
        "'Unassigned'. Each country row names its region.",
    ),
    (
        "Days",
        "Elapsed time in days (24 hours), median over the referrals concerned, rounded to one "
        "decimal.",
    ),
    *((f"Table {t.number}", t.definition) for t in TABLES),
    (
        "CSV layout",
        "One UTF-8 file (with byte-order mark, for spreadsheets), comma-separated, CRLF line "
        "ends: this header, then each table as a block (a title line, a header line, the "
        "country rows, the all-countries total, a blank line, the region rows and the total "
        "again), blocks separated by blank lines. Text cells that a spreadsheet could read as "
        "a formula start with an apostrophe.",
    ),
)
