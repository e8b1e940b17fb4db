"""The workflow's refusals in the reader's language (issue 21).

A refusal (``domain.errors.InvalidTransition``) carries a rule code that never changes (the
API's ``meta.rule``) and an English sentence with the particulars (dates, amounts, template
names). English readers keep that sentence; other languages get the rule's translated
sentence, and a rule without one gets the translated general refusal rather than English.
"""

from __future__ import annotations

from flask_babel import LazyString

from hrd_cases.domain.languages import DEFAULT_LANGUAGE
from hrd_cases.i18n.translate import lazy_gettext as _l

# By rule code; "*.x" applies to every subject ("referral.transition", "statement...").
RULE_MESSAGES: dict[str, LazyString] = {
    "case.closed": _l("The case is closed: reopen it first."),
    "intake.country": _l("A case opened by this delegation must concern its own country."),
    "closure.disabled": _l("The country's template does not enable closure."),
    "referral.disabled": _l("The country's template does not enable referrals."),
    "statement.disabled": _l("The country's template does not enable public statements."),
    "trial_observation.disabled": _l("The country's template does not enable trial observation."),
    "referral.amount_negative": _l("A grant amount cannot be negative."),
    "referral.max_grant": _l("The amount is above the maximum grant of the country's template."),
    "referral.mechanism_not_allowed": _l("The country's template does not use this mechanism."),
    "statement.consent": _l(
        "A public statement needs the defender's recorded, unrevoked consent covering its "
        "level (do no harm)."
    ),
    "statement.level_not_allowed": _l(
        "This statement level is not allowed by the country's template."
    ),
    "statement.publication_url": _l("The publication address must start with https://."),
    "statement.text": _l("The statement text is empty."),
    "consent.date": _l("The date consent was given cannot be in the future."),
    "consent.scope": _l("Choose at least one thing the defender agreed to."),
    "trial_observation.court": _l("A hearing needs a court."),
    "trial_observation.cancel_reason": _l("Say why the hearing is cancelled."),
    "trial_observation.reschedule_reason": _l("Say why the hearing's date changes."),
    "trial_observation.reschedule_same_date": _l("The new date is the same as the current one."),
    "trial_observation.observers": _l("Name at least one embassy that attended."),
    "trial_observation.partners": _l(
        "These embassies do not share trial observation under the country's template."
    ),
    "trial_observation.outcome_before_hearing": _l(
        "The outcome and the report can be recorded only once the hearing has taken place."
    ),
    "trial_observation.past_hearing_unconfirmed": _l(
        "The hearing date is more than 30 days in the past: confirm that you are recording "
        "a past hearing."
    ),
    "trial_observation.report": _l("The observation report is empty."),
    "attachment.link": _l("Choose what the file belongs to."),
    "account.last_factor": _l(
        "This is your last way to prove it is you (or your role requires a security key): "
        "register another one first."
    ),
    "token.max_days": _l("The token would be valid longer than this installation allows."),
    "*.transition": _l("This step is not allowed in the item's current state."),
    "*.four_eyes": _l("Whoever requested it cannot decide on it (four-eyes)."),
    "*.one_decision_per_officer": _l("You have already decided on it."),
    "*.reason_required": _l(
        "A rejection needs a reason, so that the requester knows what to change."
    ),
    "*.required_fields": _l("The country's template requires more fields for this step."),
}
GENERAL_REFUSAL = _l("This step is not allowed in the current state.")


def refusal_text(error: Exception) -> str:
    """What to tell the reader about a refusal, in their language."""
    from hrd_cases.i18n import current_language

    if current_language() is DEFAULT_LANGUAGE:
        return str(error)
    rule = str(getattr(error, "rule", "") or "")
    _, _, suffix = rule.partition(".")
    message = RULE_MESSAGES.get(rule) or RULE_MESSAGES.get(f"*.{suffix}") or GENERAL_REFUSAL
    return str(message).rstrip(".")  # callers end the sentence ("Not done: ...")
