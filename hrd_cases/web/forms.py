"""HTML forms (Flask-WTF gives each one its CSRF token)."""

from __future__ import annotations

import enum
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
    widgets,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from hrd_cases.auth.accounts import CALENDAR_COURT_LABEL
from hrd_cases.auth.password_policy import MAX_PASSWORD_LENGTH
from hrd_cases.domain.text_input import SEARCH_NAME_RULE, FieldRule, check_text, rule_for
from hrd_cases.i18n.labels import vocabulary_label
from hrd_cases.i18n.text_problems import translated_problem
from hrd_cases.i18n.translate import lazy_gettext as _l

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms before 3.3
    SelectChoice = None
from hrd_cases.domain.vocabulary import (
    AssistanceType,
    ClosureOutcome,
    ConsentScope,
    HearingOutcome,
    Mechanism,
    ProfileCategory,
    RiskLevel,
    StatementLevel,
    ThreatType,
)
from hrd_cases.records.defenders import ErasureReason


class TextPolicy:
    """The input policy (``domain.text_input``) beside the field, with the service's message:
    the service applies it again, so the form only moves the message next to the field."""

    def __init__(self, rule: FieldRule) -> None:
        self.rule = rule
        self.field_flags = {"maxlength": rule.max_chars}

    def __call__(self, form: FlaskForm, field: object) -> None:
        data = getattr(field, "data", None)
        if isinstance(data, str) and data:
            problem = check_text(data.strip(), self.rule)
            if problem:
                raise StopValidation(translated_problem(problem))


def policy(table: str, field: str) -> TextPolicy:
    return TextPolicy(rule_for(table, field))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=32)],
    )


class EnrolForm(FlaskForm):
    code = StringField(
        _l("Code shown by your authenticator app"), validators=[DataRequired(), Length(max=32)]
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    new_password = PasswordField(
        _l("New password (12 to 128 characters)"),
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two passwords differ.")),
        ],
    )


class CalendarPrivacyForm(FlaskForm):
    shows_court = BooleanField(CALENDAR_COURT_LABEL)


# Case work ---------------------------------------------------------------------------------
# Choices come from the controlled vocabularies; templates narrow them per case in the views.
def choice(value: str, text: str):
    """One option: WTForms 3.3 deprecates (value, label) tuples for SelectChoice, which
    older releases lack. Templates read either shape (see _macros.html)."""
    return (value, text) if SelectChoice is None else SelectChoice(value=value, label=text)


def option_pair(option) -> tuple[str, str]:
    """(value, label) of an option held as a tuple or a SelectChoice (a template global)."""
    if isinstance(option, tuple):
        return option[0], option[1]
    return option.value, option.label


def _choices(enum_class: type[enum.StrEnum]) -> list[Any]:
    return [choice(m.value, label(m.value)) for m in enum_class]


def label(value: str) -> Any:
    """A vocabulary value as people read it, in the page's language: "journalist_media" ->
    "Journalist / media worker", "not_observed" -> "Not observed"."""
    return vocabulary_label(value)


# Consequential choices start empty (issue 16): a hurried user must choose, not accept.
CHOOSE = choice("", _l("Choose…"))
CHOOSE_RISK = _l("Choose a risk level.")


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (rendered by the ``checkboxes`` macro, in a fieldset)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class IntakeForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), policy("defenders", "name")])
    other_names = StringField(
        _l("Other names (separate with ;)"),
        validators=[Optional(), policy("defenders", "other_names")],
    )
    contact_details = StringField(
        _l("Contact details"), validators=[Optional(), policy("defenders", "contact_details")]
    )
    location = StringField(_l("Location"), validators=[Optional(), policy("defenders", "location")])
    organisation = StringField(
        _l("Organisation"), validators=[Optional(), policy("defenders", "organisation")]
    )
    date_of_birth = StringField(
        _l("Date of birth"), validators=[Optional(), policy("defenders", "date_of_birth")]
    )
    personal_notes = TextAreaField(
        _l("Personal notes"), validators=[Optional(), policy("defenders", "personal_notes")]
    )
    risk_level = SelectField(
        _l("Risk level"), choices=_choices(RiskLevel), validators=[DataRequired()]
    )
    profile_categories = CheckboxesField(_l("Profile"), choices=_choices(ProfileCategory))
    threats = CheckboxesField(_l("Threats suffered"), choices=_choices(ThreatType))
    narrative = TextAreaField(
        _l("Narrative"), validators=[Optional(), policy("cases", "narrative")]
    )
    risk_level = SelectField(
        _l("Risk level"),
        choices=[CHOOSE, *_choices(RiskLevel)],
        validators=[DataRequired(message=CHOOSE_RISK)],
    )
    profile_categories = CheckboxesField(_l("Profile"), choices=_choices(ProfileCategory))
    threats = CheckboxesField(_l("Threats suffered"), choices=_choices(ThreatType))
    narrative = TextAreaField(
        _l("Narrative"), validators=[Optional(), policy("cases", "narrative")]
    )


