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


@dataclass(frozen=True, slots=True)
class HeadlineMeasure:
    key: str
    label: str
    family: str  # where the figure comes from: the family and column of its table
    column: str
    kind: str = "count"


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

REGISTRATION_COLUMNS = (
    Column("defenders_registered", "Defenders at risk registered"),
    Column("women_defenders", "Of whom women human rights defenders"),
    Column("cases_opened", "Cases opened"),
    Column("cases_closed", "Cases closed"),
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
    "registrations": tuple(c.key for c in REGISTRATION_COLUMNS),
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
    "registrations": (),
}

# Inequalities within a row that a reader knows: (small, large), small <= large.
FAMILY_AT_MOST: dict[str, tuple[tuple[str, str], ...]] = {
    # The women among the defenders registered are some of them.
    "registrations": (("women_defenders", "defenders_registered"),),
}


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
    TableSpec(
        "7",
        "defenders_and_cases",
        "Defenders at risk registered, cases opened and closed",
        "registrations",
        "defenders or cases",
        "Defenders registered: the defenders concerned by the cases opened in the period, each "
        "counted once per country; of whom women human rights defenders: those of them on a "
        "case recorded with that profile. Cases opened: cases opened (intake) in the period. "
        "Cases closed: cases whose current closure falls in the period (a case reopened since "
        "is not counted).",
        REGISTRATION_COLUMNS,
    ),
)

# The headline table: one figure per measure and region, each the same cell as in the table
# it comes from (so it is protected with it); the amount is for all countries only.
HEADLINE_MEASURES: tuple[HeadlineMeasure, ...] = (
    HeadlineMeasure(
        "defenders_registered",
        "Defenders at risk registered",
        "registrations",
        "defenders_registered",
    ),
    HeadlineMeasure(
        "women_defenders",
        "Of whom women human rights defenders",
        "registrations",
        "women_defenders",
    ),
    HeadlineMeasure("cases_opened", "Cases opened", "registrations", "cases_opened"),
    HeadlineMeasure("cases_closed", "Cases closed", "registrations", "cases_closed"),
    HeadlineMeasure("referrals_requested", "Referrals requested", "mechanisms", "total"),
    HeadlineMeasure("referrals_approved", "Referrals approved", "decisions", "approved"),
    HeadlineMeasure("referrals_delivered", "Referrals delivered", "deliveries", "delivered"),
    HeadlineMeasure(
        "amount_granted", "Amount granted (EUR)", "decisions", "amount_approved", "amount"
    ),
    HeadlineMeasure("hearings_observed", "Hearings observed", "hearings", "total"),
    HeadlineMeasure("statements_published", "Statements published", "statements", "total"),
)

# How a category reads inside a sentence ("... most often were women human rights defenders
# (12) and lawyers (7)"): the table labels are headings, these are phrases.
PHRASES: dict[str, str] = {
    "woman_hrd": "women human rights defenders",
    "environmental_land": "environmental and land defenders",
    "lgbti": "LGBTI defenders",
    "indigenous": "indigenous peoples' defenders",
    "journalist_media": "journalists and media workers",
    "lawyer": "lawyers",
    "trade_unionist": "trade unionists",
    "academic": "academics",
    "judicial_harassment": "judicial harassment",
    "arbitrary_detention": "arbitrary detention",
    "physical_attack": "physical attacks",
    "threats_intimidation": "threats and intimidation",
    "surveillance": "surveillance",
    "smear_campaign": "smear campaigns",
    "travel_ban": "travel bans",
    "enforced_disappearance": "enforced disappearance",
    "killing_of_relative": "the killing of a relative",
    "eu_hrd_mechanism": "the EU HRD mechanism",
    "eu_emergency_fund": "the EU emergency fund",
    "ms_temporary_relocation": "Member State temporary relocation programmes",
    "shelter_city": "shelter cities",
    "un_special_procedures": "the UN special procedures",
    "physical_security": "physical security",
    "digital_security": "digital security",
    "communications": "communications",
    "security_capacity_building": "security capacity building",
    "secure_transportation": "secure transportation",
    "legal": "legal support",
    "medical": "medical and psycho-social support",
    "humanitarian_family_support": "humanitarian and family support",
    "urgent_relocation": "urgent relocation",
    "urgent_monitoring_advocacy": "urgent monitoring and advocacy",
    "postponed": "postponement",
    "acquitted": "acquittal",
    "convicted": "conviction",
    "dismissed": "dismissal",
    "local_eu_statement": "local EU statements",
    "hrvp_spokesperson": "statements by the HR/VP spokesperson",
    "private_demarche": "private démarches",
    "social_media": "social media posts",
}

SUPPRESSED_MARK = "x"
NOT_APPLICABLE_MARK = "n/a"


# The method and the definitions, as message templates of the export catalogue (labels.py):
# texts.localised() fills them in the report's language.
METHOD: tuple[str, ...] = (
    "In plain words: no count below {k} is shown, and the hidden counts cannot be worked out "
    "from the figures that are shown, not even to within {p} either way.",
    "Primary suppression: every count from 1 to {k_minus_one} (k = {k}) is suppressed and "
    "shown as '{mark}'.",
    "Secondary suppression: every published total (row totals, region rows, the all-countries "
    "row, the total shared by tables 3c and 6a) is an equation with the cells it sums. First, "
    "no equation may hold exactly one suppressed cell. Then every zero member of an equation "
    "whose total is suppressed is suppressed too, so that there '{mark}' may mean zero; "
    "anywhere else a suppressed count is at least 1.",
    "Audit: an integer program over every published figure, every equation, and those lower "
    "bounds gives the tightest range an outsider can put on each suppressed count (HiGHS "
    "solver). For a suppressed count v below k, the range must contain v - {p} (or 1) to "
    "v + {p} (protection interval p = {p}), and no suppressed cell may be pinned to one value. "
    "Until it passes, one more published cell of a failing equation is suppressed (the "
    "smallest non-zero one; the total first when the range is too high) and the audit is run "
    "again. The choice is deterministic: the same data give the same output.",
    "The headline figures are cells of the tables (the defenders and cases of table 7, the "
    "totals of tables 3a, 4 and 5, the approved referrals of table 3c, the deliveries of table "
    "6b), protected with them. The comparisons with earlier quarters add up published figures "
    "of earlier releases only; a sum that would include a withheld figure is withheld.",
    "Amounts are published for all countries together only (each grant has a ceiling, so a "
    "country's amount would bound its count). Medians and shares are suppressed wherever the "
    "count they are based on is suppressed. '{not_applicable}' marks a median or share with "
    "no case to base it on, or a comparison with a quarter that has no release.",
    "Figures are computed from the categories stored in the clear only; no name, contact, "
    "narrative or report is read, and the export needs no decryption key.",
)

DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "Period",
        "A calendar quarter in UTC. Events are counted when their date falls in the quarter. A "
        "release is computed once, after the quarter has closed and late entries have come in; "
        "every later download is the same file.",
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
    (
        "Headline figures",
        "Defenders at risk registered, cases opened and closed, referrals requested, approved "
        "and delivered, the amount granted, hearings observed and statements published, by "
        "region and for all countries; compared with the previous quarter's release and summed "
        "over the releases of the year so far.",
    ),
    (
        "CSV layout",
        "One UTF-8 file (with byte-order mark, for spreadsheets) in long form: one figure per "
        "line, with its table, region, country, measure, value, flag (why a value is empty: "
        "suppressed or not applicable) and status. Text cells that a spreadsheet could read as "
        "a formula start with an apostrophe.",
    ),
)
