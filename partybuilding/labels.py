"""The one vocabulary of party-building labels: kinds of organisation, bodies of a post, what a volunteer shows,
the states of a task, the roles of a requester and of a meeting's participants, shortfalls of coverage. The API,
the pages and the admin read them from here (Chinese; English in locale/)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    INDUSTRY_COMMITTEE = "industry_committee", _("物业行业党委")
    STREET_ALLIANCE = "street_alliance", _("街道红色物业联盟")
    COMMUNITY_COMMITTEE = "community_committee", _("社区党委")
    FIRM_ORGANISATION = "firm_organisation", _("物业企业党组织")
    PROJECT_BRANCH = "project_branch", _("项目党支部")
    COMPOUND_BRANCH = "compound_branch", _("小区党支部")
    BUILDING_GROUP = "building_group", _("楼栋党小组")


class Covers(models.TextChoices):
    """What an organisation is attached to (exactly one)."""

    FIRM = "firm", _("物业企业")
    COMPOUND = "compound", _("小区")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")


class PostBody(models.TextChoices):
    """Where a member holds a post (交叉任职)."""

    COMMITTEE = "committee", _("业主委员会")
    FIRM = "firm", _("物业企业")
    COMMUNITY = "community", _("社区")


class ShowField(models.TextChoices):
    """What owners may see of a volunteer — never a phone number."""

    NAME = "name", _("姓名")
    BUILDING = "building", _("楼栋")
    SKILLS = "skills", _("特长")
    POST = "post", _("职务")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待认领")
    CLAIMED = "claimed", _("已认领")
    COMPLETED = "completed", _("已完成")
    CONFIRMED = "confirmed", _("已确认")


class RequesterRole(models.TextChoices):
    """In which capacity a task was posted."""

    OWNER = "owner", _("业主")
    COMMITTEE = "committee", _("业主委员会")
    COMMUNITY = "community", _("社区")


class ParticipantSide(models.TextChoices):
    """The parties of a joint meeting (红色议事厅)."""

    COMMUNITY = "community", _("社区")
    COMMITTEE = "committee", _("业主委员会")
    FIRM = "firm", _("物业企业")
    RESIDENTS = "residents", _("居民代表")
    POLICE = "police", _("社区民警")
    OTHER = "other", _("其他")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("跟进中")
    DONE = "done", _("已办结")


class Shortfall(models.TextChoices):
    """What a compound, firm or project lacks in the coverage figures."""

    FIRM_WITHOUT_ORGANISATION = "firm_without_organisation", _("物业企业未建党组织")
    PROJECT_WITHOUT_BRANCH = "project_without_branch", _("项目未建党支部")
    COMPOUND_WITHOUT_BRANCH = "compound_without_branch", _("小区未建党支部")
    COMMITTEE_NOT_MAJORITY = "committee_not_majority", _("业委会党员未过半")
