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
    EXTENSION = "extension", _("延期")
    RETURN_VISIT = "return_visit", _("回访")


class ClockKind(models.TextChoices):
    """The 2341 clocks (Jinan): respond 20 min, plan 30 min, written reply 4 h (major), resolve 1 day; then
    verify 1 working day and the return visit 2 working days. All start at submission."""

    RESPOND = "respond", _("响应")
    PLAN = "plan", _("方案")
    WRITTEN_REPLY = "written_reply", _("书面答复")
    RESOLVE = "resolve", _("解决")
    VERIFY = "verify", _("核查")
    RETURN_VISIT = "return_visit", _("回访")


class ClockUnit(models.TextChoices):
    WALL = "wall", _("分钟（自然时间）")
    WORKING_DAYS = "working_days", _("工作日")


class ClockLevel(models.TextChoices):
    OK = "ok", _("正常")
    WARN50 = "warn50", _("已过半")
    WARN80 = "warn80", _("即将超时")
    BREACHED = "breached", _("已超时")


# The button of each move on the case pages (the target state's label names the result, this the act).
MOVE_LABELS = {
    Status.SUBMITTED: _("申诉"),  # rejected → submitted, one tier up
    Status.ACCEPTED: _("受理"),
    Status.DISPATCHED: _("派单"),
    Status.IN_PROGRESS: _("开始处理"),
    Status.WAITING: _("等待投诉人补充"),
    Status.RETURNED: _("退单"),
    Status.RESOLVED: _("办结"),
    Status.VERIFIED: _("核查通过"),
    Status.REJECTED: _("不予受理"),
    Status.MERGED: _("合并为重复案件"),
    Status.CANCELLED: _("撤回"),
}
# Moves back along the way, named by where they start.
MOVE_LABELS_FROM = {
    (Status.RESOLVED, Status.IN_PROGRESS): _("核查不通过，退回重办"),
    (Status.CLOSED, Status.IN_PROGRESS): _("要求返工"),
    (Status.WAITING, Status.IN_PROGRESS): _("已补充，恢复处理"),
}


def move_label(*, source: str, target: str) -> str:
    """The button that moves a case from `source` to `target`."""
    return str(MOVE_LABELS_FROM.get((source, target)) or MOVE_LABELS.get(target) or Status(target).label)


# What choosing each party complained about means, in the owner's words (the filing form).
ABOUT_HELP = {
    About.OTHER: _("按问题类别分派：小事找管家、一般事找业委会、大事找街道。"),
    About.FIRM: _("投诉物业服务企业或其工作人员：不经物业，由业主委员会或街道处理，物业看不到这件投诉。"),
    About.COMMITTEE: _("投诉业主委员会成员：直接交街道（社区）处理，业主委员会看不到这件投诉。"),
}


class FigureRate(models.TextChoices):
    """The rates of the monthly figures (complaints.figures), each a numerator over a denominator."""

    RESPONSE = "response", _("响应及时率")
    ON_TIME_RESOLUTION = "on_time_resolution", _("按时办结率")
    SOLVED = "solved", _("问题解决率")
    SATISFACTION = "satisfaction", _("满意率")
    RETURN_VISIT = "return_visit", _("回访率")
    BREACHES = "breaches", _("超时率")


# What each rate divides (shown under the figures, and in the export).
FIGURE_RATE_BASIS = {
    FigureRate.RESPONSE: _("响应时限内答复的案件 / 响应时限已停止的案件"),
    FigureRate.ON_TIME_RESOLUTION: _("解决时限内办结的案件 / 解决时限已停止的案件"),
    FigureRate.SOLVED: _("评价为已解决 / 已评价"),
    FigureRate.SATISFACTION: _("满意（含基本满意，视设置）/ 已评价"),
    FigureRate.RETURN_VISIT: _("已回访的结案案件 / 结案案件"),
    FigureRate.BREACHES: _("超时的时限 / 全部时限"),
}
