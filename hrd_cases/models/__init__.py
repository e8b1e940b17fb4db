"""ORM models, one module per aggregate. Importing this package registers every table
on ``Base.metadata`` (Alembic and the tests rely on that)."""

from hrd_cases.models.access import ApiToken, InstanceFlag, RecoveryCode, UserSession
from hrd_cases.models.action import (
    Consent,
    ConsentScopeGrant,
    Hearing,
    HearingObserver,
    Referral,
    ReferralAssistance,
    ReferralDecision,
    Statement,
    StatementDecision,
    TimelineEvent,
)
from hrd_cases.models.audit import AuditChainHead, AuditEntry
from hrd_cases.models.case import (
    Case,
    CaseDefender,
    CaseProfileCategory,
    CaseReferenceCounter,
    CaseThreat,
)
from hrd_cases.models.defender import Defender, DefenderNameToken
from hrd_cases.models.keys import DataKey
from hrd_cases.models.release import QuarterlyRelease, ReleaseFile
from hrd_cases.models.user import Delegation, Role, User, UserCountry

__all__ = [
    "ApiToken",
    "AuditChainHead",
    "AuditEntry",
    "Case",
    "CaseDefender",
    "CaseProfileCategory",
    "CaseReferenceCounter",
    "CaseThreat",
    "Consent",
    "ConsentScopeGrant",
    "DataKey",
    "Defender",
    "DefenderNameToken",
    "Delegation",
    "Hearing",
    "HearingObserver",
    "InstanceFlag",
    "QuarterlyRelease",
    "RecoveryCode",
    "Referral",
    "ReferralAssistance",
    "ReferralDecision",
    "ReleaseFile",
    "Role",
    "Statement",
    "StatementDecision",
    "TimelineEvent",
    "User",
    "UserCountry",
    "UserSession",
]
