"""What people read for the stored codes: roles and vocabulary values, translated.

The codes themselves (API values, database values, export keys, JSON) stay English; only these
labels change with the interface language. Lazy strings: each is translated when shown.
"""

from __future__ import annotations

from flask_babel import LazyString

from hrd_cases.i18n.translate import lazy_gettext as _l
from hrd_cases.models import Role

# Every vocabulary value a screen shows (domain.vocabulary, domain.states, roles, ...).
VOCABULARY: dict[str, LazyString] = {
    # Risk levels
    "low": _l("Low"),
    "medium": _l("Medium"),
    "high": _l("High"),
    "critical": _l("Critical"),
    # Profile categories
    "woman_hrd": _l("Woman HRD"),
    "environmental_land": _l("Environmental / land"),
    "lgbti": _l("LGBTI"),
    "indigenous": _l("Indigenous"),
    "journalist_media": _l("Journalist / media worker"),
    "lawyer": _l("Lawyer"),
    "trade_unionist": _l("Trade unionist"),
    "academic": _l("Academic"),
    "other": _l("Other"),
    # Threats
    "judicial_harassment": _l("Judicial harassment"),
    "arbitrary_detention": _l("Arbitrary detention"),
    "physical_attack": _l("Physical attack"),
    "threats_intimidation": _l("Threats / intimidation"),
    "surveillance": _l("Surveillance"),
    "smear_campaign": _l("Smear campaign"),
    "travel_ban": _l("Travel ban"),
    "enforced_disappearance": _l("Enforced disappearance"),
    "killing_of_relative": _l("Killing of relative"),
    # Protection mechanisms
    "eu_hrd_mechanism": _l("EU HRD mechanism"),
    "eu_emergency_fund": _l("EU emergency fund for HRDs"),
    "ms_temporary_relocation": _l("Member State temporary relocation"),
    "shelter_city": _l("Shelter city"),
    "un_special_procedures": _l("UN special procedures"),
    # Assistance types (the EU HRD mechanism's emergency grant categories)
    "physical_security": _l("Physical security"),
    "digital_security": _l("Digital security"),
    "communications": _l("Communications"),
    "security_capacity_building": _l("Security capacity building"),
    "secure_transportation": _l("Secure transportation"),
    "legal": _l("Legal"),
    "medical": _l("Medical (including psycho-social)"),
    "humanitarian_family_support": _l("Humanitarian / family support"),
    "urgent_relocation": _l("Urgent relocation"),
    "urgent_monitoring_advocacy": _l("Urgent monitoring / advocacy"),
    # Statement levels
    "local_eu_statement": _l("Local EU statement"),
    "hrvp_spokesperson": _l("HR/VP spokesperson statement"),
    "private_demarche": _l("Private démarche"),
    "social_media": _l("Social media"),
    # Hearing outcomes
    "postponed": _l("Postponed"),
    "acquitted": _l("Acquitted"),
    "convicted": _l("Convicted"),
    "dismissed": _l("Dismissed"),
    # Actions and consent scopes
    "intake": _l("Intake"),
    "referral": _l("Referral"),
    "trial_observation": _l("Trial observation"),
    "public_statement": _l("Public statement"),
    "closure": _l("Closure"),
    "referral_data_sharing": _l("Referral data sharing"),
    # Closure outcomes
    "risk_reduced": _l("Risk reduced"),
    "relocated": _l("Relocated"),
    "resolved": _l("Resolved"),
    "contact_lost": _l("Contact lost"),
    "defender_request": _l("Defender request"),
    # Evidence files
    "threat_evidence": _l("Threat evidence"),
    "legal_document": _l("Legal document"),
    "court_decision": _l("Court decision"),
    "financial": _l("Financial"),
    "photo": _l("Photo"),
    "case": _l("Case"),
    "hearing": _l("Hearing"),
    "statement": _l("Statement"),
    "note": _l("Note"),
    # States and stages
    "draft": _l("Draft"),
    "requested": _l("Requested"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "delivered": _l("Delivered"),
    "closed": _l("Closed"),
    "scheduled": _l("Scheduled"),
    "observed": _l("Observed"),
    "not_observed": _l("Not observed"),
    "report_filed": _l("Report filed"),
    "cancelled": _l("Cancelled"),
    "submitted": _l("Submitted"),
    "published": _l("Published"),
    "withdrawn": _l("Withdrawn"),
    "recorded": _l("Recorded"),
    "revoked": _l("Revoked"),
    "open": _l("Open"),
    "assessment": _l("Assessment"),
    "protection": _l("Protection"),
    "monitoring": _l("Monitoring"),
    "advocacy": _l("Advocacy"),
    # Account links, audit outcomes, deadlines
    "invitation": _l("Invitation"),
    "enrolment": _l("Enrolment"),
    "password_reset": _l("Password reset"),
    "success": _l("Success"),
    "failure": _l("Failure"),
    "refused": _l("Refused"),
    "referral due": _l("Referral due"),
    "referral decision": _l("Referral decision"),
    "statement decision": _l("Statement decision"),
    "observation report": _l("Observation report"),
    # Roles, tokens, account changes, template differences
    "focal_point": _l("Focal point"),
    "protection_officer": _l("Protection officer"),
    "analyst": _l("Analyst"),
    "admin": _l("Admin"),
    "auditor": _l("Auditor"),
    "active": _l("Active"),
    "expired": _l("Expired"),
    "disable": _l("Disable"),
    "enable": _l("Enable"),
    "reset_second_factor": _l("Reset second factor"),
    "end_sessions": _l("End sessions"),
    "reset_password": _l("Reset password"),
    "added": _l("Added"),
    "removed": _l("Removed"),
    "changed": _l("Changed"),
    # Timeline events ("referral.requested" reads as "referral requested")
    "case_opened": _l("Case opened"),
    "case_updated": _l("Case updated"),
    "case_assessed": _l("Risk assessed"),
    "case_closed": _l("Case closed"),
    "case_reopened": _l("Case reopened"),
    "consent_recorded": _l("Consent recorded"),
    "consent_revoked": _l("Consent revoked"),
    "referral_drafted": _l("Referral drafted"),
    "referral_requested": _l("Referral requested"),
    "referral_approval": _l("Referral approval given"),
    "referral_rejection": _l("Referral rejection given"),
    "referral_approved": _l("Referral approved"),
    "referral_rejected": _l("Referral rejected"),
    "referral_delivered": _l("Assistance delivered"),
    "referral_closed": _l("Referral closed"),
    "hearing_scheduled": _l("Hearing scheduled"),
    "hearing_rescheduled": _l("Hearing rescheduled"),
    "hearing_cancelled": _l("Hearing cancelled"),
    "hearing_observed": _l("Hearing observed"),
    "hearing_not_observed": _l("Hearing not observed"),
    "hearing_outcome": _l("Hearing outcome recorded"),
    "hearing_report_filed": _l("Hearing report filed"),
    "statement_drafted": _l("Statement drafted"),
    "statement_submitted": _l("Statement submitted"),
    "statement_approval": _l("Statement approval given"),
    "statement_rejection": _l("Statement rejection given"),
    "statement_approved": _l("Statement approved"),
    "statement_rejected": _l("Statement rejected"),
    "statement_published": _l("Statement published"),
    "statement_withdrawn": _l("Statement withdrawn"),
    "attachment_added": _l("Evidence file added"),
    "attachment_removed": _l("Evidence file removed"),
    # A defender's fields, as the case page names them
    "name": _l("Full name"),
    "other_names": _l("Other names"),
    "contact_details": _l("Contact details"),
    "location": _l("Location"),
    "organisation": _l("Organisation"),
    "date_of_birth": _l("Date of birth"),
    "personal_notes": _l("Personal notes"),
    # Timeline details
    "approvals": _l("Approvals"),
    "approvals_required": _l("Approvals required"),
    "approve": _l("Approve"),
    "category": _l("Category"),
    "content_type": _l("File type"),
    "country": _l("Country"),
    "date": _l("Date"),
    "defender": _l("Defender"),
    "fields": _l("Fields"),
    "from": _l("From"),
    "to": _l("To"),
    "level": _l("Level"),
    "mechanism": _l("Mechanism"),
    "narrative": _l("Narrative"),
    "observers": _l("Observers"),
    "outcome": _l("Outcome"),
    "risk_level": _l("Risk level"),
    "scopes": _l("Scopes"),
    "size": _l("Size"),
    "state": _l("State"),
}

ROLE_LABELS: dict[str, LazyString] = {
    Role.FOCAL_POINT.value: _l("focal point"),
    Role.PROTECTION_OFFICER.value: _l("protection officer"),
    Role.ANALYST.value: _l("analyst"),
    Role.ADMIN.value: _l("admin"),
    Role.AUDITOR.value: _l("auditor"),
}


def role_label(role: Role | str) -> str:
    """A role inside a sentence or beside a name: lower case ("focal point")."""
    code = role.value if isinstance(role, Role) else role
    label = ROLE_LABELS.get(code)
    return str(label) if label is not None else code


def vocabulary_label(value: str) -> LazyString | str:
    """A code as people read it, translated: "journalist_media" -> "Journalist / media
    worker". A code with no label yet reads as its spelling, capitalised."""
    known = VOCABULARY.get(value) or VOCABULARY.get(value.replace("-", "_").replace(" ", "_"))
    if known is not None:
        return known
    text = value.replace("_", " ")
    return text[:1].upper() + text[1:]
