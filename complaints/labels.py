"""The one vocabulary of complaint labels: kinds, about, severities, tiers, states, roles, ratings. The API,
the pages and the admin read them from here (Chinese; English in locale/)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    SNAP = "snap", _("随手拍")
    REPAIR = "repair", _("报修")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


class About(models.TextChoices):
    FIRM = "firm", _("物业服务企业或其人员")
    COMMITTEE = "committee", _("业主委员会成员")
    OTHER = "other", _("其他")


class Severity(models.TextChoices):
    MINOR = "minor", _("小事")
    GENERAL = "general", _("一般事")
    MAJOR = "major", _("大事")


class Tier(models.TextChoices):
    """Who handles it: 小事找管家、一般事找业委会、大事找街道 (ordered: a tier is raised, never lowered)."""

    BUTLER = "butler", _("物业管家")
    COMMITTEE = "committee", _("业主委员会")
    STREET = "street", _("街道（社区）")


TIER_ORDER = [Tier.BUTLER, Tier.COMMITTEE, Tier.STREET]


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    IN_PROGRESS = "in_progress", _("处理中")
    WAITING = "waiting_complainant", _("等待投诉人")
    RETURNED = "returned", _("已退单")
    RESOLVED = "resolved", _("已办结待核查")
    VERIFIED = "verified", _("已核查待评价")
    CLOSED = "closed", _("已结案")
    CLOSED_UNRATED = "closed_unrated", _("已结案（未评价）")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")
    CANCELLED = "cancelled", _("已撤回")


OPEN_STATES = {
    Status.SUBMITTED,
    Status.ACCEPTED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.WAITING,
    Status.RETURNED,
    Status.RESOLVED,
    Status.VERIFIED,
}


class Role(models.TextChoices):
    COMPLAINANT = "complainant", _("投诉人")
    FIRM = "firm", _("物业管家")
    COMMITTEE = "committee", _("业主委员会")
    OFFICIAL = "official", _("街道工作人员")
    SYSTEM = "system", _("系统")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class EventKind(models.TextChoices):
    FILED = "filed", _("提交")
    TRANSITION = "transition", _("状态变更")
    ESCALATION = "escalation", _("升级督办")
    RATING = "rating", _("评价")
    MODERATED = "moderated", _("公开审核")  # a snap-report shown to (or withdrawn from) the public
