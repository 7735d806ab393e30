"""Complaints and snap-and-report: categories and the routing table (data that staff edit), cases and their
append-only event timeline — the single source the clocks and the figures are computed from."""

import hashlib

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints.labels import (
    OPEN_STATES,
    About,
    ClockKind,
    ClockLevel,
    ClockUnit,
    EventKind,
    Kind,
    Role,
    Satisfaction,
    Severity,
    Status,
    Tier,
)

# The states of a handler's queue (complaints.selectors.complaint_queue) — every open state but `verified`, the
# complainant's turn (the rating) — here for the queue's partial index.
QUEUE_STATES = sorted(OPEN_STATES - {Status.VERIFIED})


class Category(models.Model):
    """A complaint category; its code is also Open311's `service_code`."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    kinds = ArrayField(models.CharField(max_length=16, choices=Kind.choices), verbose_name=_("适用类型"))
    default_severity = models.CharField(
        _("默认严重程度"), max_length=16, choices=Severity.choices, default=Severity.MINOR
    )
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("投诉类别")
        verbose_name_plural = _("投诉类别")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Category × severity → the tier that handles it first (dispatchers may raise it, never lower it)."""

    category = models.ForeignKey(
        Category, verbose_name=_("类别"), on_delete=models.CASCADE, related_name="routes"
    )
    severity = models.CharField(_("严重程度"), max_length=16, choices=Severity.choices)
    tier = models.CharField(_("首办层级"), max_length=16, choices=Tier.choices)

    class Meta:
        verbose_name = _("分派规则")
        verbose_name_plural = _("分派规则")
        ordering = ["category__position", "category__code", "severity"]
        constraints = [models.UniqueConstraint(fields=["category", "severity"], name="routing_rule_once")]

    def __str__(self) -> str:
        return f"{self.category} · {self.get_severity_display()} → {self.get_tier_display()}"


