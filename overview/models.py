"""The overview's figures (一图总览): one row per compound, refreshed from the registry, voting, complaints,
disclosure and party building by one set-based statement (overview.services.figures_refresh, Celery beat every
few minutes). A region's figures are sums of its compounds' rows (numerators and denominators, never averaged
percentages); complaints' monthly figures come from complaints' own figure cells, kept by a trigger."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CompoundFigure(models.Model):
    compound = models.OneToOneField(
        "registry.Compound",
        verbose_name=_("小区"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="figure",
    )
    units = models.IntegerField(_("房屋"), default=0)
    area = models.DecimalField(_("面积（㎡）"), max_digits=14, decimal_places=2, default=0)
    units_registered = models.IntegerField(_("已注册业主的房屋"), default=0)
    committee_until = models.DateField(_("业委会任期至"), null=True, blank=True)
    assemblies_held = models.IntegerField(_("已公布结果的业主大会"), default=0)
    heads_participating = models.IntegerField(_("参与表决人数"), default=0)
    heads_total = models.IntegerField(_("业主总人数"), default=0)
    motions_adopted = models.IntegerField(_("通过的事项"), default=0)
    motions_decided = models.IntegerField(_("表决的事项"), default=0)
    last_assembly_at = models.DateTimeField(_("最近一次业主大会"), null=True, blank=True)
    equipment = models.IntegerField(_("设施设备"), default=0)
    equipment_overdue = models.IntegerField(_("维保逾期设备"), default=0)
    complaints_open = models.IntegerField(_("未办结投诉"), default=0)
    # last month's operating statement (disclosure): due when a firm serves the compound; on time or late once
    # published (neither: missing after the due day, pending before it)
    disclosure_due = models.IntegerField(_("上月应公开经营收支"), default=0)
    disclosure_on_time = models.IntegerField(_("上月按时公开"), default=0)
    disclosure_late = models.IntegerField(_("上月逾期公开"), default=0)
    # party building: a compound branch, a project branch, the committee in office's seats and party seats
    party_branch = models.BooleanField(_("小区党支部"), default=False)
    project_branch = models.BooleanField(_("项目党支部"), default=False)
    committee_seats = models.IntegerField(_("业委会委员"), default=0)
    committee_party_seats = models.IntegerField(_("业委会中的党员"), default=0)
    refreshed_at = models.DateTimeField(_("刷新时间"))

    class Meta:
        verbose_name = _("小区总览数据")
        verbose_name_plural = _("小区总览数据")

    def __str__(self) -> str:
        return str(self.compound_id)
