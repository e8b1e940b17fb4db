"""Controlled vocabularies stored in the clear: the non-identifying categories that feed
aggregates (DESIGN.md, "Only categories needed for aggregates ... are stored in the clear")."""

from __future__ import annotations

import enum


class RiskLevel(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ProfileCategory(enum.StrEnum):
    WOMAN_HRD = "woman_hrd"
    ENVIRONMENTAL_LAND = "environmental_land"
    LGBTI = "lgbti"
    INDIGENOUS = "indigenous"
    JOURNALIST_MEDIA = "journalist_media"
    LAWYER = "lawyer"
    TRADE_UNIONIST = "trade_unionist"
    ACADEMIC = "academic"
    OTHER = "other"


class ThreatType(enum.StrEnum):
    JUDICIAL_HARASSMENT = "judicial_harassment"
    ARBITRARY_DETENTION = "arbitrary_detention"
    PHYSICAL_ATTACK = "physical_attack"
    THREATS_INTIMIDATION = "threats_intimidation"
    SURVEILLANCE = "surveillance"
    SMEAR_CAMPAIGN = "smear_campaign"
    TRAVEL_BAN = "travel_ban"
    ENFORCED_DISAPPEARANCE = "enforced_disappearance"
    KILLING_OF_RELATIVE = "killing_of_relative"
    OTHER = "other"


def enum_values(enum_class: type[enum.StrEnum]) -> list[str]:
    """Stored values of an enum, for SQLAlchemy ``Enum(values_callable=...)``."""
    return [member.value for member in enum_class]
