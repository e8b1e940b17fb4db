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


class Mechanism(enum.StrEnum):
    """Protection mechanisms a case can be referred to."""

    EU_HRD_MECHANISM = "eu_hrd_mechanism"  # ProtectDefenders.eu
    EU_EMERGENCY_FUND = "eu_emergency_fund"
    MS_TEMPORARY_RELOCATION = "ms_temporary_relocation"
    SHELTER_CITY = "shelter_city"
    UN_SPECIAL_PROCEDURES = "un_special_procedures"
    OTHER = "other"


class AssistanceType(enum.StrEnum):
    """The EU HRD mechanism's emergency grant categories."""

    PHYSICAL_SECURITY = "physical_security"
    DIGITAL_SECURITY = "digital_security"
    COMMUNICATIONS = "communications"
    SECURITY_CAPACITY_BUILDING = "security_capacity_building"
    SECURE_TRANSPORTATION = "secure_transportation"
    LEGAL = "legal"
    MEDICAL = "medical"  # including psycho-social
    HUMANITARIAN_FAMILY_SUPPORT = "humanitarian_family_support"
    URGENT_RELOCATION = "urgent_relocation"
    URGENT_MONITORING_ADVOCACY = "urgent_monitoring_advocacy"
    OTHER = "other"


class StatementLevel(enum.StrEnum):
    LOCAL_EU_STATEMENT = "local_eu_statement"
    HRVP_SPOKESPERSON = "hrvp_spokesperson"
    PRIVATE_DEMARCHE = "private_demarche"
    SOCIAL_MEDIA = "social_media"


class HearingOutcome(enum.StrEnum):
    POSTPONED = "postponed"
    ACQUITTED = "acquitted"
    CONVICTED = "convicted"
    DISMISSED = "dismissed"
    OTHER = "other"


class ActionType(enum.StrEnum):
    """The actions a country template can enable."""

    INTAKE = "intake"
    REFERRAL = "referral"
    TRIAL_OBSERVATION = "trial_observation"
    PUBLIC_STATEMENT = "public_statement"
    CLOSURE = "closure"


class ConsentScope(enum.StrEnum):
    """What a defender agreed to. Recorded, scoped consent gates statements: do no harm."""

    PUBLIC_STATEMENT = "public_statement"
    PRIVATE_DEMARCHE = "private_demarche"
    REFERRAL_DATA_SHARING = "referral_data_sharing"
    TRIAL_OBSERVATION = "trial_observation"


class ClosureOutcome(enum.StrEnum):
    RISK_REDUCED = "risk_reduced"
    RELOCATED = "relocated"
    RESOLVED = "resolved"
    CONTACT_LOST = "contact_lost"
    DEFENDER_REQUEST = "defender_request"
    OTHER = "other"


# The statement levels that make a case public; a private demarche does not.
PUBLIC_STATEMENT_LEVELS = frozenset(
    {
        StatementLevel.LOCAL_EU_STATEMENT,
        StatementLevel.HRVP_SPOKESPERSON,
        StatementLevel.SOCIAL_MEDIA,
    }
)


def consent_scope_for(level: StatementLevel) -> ConsentScope:
    """The consent a statement at ``level`` needs."""
    if level in PUBLIC_STATEMENT_LEVELS:
        return ConsentScope.PUBLIC_STATEMENT
    return ConsentScope.PRIVATE_DEMARCHE


class AttachmentCategory(enum.StrEnum):
    """What an evidence file is (stored in the clear: it names no one)."""

    THREAT_EVIDENCE = "threat_evidence"
    LEGAL_DOCUMENT = "legal_document"
    COURT_DECISION = "court_decision"
    MEDICAL = "medical"
    FINANCIAL = "financial"
    PHOTO = "photo"
    OTHER = "other"


class AttachmentLink(enum.StrEnum):
    """What an attachment belongs to: the case as a whole or one of its actions. Notes are
    a kind here before they exist as records, so the link needs no schema change later."""

    CASE = "case"
    REFERRAL = "referral"
    HEARING = "hearing"
    STATEMENT = "statement"
    NOTE = "note"