class CaseSearchForm(FlaskForm):
    """Name search is POSTed: a defender's name must never appear in a URL."""

    name = StringField(
        _l("Defender name"),
        validators=[DataRequired(), Length(min=2), TextPolicy(SEARCH_NAME_RULE)],
    )


class ReferralForm(FlaskForm):
    mechanism = SelectField(
        _l("Mechanism"),
        choices=[CHOOSE, *_choices(Mechanism)],
        validators=[DataRequired(message=_l("Choose a mechanism."))],
    )
    assistance_types = CheckboxesField(_l("Assistance types"), choices=_choices(AssistanceType))
    amount_eur = IntegerField(
        _l("Amount (EUR)"), validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )
    justification = TextAreaField(
        _l("Justification"), validators=[Optional(), policy("referrals", "justification")]
    )


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"),
        choices=[
            choice("approve", _l("Approve")),
            choice("reject", _l("Reject")),
            choice("return", _l("Return for revision")),
        ],
        validators=[DataRequired(message=_l("Choose approve, reject or return for revision."))],
    )
    reason = TextAreaField(
        _l("Reason (required to reject or return; shown to the requester and the other approvers)"),
        validators=[Optional(), Length(max=2000)],
    )
    # Sent by the grant confirmation page: the amount the officer saw.
    confirmed_amount_eur = IntegerField(validators=[Optional(), NumberRange(min=0)])


class HearingForm(FlaskForm):
    # Typed in the delegation's zone, which the page names beside the field.
    scheduled_for = DateTimeLocalField(
        _l("Date and time"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    confirm_past = BooleanField(_l("I am recording a past hearing (more than 30 days ago)"))
    court = StringField(_l("Court"), validators=[DataRequired(), policy("hearings", "court")])
    charges = TextAreaField(_l("Charges"), validators=[Optional(), policy("hearings", "charges")])


class RescheduleForm(FlaskForm):
    scheduled_for = DateTimeLocalField(
        _l("New date and time"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    reason = TextAreaField(
        _l("Reason for the change"), validators=[DataRequired(), Length(max=2000)]
    )
    confirm_past = BooleanField(_l("I am recording a past hearing (more than 30 days ago)"))


class CancelHearingForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for cancelling"), validators=[DataRequired(), Length(max=2000)]
    )


class ObservationForm(FlaskForm):
    observed = SelectField(
        _l("Was the hearing observed?"),
        choices=[CHOOSE, choice("yes", _l("Observed")), choice("no", _l("Not observed"))],
        validators=[DataRequired(message=_l("Say whether the hearing was observed."))],
    )
    observers = CheckboxesField(_l("Observers (embassies that attended)"), choices=[])
    outcome = SelectField(
        _l("Outcome"),
        choices=[choice("", _l("Not known yet")), *_choices(HearingOutcome)],
        validators=[Optional()],
    )


class ReportForm(FlaskForm):
    report = TextAreaField(
        _l("Observation report"), validators=[DataRequired(), policy("hearings", "report")]
    )


class ConsentForm(FlaskForm):
    scopes = CheckboxesField(
        _l("The defender agreed to"), choices=_choices(ConsentScope), validators=[DataRequired()]
    )
    given_on = DateField(_l("Date consent was given"), validators=[DataRequired()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), policy("consents", "notes")])


class StatementForm(FlaskForm):
    level = SelectField(_l("Level"), choices=_choices(StatementLevel), validators=[DataRequired()])
    text = TextAreaField(
        _l("Draft text"), validators=[DataRequired(), policy("statements", "draft")]
    )


class PublishForm(FlaskForm):
    publication_url = URLField(
        _l("Publication address (https://)"), validators=[Optional(), Length(max=500)]
    )


class CloseForm(FlaskForm):
    outcome = SelectField(
        _l("Outcome"),
        choices=[choice("", _l("Choose…")), *_choices(ClosureOutcome)],
        validators=[Optional()],
    )
    reason = TextAreaField(_l("Reason"), validators=[Optional(), policy("cases", "closure_reason")])


class AssessForm(FlaskForm):
    risk_level = SelectField(
        _l("Risk level"),
        choices=[CHOOSE, *_choices(RiskLevel)],
        validators=[DataRequired(message=CHOOSE_RISK)],
    )


class EraseForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=_choices(ErasureReason), validators=[DataRequired()])
    include_case_content = BooleanField(_l("Also erase this case's narrative, reports and drafts"))
    confirmation = StringField(
        _l("Type the defender reference to confirm"), validators=[DataRequired(), Length(max=32)]
    )


class AssignForm(FlaskForm):
    """Reassign a case: choices are the delegation's active focal points (set by the view)."""

    assignee = SelectField(
        _l("Assign to"), coerce=int, validators=[DataRequired(message=_l("Choose a focal point."))]
    )


class ButtonForm(FlaskForm):
    """A one-button step (submit, revoke, reopen...): the CSRF token is all it carries."""


class ExportForm(FlaskForm):
    quarter = SelectField(_l("Quarter"), choices=[], validators=[DataRequired()])
    fmt = SelectField(_l("Format"), choices=[], validators=[DataRequired()])
    # English unless chosen: the labels, method text and brief; JSON keys never change.
    language = SelectField(_l("Language of the export"), choices=[], validators=[Optional()])
    download = SubmitField(_l("Download"))
    release = SubmitField(_l("Release this quarter"))


class AnnualForm(FlaskForm):
    """The annual report: a year whose four quarters are released, a format, a language."""

    year = SelectField(_l("Year"), choices=[], validators=[DataRequired()])
    fmt = SelectField(_l("Format"), choices=[], validators=[DataRequired()])
    language = SelectField(_l("Language of the report"), choices=[], validators=[Optional()])
    annual = SubmitField(_l("Download the annual report"))


# Account administration ------------------------------------------------------------------------
def role_choices() -> list[Any]:
    from hrd_cases.models import Role

    return [choice(r.value, label(r.value)) for r in Role]


class SetPasswordForm(FlaskForm):
    """The holder of an invitation or reset link chooses their own password."""

    password = PasswordField(
        _l("New password (12 to 128 characters)"),
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class AccountScopeForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[DataRequired()])
    delegation = SelectField(_l("Delegation (focal points)"), validators=[Optional()])
    countries = StringField(
        _l("Covered countries (protection officers), e.g. KE, UG"),
        validators=[Optional(), Length(max=400)],
    )


class InviteForm(AccountScopeForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])


