"""Country strategy templates as the viewer and the API show them: a version in readable
form, two versions side by side with their differences, and the validation of the files on
disk (each problem names the file and the field). Templates still come only from files."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hrd_cases.domain.vocabulary import ActionType
from hrd_cases.workflow.templates import StrategyVersion, validate_directory


def version_facts(version: StrategyVersion) -> dict[str, Any]:
    """Priorities under the three pillars, actions with required fields and approvals,
    deadlines, statement levels, observation partners and the grant ceiling."""
    deadlines = version.deadlines
    return {
        "version": version.version,
        "effective_from": version.effective_from,
        "local_strategy": version.local_strategy,
        "priorities": {pillar: list(items) for pillar, items in version.priorities.items()},
        "actions": {
            action.value: {
                "enabled": rules.enabled,
                "required_fields": sorted(rules.required_fields),
                "approvals_required": rules.approvals_required,
            }
            for action, rules in ((a, version.rules(a)) for a in ActionType)
        },
        "mechanisms": list(version.mechanisms),
        "statement_levels": list(version.statement_levels),
        "observation_partners": list(version.observation_partners),
        "deadlines": {
            "referral_hours_by_risk": {
                risk.value: hours for risk, hours in deadlines.referral_hours_by_risk.items()
            },
            "referral_decision_hours": deadlines.referral_decision_hours,
            "statement_decision_hours": deadlines.statement_decision_hours,
            "observation_report_days": deadlines.observation_report_days,
        },
        "max_grant_eur": version.max_grant_eur,
        "retention_years": version.retention_years,
    }


def _lines(version: StrategyVersion) -> list[str]:
    # One fact per line (enum members are strings), so a change shows as a changed line.
    text = json.dumps(version_facts(version), indent=2, ensure_ascii=False, default=str)
    return text.splitlines()


@dataclass(frozen=True, slots=True)
class DiffRow:
    left: str | None
    right: str | None
    change: str  # same | changed | removed | added


def side_by_side(older: StrategyVersion, newer: StrategyVersion) -> list[DiffRow]:
    """The two versions' readable lines aligned, each row marked with what changed."""
    left, right = _lines(older), _lines(newer)
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [DiffRow(a, b, "same") for a, b in zip(left[i1:i2], right[j1:j2], strict=True)]
            continue
        olds, news = left[i1:i2], right[j1:j2]
        for n in range(max(len(olds), len(news))):
            a = olds[n] if n < len(olds) else None
            b = news[n] if n < len(news) else None
            change = (
                "changed"
                if a is not None and b is not None
                else ("removed" if b is None else "added")
            )
            rows.append(DiffRow(a, b, change))
    return rows


def validation_problems(directory: Path) -> list[str]:
    """Every problem of every template file on disk, each naming its file and field."""
    return validate_directory(directory)
