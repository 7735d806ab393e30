"""Complaints and snap-and-report: categories and the routing table (data that staff edit), cases and their
append-only event timeline — the single source the clocks and the figures are computed from."""

import hashlib

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints.labels import About, EventKind, Kind, Role, Satisfaction, Severity, Status, Tier


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

    @staticmethod
    def digest(key: str) -> str:
        """The stored form of a key (SHA-256, hex)."""
        return hashlib.sha256(key.encode()).hexdigest()


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
    submitted_at = models.DateTimeField(_("提交时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("投诉与报事")
        verbose_name_plural = _("投诉与报事")
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["compound", "status"], name="complaint_compound_status"),
            models.Index(fields=["complainant", "-submitted_at"], name="complaint_mine"),
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
