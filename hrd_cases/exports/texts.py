"""Everything an export says in words, in the report's language: titles, labels, the method,
the definitions, and the summaries a drafter can paste as they are.

    report = localised(report, "fr")

Summaries use published figures only (the all-countries rows and the headline), and say
plainly when a figure is withheld; they never hint at a withheld figure's size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from hrd_cases.exports.definitions import (
    DEFINITIONS,
    HEADLINE_MEASURES,
    METHOD,
    NOT_APPLICABLE_MARK,
    PHRASES,
    SUPPRESSED_MARK,
    TABLES,
    TableSpec,
)
from hrd_cases.exports.labels import listing, number, tr
from hrd_cases.exports.report import (
    TITLE,
    Cell,
    Headline,
    QuarterlyReport,
    Table,
    country_label,
)

# Categories left out of "most often" lists: they say nothing a drafter can use.
NOT_RANKED = frozenset({"total", "other", "not_recorded"})
TOP = 3


def localised(report: QuarterlyReport, language: str) -> QuarterlyReport:
    """The same figures with every text in ``language``."""

    def t(message: str, **values: object) -> str:
        return tr(language, message, **values)

    method = tuple(
        t(
            paragraph,
            k=report.k,
            p=report.p,
            k_minus_one=report.k - 1,
            mark=SUPPRESSED_MARK,
            not_applicable=NOT_APPLICABLE_MARK,
        )
        for paragraph in METHOD
    )
    tables = tuple(
        replace(table, spec=_spec(SPECS[table.spec.key], t), summary=_summary(table, language))
        for table in report.tables
    )
    definitions = (
        *((t(term), t(text)) for term, text in DEFINITIONS),
        *((t("Table {number}", number=s.spec.number), s.spec.definition) for s in tables),
    )
    headline = report.headline
    summary: tuple[str, ...] = ()
    if headline is not None:
        headline = replace(
            headline,
            measures=tuple(replace(m, label=t(m.label)) for m in HEADLINE_MEASURES),
            rows=tuple(replace(r, label=_place(r.level, r.code, t)) for r in headline.rows),
        )
        summary = headline_sentences(headline, language)
    return replace(
        report,
        language=language,
        title=t(TITLE),
        method=method,
        definitions=definitions,
        tables=tuple(
            replace(
                table,
                by_country=tuple(
                    replace(r, label=country_label(r.code, language)) for r in table.by_country
                ),
                by_region=tuple(
                    replace(r, label=_place(r.level, r.code, t)) for r in table.by_region
                ),
                total=replace(table.total, label=t("All countries")),
            )
            for table in tables
        ),
        headline=headline,
        headline_summary=summary,
    )


SPECS = {spec.key: spec for spec in TABLES}


def _place(level: str, label: str, t: Callable[..., str]) -> str:
    """Region names and 'All countries' are words; country names stay as pycountry gives them
    (with their code), the same in every language."""
    if level == "all":
        return t("All countries")
    if level == "region":
        return t(label)
    return label


def _spec(spec: TableSpec, t: Callable[..., str]) -> TableSpec:
    return replace(
        spec,
        title=t(spec.title),
        unit=t(spec.unit),
        definition=t(spec.definition),
        columns=tuple(replace(c, label=t(c.label)) for c in spec.columns),
    )


def _figure(language: str, cell: Cell) -> str | None:
    return (
        number(language, cell)
        if isinstance(cell, int | float) and not isinstance(cell, bool)
        else None
    )


def _top(table: Table, language: str) -> str:
    """'women human rights defenders (12), lawyers (7) and journalists (5)': the published
    categories of the all-countries row, largest first."""
    ranked = sorted(
        (
            (value, position, column)
            for position, (column, value) in enumerate(
                zip(table.spec.columns, table.total.cells, strict=True)
            )
            if column.kind == "count"
            and column.key not in NOT_RANKED
            and column.key in PHRASES
            and isinstance(value, int)
            and value > 0
        ),
        key=lambda item: (-item[0], item[1]),
    )
    return listing(
        language,
        [
            tr(language, "{what} ({n})", what=tr(language, PHRASES[c.key]), n=number(language, v))
            for v, _, c in ranked[:TOP]
        ],
    )


# Per table: the sentence on its total, the one said when the total is withheld, and the one
# naming the most frequent categories.
TOTAL_SENTENCES: Mapping[str, tuple[str, str, str]] = {
    "cases_by_profile": (
        "The cases opened this quarter recorded {n} defender profiles (a case can have several).",
        "The number of defender profiles recorded this quarter is withheld to protect the "
        "defenders concerned.",
        "The profiles recorded most often were {top}.",
    ),
    "threats_by_type": (
        "Delegations recorded {n} threats against the defenders of the cases opened this "
        "quarter (a case can record several).",
        "The number of threats recorded this quarter is withheld to protect the defenders "
        "concerned.",
        "The threats recorded most often were {top}.",
    ),
    "referrals_by_mechanism": (
        "Delegations referred {n} requests for support to protection mechanisms this quarter.",
        "The number of referrals to protection mechanisms this quarter is withheld to protect "
        "the defenders concerned.",
        "They went most often to {top}.",
    ),
    "referrals_by_assistance": (
        "These requests asked for {n} types of assistance (a request can ask for several).",
        "The number of types of assistance requested this quarter is withheld to protect the "
        "defenders concerned.",
        "The types of assistance asked for most often were {top}.",
    ),
    "hearings_observed": (
        "Delegations and Member State embassies observed {n} trial hearings this quarter.",
        "The number of trial hearings observed this quarter is withheld to protect the "
        "defenders concerned.",
        "The outcomes recorded most often were {top}.",
    ),
    "statements_by_level": (
        "The EU published {n} public statements and démarches on defenders' cases this quarter.",
        "The number of statements published this quarter is withheld to protect the defenders "
        "concerned.",
        "The forms used most often were {top}.",
    ),
}


def _summary(table: Table, language: str) -> str:
    key = table.spec.key
    cells = dict(zip((c.key for c in table.spec.columns), table.total.cells, strict=True))

    def t(message: str, **values: object) -> str:
        return tr(language, message, **values)

    def n(column: str) -> str | None:
        return _figure(language, cells[column])

    if key in TOTAL_SENTENCES:
        said, withheld, most = TOTAL_SENTENCES[key]
        total = n("total")
        parts = [t(said, n=total) if total is not None else t(withheld)]
        top = _top(table, language)
        if top:
            parts.append(t(most, top=top))
        return " ".join(parts)
    if key == "referral_decisions":
        approved, rejected, amount = n("approved"), n("rejected"), n("amount_approved")
        parts = []
        if approved is not None and rejected is not None:
            parts.append(
                t(
                    "{approved} referrals were approved and {rejected} rejected this quarter.",
                    approved=approved,
                    rejected=rejected,
                )
            )
        elif approved is not None:
            parts.append(t("{approved} referrals were approved this quarter.", approved=approved))
        else:
            parts.append(
                t(
                    "The number of referrals approved this quarter is withheld to protect the "
                    "defenders concerned."
                )
            )
        if amount is not None:
            parts.append(t("The grants approved amount to EUR {amount} in all.", amount=amount))
        return " ".join(parts)
    if key == "decision_timeliness":
        decided, share = n("total"), n("share_within_deadline")
        median = n("median_intake_to_decision")
        if decided is None:
            return t(
                "The number of referrals decided this quarter is withheld to protect the "
                "defenders concerned."
            )
        parts = [t("{n} referrals were decided this quarter.", n=decided)]
        if share is not None:
            parts.append(
                t(
                    "{share}% of them were decided within the deadline set by the country "
                    "strategy.",
                    share=share,
                )
            )
        if median is not None:
            parts.append(
                t("Half were decided within {days} days of the case being opened.", days=median)
            )
        return " ".join(parts)
    if key == "delivery_timeliness":
        delivered, median = n("delivered"), n("median_decision_to_delivery")
        if delivered is None:
            return t(
                "The number of referrals delivered this quarter is withheld to protect the "
                "defenders concerned."
            )
        parts = [t("{n} referrals were delivered this quarter.", n=delivered)]
        if median is not None:
            parts.append(t("Half were delivered within {days} days of the decision.", days=median))
        return " ".join(parts)
    if key == "defenders_and_cases":
        return " ".join(
            _registration_sentences(
                language,
                cells["defenders_registered"],
                cells["women_defenders"],
                cells["cases_opened"],
                cells["cases_closed"],
            )
        )
    raise ValueError(f"no summary for table {key!r}")


def _registration_sentences(
    language: str, defenders: Cell, women: Cell, opened: Cell, closed: Cell
) -> list[str]:
    def t(message: str, **values: object) -> str:
        return tr(language, message, **values)

    d, w = _figure(language, defenders), _figure(language, women)
    o, c = _figure(language, opened), _figure(language, closed)
    parts = []
    if d is not None and w is not None:
        parts.append(
            t(
                "Delegations registered {n} defenders at risk this quarter, {women} of them women "
                "human rights defenders.",
                n=d,
                women=w,
            )
        )
    elif d is not None:
        parts.append(t("Delegations registered {n} defenders at risk this quarter.", n=d))
    else:
        parts.append(
            t(
                "The number of defenders at risk registered this quarter is withheld to protect "
                "them."
            )
        )
    if o is not None and c is not None:
        parts.append(t("{opened} cases were opened and {closed} closed.", opened=o, closed=c))
    elif o is not None:
        parts.append(t("{opened} cases were opened.", opened=o))
    elif c is not None:
        parts.append(t("{closed} cases were closed.", closed=c))
    return parts


def headline_sentences(headline: Headline, language: str) -> tuple[str, ...]:
    """The brief's opening paragraph: the all-countries headline figures as sentences, with
    the change since the previous quarter where both figures are published."""

    def t(message: str, **values: object) -> str:
        return tr(language, message, **values)

    def f(measure: str) -> str | None:
        return _figure(language, headline.value(measure))

    parts = _registration_sentences(
        language,
        headline.value("defenders_registered"),
        headline.value("women_defenders"),
        headline.value("cases_opened"),
        headline.value("cases_closed"),
    )
    requested, approved = f("referrals_requested"), f("referrals_approved")
    delivered, amount = f("referrals_delivered"), f("amount_granted")
    if requested is not None:
        parts.append(t("Protection mechanisms received {n} requests for support.", n=requested))
    if approved is not None and amount is not None:
        parts.append(t("{n} were approved, for EUR {amount} in all.", n=approved, amount=amount))
    elif approved is not None:
        parts.append(t("{n} were approved.", n=approved))
    if delivered is not None:
        parts.append(t("Support was delivered for {n} referrals.", n=delivered))
    hearings, statements = f("hearings_observed"), f("statements_published")
    if hearings is not None:
        parts.append(t("Delegations observed {n} trial hearings.", n=hearings))
    if statements is not None:
        parts.append(t("The EU published {n} public statements and démarches.", n=statements))
    if headline.previous is not None:
        before = headline.previous[-1]
        keys = [m.key for m in headline.measures]
        now, earlier = (
            headline.value("defenders_registered"),
            before.cells[keys.index("defenders_registered")],
        )
        if isinstance(now, int) and isinstance(earlier, int):
            if now > earlier:
                parts.append(
                    t(
                        "That is {n} more defenders than in {quarter}.",
                        n=number(language, now - earlier),
                        quarter=headline.previous_quarter,
                    )
                )
            elif now < earlier:
                parts.append(
                    t(
                        "That is {n} fewer defenders than in {quarter}.",
                        n=number(language, earlier - now),
                        quarter=headline.previous_quarter,
                    )
                )
            else:
                parts.append(
                    t(
                        "That is as many defenders as in {quarter}.",
                        quarter=headline.previous_quarter,
                    )
                )
    return tuple(parts)


SUPPRESSED_GUIDANCE = (
    "Figures shown as 'x' are withheld to protect the defenders concerned: they may be small "
    "(from 1 to {k_minus_one}), or hidden so that a small figure cannot be worked out from the "
    "others, and some may be zero.",
    "Do not say or imply a withheld figure, a range for it, or that it is small, and do not "
    "compute one by subtracting published figures: the published figures are built so that "
    "this does not work, and a guess can still point at a person.",
    "It is correct to say that a figure is not published for the protection of defenders, and "
    "to quote any published total, including totals that contain withheld figures.",
    'Quote a figure with its quarter and release version (for example "{quarter}, version '
    '{version}"): a revised release can change it.',
)


def guidance(report: QuarterlyReport) -> tuple[str, ...]:
    """What may and may not be said about suppressed figures."""
    return tuple(
        report.t(
            text, k_minus_one=report.k - 1, quarter=report.quarter.label, version=report.version
        )
        for text in SUPPRESSED_GUIDANCE
    )
