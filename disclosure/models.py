"""Disclosure records (信息公开): what a compound's serving firm publishes for its owners — fee standards, service
items, monthly operating statements, the maintenance-fund account, contracts, self-governance information and
regulators. A record is a draft until published; a published record never changes (PostgreSQL refuses it, see
migration 0001): a mistake is fixed by a correction that supersedes it, naming why.

The content is validated JSON (disclosure.content); an operating statement's lines are also a table, so figures
(income and expense by month and category) are SQL."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disclosure.labels import Direction, FeeUse, Kind, LineCategory, Status

MONEY = {"max_digits": 14, "decimal_places": 2}
PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class Disclosure(models.Model):
    """One version of one disclosed record of a compound."""

    compound = models.ForeignKey(
        "registry.Compound", verbose_name=_("小区"), on_delete=models.PROTECT, related_name="disclosures"
    )
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    period = models.CharField(_("所属月份"), max_length=7, blank=True, default="", help_text="YYYY-MM")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    content = models.JSONField(_("内容"), default=dict)
    # Balances of the kinds that roll forward (operating statements, the maintenance fund), for SQL.
    opening_balance = models.DecimalField(_("期初余额"), null=True, blank=True, **MONEY)
    closing_balance = models.DecimalField(_("期末余额"), null=True, blank=True, **MONEY)
    firm = models.ForeignKey(
        "registry.Firm",
        verbose_name=_("物业服务企业"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("公布人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    content_hash = models.CharField(_("内容摘要"), max_length=71, blank=True, default="")
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("更正的记录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    reason = models.TextField(_("更正原因"), blank=True, default="")

    class Meta:
        verbose_name = _("公开记录")
        verbose_name_plural = _("公开记录")
        ordering = ("compound_id", "kind", "-period", "-pk")
        indexes = [models.Index(fields=["compound", "kind", "period"], name="disclosure_cmp_kind_period")]
        constraints = [
            models.CheckConstraint(
                condition=Q(period="") | Q(period__regex=PERIOD_PATTERN), name="disclosure_period_format"
            ),
            models.CheckConstraint(
                condition=Q(status=Status.DRAFT)
                | (Q(published_at__isnull=False) & Q(content_hash__startswith="sha256:")),
                name="disclosure_published_is_stamped",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(reason=""), name="disclosure_correction_has_reason"
            ),
            # One current published record per compound, kind and month.
            models.UniqueConstraint(
                fields=["compound", "kind", "period"],
                condition=Q(status=Status.PUBLISHED) & ~Q(period=""),
                name="disclosure_one_published_per_period",
            ),
            # A record is superseded by one published correction at most.
            models.UniqueConstraint(
                fields=["supersedes"],
                condition=~Q(status=Status.DRAFT) & Q(supersedes__isnull=False),
                name="disclosure_one_published_correction",
            ),
        ]

    def __str__(self) -> str:
        label = Kind(self.kind).label
        return f"{label} {self.period}".strip() + f"（#{self.pk}）"

    @property
    def is_published(self) -> bool:
        return self.status != Status.DRAFT


class StatementLine(models.Model):
    """One line of a monthly operating statement (mirrors the content's `lines`; SQL reads these)."""

    disclosure = models.ForeignKey(
        Disclosure, verbose_name=_("公开记录"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    direction = models.CharField(_("收支"), max_length=8, choices=Direction.choices)
    category = models.CharField(_("项目"), max_length=16, choices=LineCategory.choices)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    summary = models.CharField(_("摘要"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("收支明细")
        verbose_name_plural = _("收支明细")
        ordering = ("disclosure_id", "position")
        constraints = [
            models.UniqueConstraint(fields=["disclosure", "position"], name="disclosure_line_position"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="disclosure_line_amount_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{Direction(self.direction).label} {LineCategory(self.category).label} {self.amount}"


class FeeCap(models.Model):
    """The government guidance cap (政府指导价上限) for a use and service grade, in yuan per m² per month."""

    use = models.CharField(_("用途"), max_length=16, choices=FeeUse.choices)
    grade = models.CharField(_("服务等级"), max_length=16)
    cap = models.DecimalField(_("上限（元/㎡·月）"), max_digits=8, decimal_places=2)
    note = models.CharField(_("依据"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("政府指导价上限")
        verbose_name_plural = _("政府指导价上限")
        ordering = ("use", "grade")
        constraints = [
            models.UniqueConstraint(fields=["use", "grade"], name="disclosure_feecap_use_grade"),
            models.CheckConstraint(condition=Q(cap__gte=0), name="disclosure_feecap_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{FeeUse(self.use).label} {self.grade} ≤ {self.cap}"


class Cosign(models.Model):
    """A member of the compound's current owners' committee co-signs a record (会签)."""

    disclosure = models.ForeignKey(
        Disclosure, verbose_name=_("公开记录"), on_delete=models.CASCADE, related_name="cosigns"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("会签人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("会签时间"), default=timezone.now)

    class Meta:
        verbose_name = _("业委会会签")
        verbose_name_plural = _("业委会会签")
        constraints = [models.UniqueConstraint(fields=["disclosure", "user"], name="disclosure_cosign_once")]

    def __str__(self) -> str:
        return f"#{self.disclosure_id} · {self.user_id}"


class OverdueFlag(models.Model):
    """A compound's monthly operating statement not published by its due day (flagged once)."""

    compound = models.ForeignKey(
        "registry.Compound", verbose_name=_("小区"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("所属月份"), max_length=7)
    due_on = models.DateField(_("应公布日期"))
    flagged_at = models.DateTimeField(_("标记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("逾期未公开")
        verbose_name_plural = _("逾期未公开")
        ordering = ("-period", "compound_id")
        constraints = [models.UniqueConstraint(fields=["compound", "period"], name="disclosure_overdue_once")]

    def __str__(self) -> str:
        return f"{self.compound_id} {self.period}"


__all__ = ["Cosign", "Disclosure", "FeeCap", "FeeUse", "OverdueFlag", "StatementLine"]
