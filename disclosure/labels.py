"""One vocabulary of labels for disclosure (信息公开): kinds of record, their states, the lines of a monthly
operating statement, fee uses and grades, and maintenance-fund movements."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    OPERATING_STATEMENT = "operating_statement", _("经营性收支")
    FEE_STANDARD = "fee_standard", _("收费标准")
    SERVICE_ITEMS = "service_items", _("服务事项")
    MAINTENANCE_FUND = "maintenance_fund", _("专项维修资金")
    CONTRACT = "contract", _("合同、招标公示")
    SELF_GOVERNANCE = "self_governance", _("业主自治信息")
    REGULATORS = "regulators", _("部门监管职责和投诉电话")


# Kinds disclosed month by month (a period YYYY-MM is required; one published record per compound and month).
PERIODIC_KINDS = (Kind.OPERATING_STATEMENT, Kind.MAINTENANCE_FUND)
# Kinds whose balance rolls forward: this month's opening is the last published closing.
ROLLING_KINDS = (Kind.OPERATING_STATEMENT, Kind.MAINTENANCE_FUND)


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已公布")
    SUPERSEDED = "superseded", _("已被更正")


class Direction(models.TextChoices):
    INCOME = "income", _("收入")
    EXPENSE = "expense", _("支出")


class LineCategory(models.TextChoices):
    ADVERTISING = "advertising", _("广告")
    PARKING = "parking", _("停车")
    VENUE_RENTAL = "venue_rental", _("场地租赁")
    LOCKERS = "lockers", _("快递柜")
    CHARGING_PILES = "charging_piles", _("充电桩")
    OTHER = "other", _("其他")


class FeeUse(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅")
    COMMERCIAL = "commercial", _("商业")
    PARKING = "parking", _("车位")


class FeeBasis(models.TextChoices):
    CONTRACT = "contract", _("物业服务合同")
    GUIDANCE = "guidance", _("政府指导价")
    ASSEMBLY = "assembly", _("业主大会决定")


class FundMovement(models.TextChoices):
    DEPOSIT = "deposit", _("缴存")
    INTEREST = "interest", _("利息")
    USE = "use", _("使用")
