"""Refusals in words a person uses, for the field they concern (issue 16, item 6).

A template rule names fields by their internal names ("assistance_types"); a person reads
"at least one assistance type". Services put these texts in ``InvalidTransition.fields``
so that the page shows them beside the field and the API under the field's name. All
strings live here, in one place, so that they can be translated.
"""

from __future__ import annotations

# What a required field asks for, as the end of "The Kenya strategy asks for ...".
FIELD_WANTED = {
    "name": "the defender's full name",
    "other_names": "the defender's other names",
    "contact_details": "contact details",
    "location": "the defender's location",
    "organisation": "the defender's organisation",
    "date_of_birth": "the date of birth",
    "personal_notes": "personal notes",
    "narrative": "a narrative",
    "profile_categories": "at least one profile category",
    "threats": "at least one threat suffered",
    "mechanism": "a mechanism",
    "assistance_types": "at least one assistance type",
    "amount_eur": "the amount in EUR",
    "justification": "a justification",
    "court": "the court",
    "charges": "the charges",
    "observers": "the embassies that attended",
    "outcome": "an outcome",
    "report": "the observation report",
    "level": "a level",
    "draft": "the statement text",
    "text": "the statement text",
    "publication_url": "the publication address",
    "reason": "a reason",
}

# Where a required field is asked for, as the end of the same sentence.
ACTION_PLACE = {
    "intake": "when a case is opened",
    "referral": "for a referral",
    "trial_observation": "for a trial observation",
    "public_statement": "for a public statement",
    "closure": "to close a case",
}

REQUIRED = "{strategy} asks for {wanted} {place}."
MAX_GRANT = "The {mechanism} grants at most EUR {maximum:,} under {strategy_lower}."
AMOUNT_NEGATIVE = "An amount cannot be negative."
MECHANISM_NOT_ALLOWED = "{strategy} does not use the {mechanism}: choose another mechanism."
LEVEL_NOT_ALLOWED = "{strategy} does not allow a {level}: choose another level."
STATEMENT_TEXT_EMPTY = "Write the statement text."
PUBLICATION_URL = "The publication address must start with https://."
REASON_TO_REJECT = "Give a reason, so that the requester knows what to change."
REASON_TO_RETURN = "Say what to change: the requester sees this reason."
CONFIRM_AMOUNT = "The amount changed since you confirmed it: look at the referral again."
CONSENT_MISSING = (
    "The defender has not given (or has revoked) consent covering a {scope}: record their "
    "consent before submitting or publishing."
)
OUTCOME_BEFORE_HEARING = "An outcome can be recorded once the hearing's date has passed."
PAST_HEARING = "Tick the box to confirm that you are recording a past hearing."
CONSENT_DATE_FUTURE = "The date consent was given cannot be in the future."
CONSENT_SCOPE = "Choose what the defender agreed to."
OBSERVERS_NOT_PARTNERS = (
    "Choose only embassies that share trial observation under {strategy_lower}."
)
SAME_DATE = "Choose a date different from the current one."


def strategy_phrase(code: str, name: str) -> str:
    """ "The Kenya strategy", or "The default rules" for countries without a local one."""
    return "The default rules" if code == "default" else f"The {name} strategy"


def required_message(code: str, name: str, action: str, field: str) -> str:
    return REQUIRED.format(
        strategy=strategy_phrase(code, name),
        wanted=FIELD_WANTED.get(field, field.replace("_", " ")),
        place=ACTION_PLACE.get(action, ""),
    ).replace(" .", ".")


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# Mechanisms and statement levels as a sentence names them.
MECHANISM_NAMES = {
    "eu_hrd_mechanism": "EU HRD mechanism",
    "eu_emergency_fund": "EU emergency fund",
    "ms_temporary_relocation": "Member State temporary relocation programme",
    "shelter_city": "shelter city programme",
    "un_special_procedures": "UN special procedures",
    "other": "chosen mechanism",
}
LEVEL_NAMES = {
    "local_eu_statement": "local EU statement",
    "hrvp_spokesperson": "statement by the HR/VP spokesperson",
    "private_demarche": "private démarche",
    "social_media": "social media statement",
}
OBSERVERS_NEEDED = "Choose the embassies that attended."
COURT_NEEDED = "Name the court."
RESCHEDULE_REASON = "Say why the date changes."
CANCEL_REASON = "Say why the hearing is cancelled."
REPORT_NEEDED = "Write the observation report."
OBSERVATION_BEFORE_HEARING = "Whether the hearing was observed can be recorded once it has begun."
