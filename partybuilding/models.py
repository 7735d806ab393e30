"""Party building (红色物业): the tree of party organisations and what each covers, members linked to registry
accounts with the posts they hold (交叉任职), volunteers of "find a party member" with their requests and
replies, tasks members claim (党员认领办实事) with their evidence, and joint meetings (红色议事厅) with
follow-up items. Every write goes through partybuilding.services and leaves a registry AuditEvent."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partybuilding.labels import (
    FollowUpStatus,
    OrganisationKind,
    ParticipantSide,
    PostBody,
    RequesterRole,
    ShowField,
    TaskStatus,
)


def _exactly_one(*fields: str) -> Q:
    """A check that exactly one of `fields` is set."""
    q = Q(pk__in=[])
    for chosen in fields:
        q |= Q(**{f"{chosen}__isnull": False}) & Q(**{f"{f}__isnull": True for f in fields if f != chosen})
    return q


class Organisation(models.Model):
    """A party organisation in the tree (industry committee → street alliance / community committee → firm
    organisation → project branch; compound branches; building groups), attached to exactly one firm,
    compound, community or street, with its secretary."""

    code = models.CharField(_("组织编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=24, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    firm = models.ForeignKey(
        "registry.Firm",
        verbose_name=_("所在企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    compound = models.ForeignKey(
        "registry.Compound",
        verbose_name=_("所在小区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_organisations",
    )
    community = models.ForeignKey(
        "registry.Region",
        verbose_name=_("所在社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    street = models.ForeignKey(
        "registry.Region",
        verbose_name=_("所在街道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The region whose officials oversee the organisation (a compound's community, the community or street
    # itself, a firm organisation's parent's): set by the service, it is what the permission layer scopes by.
    area = models.ForeignKey(
        "registry.Region",
        verbose_name=_("管辖区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("书记"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_secretary_of",
    )

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one("firm", "compound", "community", "street"), name="party_org_covers_one"
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="party_org_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Member(models.Model):
    """A party member: a registry account (owner, firm staff or official) in one organisation, who may register
    with the community where they live (在职党员进社区)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.PROTECT,
        related_name="party_member",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("所在党组织"), on_delete=models.PROTECT, related_name="members"
    )
    joined = models.DateField(_("入党日期"), null=True, blank=True)
    registered_community = models.ForeignKey(
        "registry.Region",
        verbose_name=_("报到社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["organisation", "pk"]

    def __str__(self) -> str:
        return f"{self.user.get_username()}（{self.organisation.name}）"


class Post(models.Model):
    """A post a member holds in the owners' committee (of a compound), the firm, or the community (交叉任职)."""

    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="posts")
    body = models.CharField(_("任职单位类型"), max_length=16, choices=PostBody.choices)
    compound = models.ForeignKey(
        "registry.Compound",
        verbose_name=_("小区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    firm = models.ForeignKey(
        "registry.Firm",
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    community = models.ForeignKey(
        "registry.Region",
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("职务"), max_length=64)

    class Meta:
        verbose_name = _("党员任职")
        verbose_name_plural = _("党员任职")
        ordering = ["member", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(body="committee", compound__isnull=False)
                | Q(body="firm", firm__isnull=False)
                | Q(body="community", community__isnull=False),
                name="party_post_names_its_body",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Volunteer(models.Model):
    """A member who volunteers to help in some compounds (有事找党员), with what owners may see of them."""

    member = models.OneToOneField(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="volunteer"
    )
    compounds = models.ManyToManyField(
        "registry.Compound", verbose_name=_("服务小区"), related_name="party_volunteers"
    )
    show = ArrayField(
        models.CharField(max_length=16, choices=ShowField.choices),
        verbose_name=_("向业主展示"),
        default=list,
        blank=True,
    )
    skills = models.CharField(_("特长"), max_length=200, blank=True)
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("志愿党员")
        verbose_name_plural = _("志愿党员")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(show__contained_by=ShowField.values), name="party_volunteer_show_known"
            )
        ]

    def __str__(self) -> str:
        return str(self.member)


class VolunteerRequest(models.Model):
    """An owner's request to a volunteer, delivered through the platform (never a phone number)."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿党员"), on_delete=models.CASCADE, related_name="requests"
    )
    compound = models.ForeignKey(
        "registry.Compound", verbose_name=_("小区"), on_delete=models.PROTECT, related_name="+"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("求助人"), on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(_("求助内容"))
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("求助")
        verbose_name_plural = _("求助")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk}"


class RequestReply(models.Model):
    """One message in the thread of a request (the member or the requester)."""

    request = models.ForeignKey(
        VolunteerRequest, verbose_name=_("求助"), on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("回复人"), on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(_("回复内容"))
    created_at = models.DateTimeField(_("回复时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("求助回复")
        verbose_name_plural = _("求助回复")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"#{self.request_id}.{self.pk}"


class Task(models.Model):
    """A practical need posted in a compound that a member claims, completes with evidence, and the requester
    confirms and rates (认领办实事). Moves only through partybuilding.services.tasks."""

    compound = models.ForeignKey(
        "registry.Compound", verbose_name=_("小区"), on_delete=models.PROTECT, related_name="party_tasks"
    )
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("描述"), blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+"
    )
    requester_role = models.CharField(_("发布身份"), max_length=16, choices=RequesterRole.choices)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("关联案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    equipment = models.ForeignKey(
        "registry.Equipment",
        verbose_name=_("关联设备"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    claimer = models.ForeignKey(
        Member,
        verbose_name=_("认领党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_tasks",
    )
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    report = models.TextField(_("完成情况"), blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    note = models.TextField(_("评价"), blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党员认领任务")
        verbose_name_plural = _("党员认领任务")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["compound", "status"], name="party_task_compound_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="party_task_rating_1_5",
            ),
            models.CheckConstraint(
                condition=Q(status="open", claimer__isnull=True)
                | (~Q(status="open") & Q(claimer__isnull=False)),
                name="party_task_claimed_has_claimer",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(rating__isnull=False), name="party_task_confirmed_rated"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TaskPhoto(models.Model):
    """A photo of a task's completion (registry's one photo pipeline stores it); served only to those who see
    the task."""

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="photos")
    photo = models.ForeignKey(
        "registry.Photo", verbose_name=_("照片"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("序号"))

    class Meta:
        verbose_name = _("任务照片")
        verbose_name_plural = _("任务照片")
        ordering = ["task", "position"]
        constraints = [
            models.UniqueConstraint(fields=["task", "position"], name="party_task_photo_position"),
            models.UniqueConstraint(fields=["task", "photo"], name="party_task_photo_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.task_id} {self.position}"


class Meeting(models.Model):
    """A joint meeting (红色议事厅 / 联席会议) of a community: minutes, participants, decisions, follow-ups."""

    community = models.ForeignKey(
        "registry.Region", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    compound = models.ForeignKey(
        "registry.Compound",
        verbose_name=_("小区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("议题"), max_length=128)
    held_at = models.DateTimeField(_("召开时间"))
    place = models.CharField(_("地点"), max_length=128, blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("联席会议")
        verbose_name_plural = _("联席会议")
        ordering = ["-held_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class MeetingParticipant(models.Model):
    """Who attended, for which party (community, committee, firm, residents, police)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="participants"
    )
    side = models.CharField(_("参会方"), max_length=16, choices=ParticipantSide.choices)
    name = models.CharField(_("姓名"), max_length=64)

    class Meta:
        verbose_name = _("参会人员")
        verbose_name_plural = _("参会人员")
        ordering = ["meeting", "pk"]

    def __str__(self) -> str:
        return self.name


class Decision(models.Model):
    """A decision taken at a joint meeting."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField(_("决定事项"))

    class Meta:
        verbose_name = _("会议决定")
        verbose_name_plural = _("会议决定")
        ordering = ["meeting", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class FollowUp(models.Model):
    """A follow-up item of a decision, tracked to completion: who answers for it and by when. `overdue_at` is
    set once, by the beat task, when it is found overdue (and its owner told)."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("会议决定"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    text = models.TextField(_("跟进事项"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("完成期限"))
    status = models.CharField(
        _("状态"), max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("逾期标记时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("跟进事项")
        verbose_name_plural = _("跟进事项")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="party_followup_open_due")]

    def __str__(self) -> str:
        return self.text[:40]
