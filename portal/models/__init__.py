"""All models, imported in one place so Alembic and the app see the same metadata."""
from portal.models.agency import AGENCY_KINDS, UNIT_TYPES, Agency, AssessmentCycle
from portal.models.criteria import (
    KINDS,
    LEVELS,
    Category,
    ChecklistItem,
    MetricGroup,
    Question,
    ResultDimension,
    SubItem,
)
from portal.models.assessment import (
    FINDING_KINDS,
    JUDGED_LEVELS,
    AssessmentAssignment,
    AssessmentState,
    Finding,
    GoodPractice,
    ImprovementPlanEntry,
    Judgement,
)
from portal.models.answer import Answer, AnswerCitation, AnswerRevision, ItemStatement, SubItemClaim
from portal.models.audit import AuditEvent
from portal.models.evidence import Evidence, EvidenceAttachment, EvidencePage, FileVersion
from portal.models.outbox import EFFECT_KINDS, OutboxEffect
from portal.models.rate_limit import RateLimitCounter
from portal.models.search import SearchPage
from portal.models.results import ResultMetric, ResultMetricEvidence
from portal.models.review import (
    REVIEW_STATUSES,
    THREAD_VISIBILITIES,
    Comment,
    CommentThread,
    ItemReview,
    ThreadRead,
)
from portal.models.submission import Submission
from portal.models.user import AGENCY_SCOPED_ROLES, ROLES, RoleGrant, User

__all__ = [
    "AGENCY_KINDS", "UNIT_TYPES", "Agency", "AssessmentCycle",
    "KINDS", "LEVELS", "Category", "ChecklistItem", "MetricGroup", "Question",
    "ResultDimension", "SubItem", "AGENCY_SCOPED_ROLES", "ROLES", "RoleGrant", "User",
    "AuditEvent", "Evidence", "EvidenceAttachment", "EvidencePage", "FileVersion",
    "ResultMetric", "ResultMetricEvidence", "REVIEW_STATUSES", "THREAD_VISIBILITIES",
    "Comment", "CommentThread", "ItemReview", "ThreadRead", "RateLimitCounter", "EFFECT_KINDS", "OutboxEffect",
    "Answer", "AnswerCitation", "AnswerRevision", "ItemStatement", "SubItemClaim", "Submission",
    "FINDING_KINDS", "JUDGED_LEVELS", "AssessmentAssignment", "AssessmentState", "Finding", "GoodPractice",
    "ImprovementPlanEntry", "Judgement", "SearchPage",
]