class Complaint(models.Model):
    """One case. Its state changes only through complaints.services, each with an event in the timeline."""

    compound = models.ForeignKey(
        "registry.Compound", verbose_name=_("小区"), on_delete=models.PROTECT, related_name="complaints"
    )
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("投诉人"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    category = models.ForeignKey(Category, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="+")
    about = models.CharField(_("投诉对象"), max_length=16, choices=About.choices, default=About.OTHER)
    severity = models.CharField(_("严重程度"), max_length=16, choices=Severity.choices)
    first_tier = models.CharField(_("首办层级"), max_length=16, choices=Tier.choices)
    tier = models.CharField(_("当前层级"), max_length=16, choices=Tier.choices)
    status = models.CharField(_("状态"), max_length=24, choices=Status.choices, default=Status.SUBMITTED)
    description = models.TextField(_("描述"), max_length=2000)
    unit = models.ForeignKey(
        "registry.Unit",
        verbose_name=_("房屋"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    building = models.ForeignKey(
        "registry.Building",
        verbose_name=_("楼栋"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    area = models.CharField(_("公共区域"), max_length=64, blank=True)
    equipment = models.ForeignKey(
        "registry.Equipment",
        verbose_name=_("设施设备"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    allow_home_visit = models.BooleanField(_("允许上门"), default=False)
    round = models.PositiveSmallIntegerField(_("处理轮次"), default=1)
    bounces = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并到"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Moderated by the street office: only published snap-reports about public areas are shown (Open311 GET).
    public = models.BooleanField(_("已公开"), default=False)
    satisfaction = models.CharField(_("满意度"), max_length=24, choices=Satisfaction.choices, blank=True)
    solved = models.BooleanField(_("问题已解决"), null=True, blank=True)
    # The case's figures as of its last change, kept by complaints.services (clocks_refresh, escalations, return
    # visits) so that the month roll-up reads case rows only (complaints.figures); null: the clock still runs.
    respond_met = models.BooleanField(_("响应按时"), null=True, blank=True)
    resolve_met = models.BooleanField(_("解决按时"), null=True, blank=True)
    clocks_breached = models.PositiveSmallIntegerField(_("超时时限数"), default=0)
    clocks_total = models.PositiveSmallIntegerField(_("时限数"), default=0)
    escalations = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    visited = models.BooleanField(_("已回访"), default=False)
    # The soonest due time of its running clocks (null: none runs): the handlers' queues sort by it.
    next_due = models.DateTimeField(_("最近截止"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("投诉与报事")
        verbose_name_plural = _("投诉与报事")
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["compound", "status"], name="complaint_compound_status"),
            models.Index(fields=["complainant", "-submitted_at"], name="complaint_mine"),
            # the handlers' queues (complaints.selectors.complaint_queue): open cases by compound and tier
            models.Index(
                fields=["compound", "tier"], name="complaint_queue", condition=Q(status__in=QUEUE_STATES)
            ),
            models.Index(fields=["-submitted_at"], condition=Q(public=True), name="complaint_public"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(status=Status.MERGED),
                name="complaint_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(about=About.FIRM) | ~Q(tier=Tier.BUTLER), name="complaint_about_firm_skips_firm"
            ),
            models.CheckConstraint(
                condition=~Q(about=About.COMMITTEE) | Q(tier=Tier.STREET),
                name="complaint_about_committee_goes_to_street",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category}"


class ComplaintEvent(models.Model):
    """One entry of a case's timeline. Append-only (a trigger refuses UPDATE and DELETE)."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    role = models.CharField(_("身份"), max_length=16, choices=Role.choices)
    kind = models.CharField(_("事件"), max_length=16, choices=EventKind.choices)
    from_status = models.CharField(_("原状态"), max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=24, choices=Status.choices, blank=True)
    tier = models.CharField(_("层级"), max_length=16, choices=Tier.choices)
    public = models.BooleanField(_("投诉人可见"), default=True)
    text = models.TextField(_("说明"), blank=True, max_length=2000)
    data = models.JSONField(_("数据"), default=dict, blank=True)  # a rating's satisfaction, solved and round

    class Meta:
        verbose_name = _("案件记录")
        verbose_name_plural = _("案件记录")
        ordering = ["complaint", "at", "pk"]
        indexes = [models.Index(fields=["complaint", "at"], name="complaint_event_timeline")]

    def __str__(self) -> str:
        return f"#{self.complaint_id} {self.get_kind_display()}"


class ClockPolicy(models.Model):
    """How long one clock runs for cases of a category × severity × tier (empty: any). Versioned by
    `valid_from`: a case keeps the rows in force when it was filed (its clocks point at them)."""

    kind = models.CharField(_("时限"), max_length=16, choices=ClockKind.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    severity = models.CharField(_("严重程度"), max_length=16, choices=Severity.choices, blank=True)
    tier = models.CharField(_("层级"), max_length=16, choices=Tier.choices, blank=True)
    unit = models.CharField(_("单位"), max_length=16, choices=ClockUnit.choices)
    amount = models.PositiveIntegerField(_("时长"))
    valid_from = models.DateTimeField(_("生效时间"))
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("时限标准")
        verbose_name_plural = _("时限标准")
        ordering = ["kind", "-valid_from"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="clock_policy_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.get_unit_display()}"


class Clock(models.Model):
    """One clock of a case, as computed from its timeline, its policy row, extensions and the working-day
    calendar (complaints.services.clocks). `met` and `level` are frozen once the clock stops."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="clocks"
    )
    kind = models.CharField(_("时限"), max_length=16, choices=ClockKind.choices)
    policy = models.ForeignKey(
        ClockPolicy, verbose_name=_("时限标准"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("起算时间"))
    due_at = models.DateTimeField(_("截止时间"))
    stopped_at = models.DateTimeField(_("停止时间"), null=True, blank=True)
    met = models.BooleanField(_("按时"), null=True, blank=True)
    level = models.CharField(_("状态"), max_length=16, choices=ClockLevel.choices, default=ClockLevel.OK)
    overdue_periods = models.PositiveSmallIntegerField(_("超时周期数"), default=0)
    check_at = models.DateTimeField(_("下次检查"), null=True, blank=True)  # when the level may change next

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        ordering = ["complaint", "due_at"]
        constraints = [models.UniqueConstraint(fields=["complaint", "kind"], name="clock_once_per_case")]
        indexes = [
            models.Index(fields=["check_at"], name="clock_to_check", condition=Q(stopped_at__isnull=True)),
            # a queued case's soonest running clock
            models.Index(
                fields=["complaint", "due_at"], name="clock_running_due", condition=Q(stopped_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.complaint_id} {self.get_kind_display()}"


class ClockExtension(models.Model):
    """More time on one clock, granted by a supervisor (the street office) with a reason. Append-only."""

    clock = models.ForeignKey(
        Clock, verbose_name=_("时限"), on_delete=models.CASCADE, related_name="extensions"
    )
    minutes = models.PositiveIntegerField(_("延长分钟"), default=0)
    working_days = models.PositiveSmallIntegerField(_("延长工作日"), default=0)
    reason = models.TextField(_("理由"), max_length=500)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("批准人"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("批准时间"))

    class Meta:
        verbose_name = _("延期")
        verbose_name_plural = _("延期")
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gt=0) | Q(working_days__gt=0), name="clock_extension_adds_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.clock} +{self.minutes or self.working_days}"


class ComplaintPhoto(models.Model):
    """A photo filed with a case (registry's one photo pipeline stores it once by content hash); served only
    to those who may see the case."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="photos"
    )
    photo = models.ForeignKey(
        "registry.Photo", verbose_name=_("照片"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("序号"))

    class Meta:
        verbose_name = _("案件照片")
        verbose_name_plural = _("案件照片")
        ordering = ["complaint", "position"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "position"], name="complaint_photo_position"),
            models.UniqueConstraint(fields=["complaint", "photo"], name="complaint_photo_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.complaint_id} {self.position}"


class Open311Key(models.Model):
    """An Open311 `api_key`: POSTed requests are filed as `user`. Only the key's SHA-256 is stored."""

    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    name = models.CharField(_("名称"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交账号"),
        on_delete=models.PROTECT,
        related_name="open311_keys",
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 密钥")
        verbose_name_plural = _("Open311 密钥")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def digest(key: str) -> str:
        """The stored form of a key (SHA-256, hex)."""
        return hashlib.sha256(key.encode()).hexdigest()


class ComplaintMonthFigure(models.Model):
    """The month-close snapshot of one compound or one region (complaints.figures): the month's cases as they
    stood at the close, the adjustments (changes since the previous close to cases of earlier months), and the
    cumulative base the next close measures its adjustments from. Written once; a trigger refuses UPDATE and
    DELETE."""

    month = models.DateField(_("月份"))  # the first of the month
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("行政区划"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    compound = models.ForeignKey(
        "registry.Compound", verbose_name=_("小区"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    figures = models.JSONField(_("当月数据"), default=dict)
    adjustments = models.JSONField(_("往月调整"), default=dict)
    cumulative = models.JSONField(_("累计基数"), default=dict)
    computed_at = models.DateTimeField(_("结算时间"))

    class Meta:
        verbose_name = _("月度统计快照")
        verbose_name_plural = _("月度统计快照")
        ordering = ["-month", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=True, compound__isnull=False)
                | Q(region__isnull=False, compound__isnull=True),
                name="month_figure_region_or_compound",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="month_figure_first_of_month"),
            models.UniqueConstraint(
                fields=["month", "region"], name="month_figure_region_once", condition=Q(region__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["month", "compound"],
                name="month_figure_compound_once",
                condition=Q(compound__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_id or self.compound_id}"


class FigureCell(models.Model):
    """The running counters of one compound's cases submitted in one Beijing-time month: the total (`dim` "")
    and one cell per kind, category (its id), first tier and severity. A trigger on complaints_complaint keeps
    them (migration 0013: every insert, delete or change of a counted column subtracts the row's old share and
    adds its new one, in the writing transaction), so the month roll-up reads some thirty cells per compound
    instead of every case. `complaints.services.figures.figure_cells_rebuild` recomputes them from the cases.
    """

    compound = models.ForeignKey(
        "registry.Compound", verbose_name=_("小区"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("月份"))
    dim = models.CharField(_("维度"), max_length=16, blank=True)
    value = models.CharField(_("取值"), max_length=64, blank=True)
    cases = models.BigIntegerField(default=0)
    rejected = models.BigIntegerField(default=0)
    merged = models.BigIntegerField(default=0)
    cancelled = models.BigIntegerField(default=0)
    reopened = models.BigIntegerField(default=0)
    escalations = models.BigIntegerField(default=0)
    respond_met = models.BigIntegerField(default=0)
    respond_stopped = models.BigIntegerField(default=0)
    resolve_met = models.BigIntegerField(default=0)
    resolve_stopped = models.BigIntegerField(default=0)
    solved = models.BigIntegerField(default=0)
    rated = models.BigIntegerField(default=0)
    rated_satisfied = models.BigIntegerField(default=0)
    rated_basically = models.BigIntegerField(default=0)
    rated_unsatisfied = models.BigIntegerField(default=0)
    closed_visited = models.BigIntegerField(default=0)
    closed = models.BigIntegerField(default=0)
    clocks_breached = models.BigIntegerField(default=0)
    clocks_total = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("月度统计累计格")
        verbose_name_plural = _("月度统计累计格")
        constraints = [
            models.UniqueConstraint(fields=["compound", "month", "dim", "value"], name="figure_cell_once"),
        ]
        indexes = [
            models.Index(fields=["month"], name="figure_cell_month"),
            # the totals alone (one cell per compound and month): the overview's pages and trends
            models.Index(fields=["month", "compound"], name="figure_cell_totals", condition=Q(dim="")),
        ]

    def __str__(self) -> str:
        return f"{self.compound_id} {self.month:%Y-%m} {self.dim}={self.value}"
