"""Corrections of what intake recorded (issue 16): a defender's identity and contact fields,
the narrative, profile categories, threats and the risk level.

A correction keeps what it replaces: each changed field's previous value goes into
``field_versions``, sealed under the same data key as the field itself (the case's, or the
defender's), so that erasing that key destroys every version with the current value. The
timeline and the audit log name the fields changed, never their values. A corrected name is
re-indexed in the same transaction: the new name is found at once, the old one no longer.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy.orm import Session

from hrd_cases.auth.permissions import Permission, case_for
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain.errors import InvalidTransition, NotFound, ValidationFailed
from hrd_cases.domain.vocabulary import ActionType, ProfileCategory, RiskLevel, ThreatType
from hrd_cases.models import (
    Case,
    CaseProfileCategory,
    CaseThreat,
    Defender,
    FieldVersion,
    User,
)
from hrd_cases.records import RecordVault
from hrd_cases.records.defenders import reindex_defender, verified_defenders
from hrd_cases.records.vault import clean_texts
from hrd_cases.workflow.service import (
    add_event,
    check_required,
    ensure_open,
    record_step,
    template_of,
)
from hrd_cases.workflow.templates import StrategyCatalogue

CASE_FIELDS: tuple[str, ...] = ("risk_level", "profile_categories", "threats", "narrative")
DEFENDER_FIELDS: tuple[str, ...] = Defender.encrypted_fields
NAME_FIELDS = frozenset({"name", "other_names"})
# How a list of categories is kept as one version's value (vocabulary values never hold it).
CATEGORY_SEPARATOR = ","
NAME_REQUIRED = "A defender needs a name: correct it rather than remove it."


@dataclass(frozen=True, slots=True)
class Correction:
    """What a correction changed: field names only (what the timeline and the flash say)."""

    case: Case
    case_fields: tuple[str, ...]
    defender_reference: str | None
    defender_fields: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.case_fields or self.defender_fields)


def correct_case(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    actor: User,
    reference: str,
    changes: Mapping[str, object],
    *,
    defender_reference: str | None = None,
    defender_changes: Mapping[str, str | None] | None = None,
) -> Correction:
    """Correct fields of an open case and, optionally, of one of its defenders, in one
    transaction. ``defender_reference`` None with ``defender_changes`` means the case's only
    defender (a case concerning several must name one). A field given with its current value
    is not a change: nothing is recorded for it. A new risk level also counts as a
    (re-)assessment, which restarts the referral deadline clock."""
    unknown = set(changes) - set(CASE_FIELDS)
    if unknown:
        raise ValueError(f"not correctable on a case: {', '.join(sorted(unknown))}")
    wanted_defender = {
        field: (value.strip() or None) if isinstance(value, str) else None
        for field, value in (defender_changes or {}).items()
    }
    unknown = set(wanted_defender) - set(DEFENDER_FIELDS)
    if unknown:
        raise ValueError(f"not correctable on a defender: {', '.join(sorted(unknown))}")
    if "name" in wanted_defender and wanted_defender["name"] is None:
        raise ValidationFailed({"name": [NAME_REQUIRED]})
    # The input policy before any lock is taken (sealing applies it again, as a backstop).
    wanted_defender = clean_texts("defenders", wanted_defender)
    wanted_case = dict(changes)
    if "narrative" in wanted_case:
        narrative = cast(str | None, wanted_case["narrative"])
        narrative = (narrative or "").strip() or None
        wanted_case["narrative"] = clean_texts("cases", {"narrative": narrative})["narrative"]

    with write_transaction(session):
        case = case_for(session, actor, reference, Permission.CASE_UPDATE, lock=True)
        ensure_open(case)
        # A field the template requires at intake cannot be emptied by a correction.
        check_required(
            template_of(catalogue, case),
            ActionType.INTAKE,
            {
                **{k: v for k, v in wanted_case.items() if k != "risk_level"},
                **wanted_defender,
            },
        )
        now = utcnow()
        unwrapped: dict[uuid.UUID, bytes] = {}
        previous_risk = case.risk_level
        case_fields = _correct_case_fields(session, vault, case, actor, wanted_case, now, unwrapped)
        defender: Defender | None = None
        defender_fields: tuple[str, ...] = ()
        if wanted_defender or defender_reference is not None:
            defender = _defender_of(session, vault, case, actor, defender_reference)
            defender_fields = _correct_defender(
                session, vault, case, defender, actor, wanted_defender, now, unwrapped
            )
        if case_fields:
            if "risk_level" in case_fields:
                add_event(
                    session,
                    case,
                    actor,
                    "case.assessed",
                    details={"from": previous_risk.value, "to": case.risk_level.value},
                )
            record_step(
                session,
                case,
                actor,
                "case.corrected",
                "case.correct",
                event_details={"fields": ",".join(case_fields)},
                audit_details={"fields": ",".join(case_fields)},
            )
        if defender is not None and defender_fields:
            record_step(
                session,
                case,
                actor,
                "defender.corrected",
                "defender.correct",
                item=("defender", defender.reference),
                event_details={"fields": ",".join(defender_fields)},
                audit_details={"case": case.reference, "fields": ",".join(defender_fields)},
            )
    return Correction(
        case=case,
        case_fields=case_fields,
        defender_reference=defender.reference if defender is not None else None,
        defender_fields=defender_fields,
    )


class DefenderNotOnCase(NotFound):
    """The defender named is not one of this case's (or not in the caller's scope)."""


def _defender_of(
    session: Session,
    vault: RecordVault,
    case: Case,
    actor: User,
    reference: str | None,
) -> Defender:
    """The defender of *this* case to correct (links checked), never an erased one."""
    defenders = verified_defenders(session, vault, case, actor_id=actor.id)
    if reference is None:
        if len(defenders) != 1:
            raise InvalidTransition(
                f"case {case.reference} concerns {len(defenders)} defenders: name the one "
                "to correct",
                rule="defender.reference_required",
            )
        defender = defenders[0]
    else:
        found = [d for d in defenders if d.reference == reference]
        if not found:
            raise DefenderNotOnCase("no such defender on this case")
        defender = found[0]
    # An erased defender's fields cannot be opened: the vault refuses (record.erased).
    return defender


def _keep_version(
    session: Session,
    vault: RecordVault,
    case: Case,
    defender: Defender | None,
    actor: User,
    field: str,
    previous: str | None,
    now: datetime,
) -> None:
    """Keep ``previous`` as an earlier version of ``field``, sealed under the key the field
    itself is under. Categories still change once a case's content is erased (they hold no
    personal data): their version is then kept without a value, like every erased one."""
    version = FieldVersion(
        id=uuid.uuid4(),
        case_id=case.id,
        case=case,
        defender_id=defender.id if defender is not None else None,
        defender=defender,
        field=field,
        replaced_at=now,
        replaced_by_id=actor.id,
    )
    if version.key_holder().wrapped_key is not None:
        vault.seal(version, {"value": previous})
    session.add(version)


def _joined(values: Sequence[str]) -> str | None:
    return CATEGORY_SEPARATOR.join(sorted(values)) or None


def _correct_case_fields(
    session: Session,
    vault: RecordVault,
    case: Case,
    actor: User,
    wanted: Mapping[str, object],
    now: datetime,
    unwrapped: dict[uuid.UUID, bytes],
) -> tuple[str, ...]:
    """Apply the case's own corrections; return the names of the fields that changed. The
    narrative of a case whose content was erased cannot be opened: the vault refuses."""
    if not wanted:
        return ()
    changed: list[str] = []
    if "risk_level" in wanted:
        level = RiskLevel(str(wanted["risk_level"]))
        if level is not case.risk_level:
            _keep_version(
                session, vault, case, None, actor, "risk_level", case.risk_level.value, now
            )
            case.risk_level, case.assessed_at = level, now
            changed.append("risk_level")
    if "profile_categories" in wanted:
        categories = {ProfileCategory(c) for c in cast(Sequence[str], wanted["profile_categories"])}
        present = {row.category for row in case.profile_categories}
        if categories != present:
            _keep_version(
                session,
                vault,
                case,
                None,
                actor,
                "profile_categories",
                _joined([c.value for c in present]),
                now,
            )
            # Remove and add rows rather than replace the list: the same primary key deleted
            # and inserted in one flush would collide.
            for row in [r for r in case.profile_categories if r.category not in categories]:
                case.profile_categories.remove(row)
            case.profile_categories.extend(
                CaseProfileCategory(category=c, country=case.country, opened_at=case.opened_at)
                for c in sorted(categories - present)
            )
            changed.append("profile_categories")
    if "threats" in wanted:
        threats = {ThreatType(t) for t in cast(Sequence[str], wanted["threats"])}
        present_threats = {row.threat for row in case.threats}
        if threats != present_threats:
            _keep_version(
                session,
                vault,
                case,
                None,
                actor,
                "threats",
                _joined([t.value for t in present_threats]),
                now,
            )
            for threat_row in [r for r in case.threats if r.threat not in threats]:
                case.threats.remove(threat_row)
            case.threats.extend(
                CaseThreat(threat=t, country=case.country, opened_at=case.opened_at)
                for t in sorted(threats - present_threats)
            )
            changed.append("threats")
    if "narrative" in wanted:
        narrative = cast(str | None, wanted["narrative"])
        previous = vault.open_field(case, "narrative", unwrapped=unwrapped)
        if narrative != previous:
            _keep_version(session, vault, case, None, actor, "narrative", previous, now)
            vault.seal(case, {"narrative": narrative})
            changed.append("narrative")
    return tuple(changed)


def _correct_defender(
    session: Session,
    vault: RecordVault,
    case: Case,
    defender: Defender,
    actor: User,
    wanted: Mapping[str, str | None],
    now: datetime,
    unwrapped: dict[uuid.UUID, bytes],
) -> tuple[str, ...]:
    current = vault.open(defender, unwrapped=unwrapped)
    changed = tuple(f for f in DEFENDER_FIELDS if f in wanted and wanted[f] != current[f])
    for field in changed:
        _keep_version(session, vault, case, defender, actor, field, current[field], now)
    if changed:
        vault.seal(defender, {f: wanted[f] for f in changed})
    if NAME_FIELDS & set(changed):
        corrected = {**current, **{f: wanted[f] for f in changed}}
        reindex_defender(vault, defender, corrected["name"], corrected["other_names"])
    return changed
