"""ORM models, one module per aggregate. Importing this package registers every table
on ``Base.metadata`` (Alembic and the tests rely on that)."""

from hrd_cases.models.access import (
    AccountLink,
    ApiToken,
    InstanceFlag,
    RecoveryCode,
    UserSession,
)
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
from hrd_cases.models.attachment import Attachment, AttachmentChunk
from hrd_cases.models.audit import AuditChainHead, AuditCheckpoint, AuditEntry
from hrd_cases.models.case import (
    Case,
    CaseDefender,
    CaseProfileCategory,
    CaseReferenceCounter,
    CaseThreat,
)
from hrd_cases.models.defender import Defender, DefenderNameToken
from hrd_cases.models.history import CaseNote, FieldVersion
from hrd_cases.models.keys import DataKey, KekRetirement
from hrd_cases.models.notification import (
    Delivery,
    EmailState,
    Notification,
    NotificationEvent,
    NotificationPreference,
    OutboxMessage,
    OutboxState,
)
from hrd_cases.models.release import QuarterlyRelease, ReleaseFile
from hrd_cases.models.security_key import OidcIdentity, SecurityKey
from hrd_cases.models.user import (
    Delegation,
    DelegationObservationPartner,
    Role,
    User,
    UserCountry,
)

__all__ = [
    "AccountLink",
    "ApiToken",
    "Attachment",
    "AttachmentChunk",
    "AuditChainHead",
    "AuditCheckpoint",
    "AuditEntry",
    "Case",
    "CaseDefender",
    "CaseNote",
    "CaseProfileCategory",
    "CaseReferenceCounter",
    "CaseThreat",
    "Consent",
    "ConsentScopeGrant",
    "DataKey",
    "Defender",
    "DefenderNameToken",
    "Delegation",
    "DelegationObservationPartner",
    "Delivery",
    "EmailState",
    "FieldVersion",
    "Hearing",
    "HearingObserver",
    "InstanceFlag",
    "KekRetirement",
    "Notification",
    "NotificationEvent",
    "NotificationPreference",
    "OidcIdentity",
    "OutboxMessage",
    "OutboxState",
    "QuarterlyRelease",
    "RecoveryCode",
    "Referral",
    "ReferralAssistance",
    "ReferralDecision",
    "ReleaseFile",
    "Role",
    "SecurityKey",
    "Statement",
    "StatementDecision",
    "TimelineEvent",
    "User",
    "UserCountry",
    "UserSession",
]