class DelegationForm(FlaskForm):
    """Create (with a code) or edit a delegation; the code never changes once created."""

    code = StringField(
        _l("Code (letters, digits and hyphens, e.g. EUDEL-KE)"),
        validators=[Optional(), Length(max=32)],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    country = StringField(
        _l("Country (ISO 3166-1 alpha-2 code, e.g. KE)"),
        validators=[DataRequired(), Length(max=8)],
    )
    time_zone = StringField(
        _l("Time zone (IANA name, e.g. Africa/Nairobi)"),
        validators=[DataRequired(), Length(max=64)],
    )
    observation_partners = StringField(
        _l("Embassies sharing trial observation (EU and Member State codes, e.g. EU, DE, FR)"),
        validators=[Optional(), Length(max=400)],
    )


class ConfirmForm(FlaskForm):
    """A second, deliberate step before an account change (works without JavaScript)."""


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name (what the token is for)"), validators=[DataRequired(), Length(max=80)]
    )
    days = IntegerField(_l("Valid for (days)"), validators=[DataRequired(), NumberRange(min=1)])


# Corrections and notes (issue 16) ------------------------------------------------------------
class DefenderCorrectionForm(FlaskForm):
    """A defender's identity and contacts as they are now, to correct; the name can change,
    never be emptied."""

    name = StringField(_l("Full name"), validators=[DataRequired(), policy("defenders", "name")])
    other_names = StringField(
        _l("Other names (separate with ;)"),
        validators=[Optional(), policy("defenders", "other_names")],
    )
    contact_details = StringField(
        _l("Contact details"), validators=[Optional(), policy("defenders", "contact_details")]
    )
    location = StringField(_l("Location"), validators=[Optional(), policy("defenders", "location")])
    organisation = StringField(
        _l("Organisation"), validators=[Optional(), policy("defenders", "organisation")]
    )
    date_of_birth = StringField(
        _l("Date of birth"), validators=[Optional(), policy("defenders", "date_of_birth")]
    )
    personal_notes = TextAreaField(
        _l("Personal notes"), validators=[Optional(), policy("defenders", "personal_notes")]
    )


class CaseCorrectionForm(FlaskForm):
    risk_level = SelectField(
        _l("Risk level"), choices=_choices(RiskLevel), validators=[DataRequired()]
    )
    profile_categories = CheckboxesField(_l("Profile"), choices=_choices(ProfileCategory))
    threats = CheckboxesField(_l("Threats suffered"), choices=_choices(ThreatType))
    narrative = TextAreaField(
        _l("Narrative"), validators=[Optional(), policy("cases", "narrative")]
    )


class NoteForm(FlaskForm):
    text = TextAreaField(
        _l("Follow-up note"), validators=[DataRequired(), policy("case_notes", "text")]
    )
