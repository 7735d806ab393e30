"""Owners' assemblies (业主大会) under Civil Code art. 278: the frozen roll, append-only ballots, the tally,
and a hash-chained audit log. Rules are in `voting/services/`; invariants PostgreSQL can hold are here."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

AREA = {"max_digits": 14, "decimal_places": 2}
MAJOR_CATEGORIES = frozenset({6, 7, 8})  # raise funds, rebuild, change use of common parts: ≥ 3/4


def beijing_minute(moment: Any) -> str:
    """'2026-12-04 01:30（北京时间）': a stored (UTC) moment as people read it, in the city's zone."""
    if moment is None:
        return "-"
    return gettext("%(when)s（北京时间）") % {"when": f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"}


def _assembly_name(assembly: "Assembly") -> str:
    return f"{assembly.compound.name} {assembly.title}"


class Assembly(models.Model):
    """One meeting of a compound's owners' assembly, run by the street office or the committee."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ANNOUNCED = "announced", _("已公告")
        OPEN = "open", _("投票中")
        CLOSED = "closed", _("已截止")
        TALLIED = "tallied", _("已计票")
        PUBLISHED = "published", _("已公布")
        CANCELLED = "cancelled", _("已取消")

    class Kind(models.TextChoices):
        FIRST = "first", _("首次业主大会")
        REGULAR = "regular", _("定期会议")
        EXTRAORDINARY = "extraordinary", _("临时会议")

    compound = models.ForeignKey(
        "registry.Compound", verbose_name=_("小区"), on_delete=models.PROTECT, related_name="assemblies"
    )
    title = models.CharField(_("会议名称"), max_length=200)
    kind = models.CharField(_("会议类型"), max_length=16, choices=Kind.choices, default=Kind.REGULAR)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    opens_at = models.DateTimeField(_("投票开始"))
    closes_at = models.DateTimeField(_("投票截止"))
    # Policy switches: printed on the notice and the certificate; frozen at announcement.
    revote = models.BooleanField(_("允许截止前改票"), default=False)
    deemed_consent = models.BooleanField(_("视为同意多数意见"), default=False)
    parking_in_area = models.BooleanField(_("车位计入面积和人数"), default=True)
    proxy_cap = models.PositiveSmallIntegerField(_("每名代理人最多代理户数"), default=3)
    firm_staff_may_proxy = models.BooleanField(_("物业服务企业人员可作代理人"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    announced_at = models.DateTimeField(_("公告时间"), null=True, blank=True)
    opened_at = models.DateTimeField(_("实际开始"), null=True, blank=True)
    closed_at = models.DateTimeField(_("实际截止"), null=True, blank=True)
    tallied_at = models.DateTimeField(_("计票时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    # The roll, frozen at announcement (SHA-256 over parts, areas, area sources and grouping).
    roll_fingerprint = models.CharField(_("名册指纹"), max_length=71, blank=True)
    area_total = models.DecimalField(_("专有部分总面积"), null=True, blank=True, **AREA)
    heads_total = models.PositiveIntegerField(_("业主总人数"), null=True, blank=True)
    parts_total = models.PositiveIntegerField(_("专有部分数"), null=True, blank=True)
    receipt_secret = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("业主大会会议")
        verbose_name_plural = _("业主大会会议")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="assembly_window_ordered"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "cancelled"]) | ~Q(roll_fingerprint=""),
                name="assembly_roll_frozen_after_draft",
            ),
        ]
        permissions = [("view_individual_choices", _("可查看个人表决内容（记录访问）"))]

    def __str__(self) -> str:
        return self.title


class Motion(models.Model):
    """A matter put to the vote, with its Civil Code art. 278 category; the threshold follows from it."""

    class Kind(models.TextChoices):
        MATTER = "matter", _("表决事项")
        ELECTION = "election", _("选举")

    assembly = models.ForeignKey(
        Assembly, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="motions"
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("事项"), max_length=300)
    category = models.PositiveSmallIntegerField(_("民法典第二百七十八条事项类别"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.MATTER)
    seats = models.PositiveSmallIntegerField(_("应选人数"), null=True, blank=True)

    class Meta:
        verbose_name = _("表决事项")
        verbose_name_plural = _("表决事项")
        ordering = ["assembly", "position"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "position"], name="motion_position_unique"),
            models.CheckConstraint(
                condition=Q(category__gte=1, category__lte=9), name="motion_category_1_to_9"
            ),
            models.CheckConstraint(
                condition=Q(kind="matter", seats__isnull=True) | Q(kind="election", seats__gte=1),
                name="motion_election_has_seats",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    @property
    def is_major(self) -> bool:
        return self.category in MAJOR_CATEGORIES

    @property
    def threshold(self) -> str:
        return "major" if self.is_major else "ordinary"


class Candidate(models.Model):
    """A candidate of an election motion (e.g. a seat on the owners' committee)."""

    motion = models.ForeignKey(
        Motion, verbose_name=_("选举事项"), on_delete=models.CASCADE, related_name="candidates"
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("候选人"), max_length=64)

    class Meta:
        verbose_name = _("候选人")
        verbose_name_plural = _("候选人")
        ordering = ["motion", "position"]
        constraints = [
            models.UniqueConstraint(fields=["motion", "position"], name="candidate_position_unique")
        ]

    def __str__(self) -> str:
        return self.name


class VotingSubject(models.Model):
    """A head of the count (SPC art. 9): the developer bucket, one buyer's parts, or one co-owned part."""

    class Kind(models.TextChoices):
        DEVELOPER = "developer", _("建设单位")
        OWNER = "owner", _("业主")
        CO_OWNED = "co_owned", _("共有")
        NO_HOLDER = "no_holder", _("无现存权利人")

    assembly = models.ForeignKey(
        Assembly, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="subjects"
    )
    key = models.CharField(_("主体键"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    voter = models.ForeignKey(
        "registry.Owner",
        verbose_name=_("表决人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    area = models.DecimalField(_("面积"), **AREA)
    delivered_at = models.DateTimeField(_("表决票送达时间"), null=True, blank=True)
    warned = models.BooleanField(_("已告知不投票的后果"), default=False)

    class Meta:
        verbose_name = _("投票主体")
        verbose_name_plural = _("投票主体")
        ordering = ["assembly", "key"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "key"], name="subject_key_unique"),
            models.CheckConstraint(condition=Q(area__gte=0), name="subject_area_non_negative"),
        ]
        indexes = [models.Index(fields=["assembly", "voter"], name="subject_by_voter")]

    def __str__(self) -> str:
        return self.key


class RollPart(models.Model):
    """One exclusive part on the frozen roll, with the area used and where it came from (SPC art. 8)."""

    class AreaSource(models.TextChoices):
        REGISTERED = "registered", _("登记面积")
        SURVEYED = "surveyed", _("实测面积")
        CONTRACT = "contract", _("合同面积")
        NONE = "none", _("无面积")

    assembly = models.ForeignKey(
        Assembly, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="roll"
    )
    subject = models.ForeignKey(
        VotingSubject, verbose_name=_("投票主体"), on_delete=models.CASCADE, related_name="parts"
    )
    unit = models.ForeignKey(
        "registry.Unit", verbose_name=_("房屋"), on_delete=models.PROTECT, related_name="+"
    )
    unit_number = models.CharField(_("不动产单元号"), max_length=28)
    building = models.CharField(_("楼栋"), max_length=64)
    building_no = models.CharField(_("幢号"), max_length=4, blank=True, default="")
    entrance = models.CharField(_("单元"), max_length=32, blank=True, default="")
    entrance_no = models.CharField(_("单元号"), max_length=8, blank=True, default="")
    floor = models.CharField(_("楼层"), max_length=8, blank=True, default="")
    room = models.CharField(_("房号"), max_length=32)
    # "1号楼 1单元 12层 1201" and its natural sort key (registry.addresses), copied when the roll is frozen
    label = models.CharField(_("房屋"), max_length=160, blank=True, default="")
    sort_key = models.CharField(_("排序键"), max_length=96, blank=True, default="")
    planned_use = models.CharField(_("用途"), max_length=16)
    area = models.DecimalField(_("面积"), **AREA)
    area_source = models.CharField(_("面积来源"), max_length=16, choices=AreaSource.choices)

    class Meta:
        verbose_name = _("名册专有部分")
        verbose_name_plural = _("名册专有部分")
        ordering = ["assembly", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["assembly", "unit"], name="roll_part_once")]
        indexes = [
            models.Index(fields=["assembly", "sort_key"], name="roll_part_sorted"),
            models.Index(fields=["assembly", "room"], name="roll_part_room"),
        ]

    def __str__(self) -> str:
        return self.label or self.unit_number


class BallotSubmission(models.Model):
    """Every ballot handed in, online or on paper. Append-only (a trigger refuses UPDATE and DELETE)."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("网上投票")
        PAPER = "paper", _("纸质票录入")

    assembly = models.ForeignKey(
        Assembly, verbose_name=_("会议"), on_delete=models.PROTECT, related_name="submissions"
    )
    subject = models.ForeignKey(
        VotingSubject, verbose_name=_("投票主体"), on_delete=models.PROTECT, related_name="submissions"
    )
    channel = models.CharField(_("方式"), max_length=8, choices=Channel.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    choices = models.JSONField(_("表决内容"))
    cast_at = models.DateTimeField(_("投票时间"))
    receipt = models.CharField(_("回执"), max_length=64, unique=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    scan = models.FileField(_("纸质票扫描件"), upload_to="ballots/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("投票记录")
        verbose_name_plural = _("投票记录")
        ordering = ["assembly", "cast_at", "id"]

    def __str__(self) -> str:
        return gettext("第%(n)s张选票（%(channel)s） · %(assembly)s · %(when)s") % {
            "n": self.pk,
            "channel": self.get_channel_display(),
            "assembly": _assembly_name(self.assembly),
            "when": beijing_minute(self.cast_at),
        }


class CountedBallot(models.Model):
    """The ballot that counts for a subject, derived by the revote policy: exactly one per (assembly, subject)."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="counted")
    subject = models.ForeignKey(VotingSubject, on_delete=models.CASCADE, related_name="+")
    submission = models.OneToOneField(BallotSubmission, on_delete=models.PROTECT, related_name="counted_as")

    class Meta:
        verbose_name = _("计入的选票")
        verbose_name_plural = _("计入的选票")
        constraints = [
            models.UniqueConstraint(fields=["assembly", "subject"], name="one_counted_ballot_per_subject")
        ]

    def __str__(self) -> str:
        return gettext("第%(n)s张计入的选票 · %(assembly)s · %(when)s") % {
            "n": self.submission_id,
            "assembly": _assembly_name(self.assembly),
            "when": beijing_minute(self.submission.cast_at),
        }


class VoteRefusal(models.Model):
    """A refused ballot (late, not on the roll, not the designated co-owner, …), kept with its reason."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="refusals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    code = models.CharField(_("原因代码"), max_length=32)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("被拒绝的投票")
        verbose_name_plural = _("被拒绝的投票")
        ordering = ["-at"]

    def __str__(self) -> str:
        from voting.labels import refusal_label  # the labels read the models

        return gettext("被拒绝的投票：%(reason)s · %(assembly)s · %(when)s") % {
            "reason": refusal_label(self.code),
            "assembly": _assembly_name(self.assembly),
            "when": beijing_minute(self.at),
        }


class MotionResult(models.Model):
    """The stored tally of one motion (strict; and the deemed-consent tally when that policy is on)."""

    class Outcome(models.TextChoices):
        ADOPTED = "adopted", _("通过")
        REJECTED = "rejected", _("未通过")
        QUORUM_NOT_MET = "quorum_not_met", _("未达到参与表决的法定比例")

    motion = models.OneToOneField(
        Motion, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="result"
    )
    area_participating = models.DecimalField(_("参与表决面积"), **AREA)
    area_for = models.DecimalField(_("同意面积"), **AREA)
    area_against = models.DecimalField(_("反对面积"), **AREA)
    area_abstain = models.DecimalField(_("弃权面积"), **AREA)
    heads_participating = models.PositiveIntegerField(_("参与表决人数"))
    heads_for = models.PositiveIntegerField(_("同意人数"))
    heads_against = models.PositiveIntegerField(_("反对人数"))
    heads_abstain = models.PositiveIntegerField(_("弃权人数"))
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices)
    deemed_consent = models.JSONField(_("视为同意计票"), null=True, blank=True)
    candidates = models.JSONField(_("候选人结果"), null=True, blank=True)

    class Meta:
        verbose_name = _("表决结果")
        verbose_name_plural = _("表决结果")

    def __str__(self) -> str:
        return gettext("%(motion)s · %(outcome)s") % {
            "motion": self.motion,
            "outcome": self.get_outcome_display(),
        }


class AuditEntry(models.Model):
    """A hash-chained, append-only log of every step of an assembly. It says that someone voted, never what."""

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="audit")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("会议日志")
        verbose_name_plural = _("会议日志")
        ordering = ["assembly", "seq"]
        constraints = [models.UniqueConstraint(fields=["assembly", "seq"], name="audit_seq_unique")]

    def __str__(self) -> str:
        from voting.labels import audit_action_label  # the labels read the models

        return gettext("会议日志第%(seq)s条：%(action)s · %(assembly)s · %(when)s") % {
            "seq": self.seq,
            "action": audit_action_label(self.action),
            "assembly": _assembly_name(self.assembly),
            "when": beijing_minute(self.at),
        }


class ChoiceAccess(models.Model):
    """Who looked at individual choices, when and why (access-logged role)."""

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="choice_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(VotingSubject, null=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("事由"), max_length=200)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("个人表决内容查看记录")
        verbose_name_plural = _("个人表决内容查看记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return gettext("%(user)s 查看个人表决内容 · %(assembly)s · %(when)s") % {
            "user": self.user.get_username(),
            "assembly": _assembly_name(self.assembly),
            "when": beijing_minute(self.at),
        }


class Notification(models.Model):
    """A message to an owner about an assembly (in-app; also sent by e-mail or SMS where configured)."""

    class Kind(models.TextChoices):
        ANNOUNCED = "announced", _("会议公告")
        OPENED = "opened", _("投票开始")
        CLOSING = "closing", _("即将截止")
        PUBLISHED = "published", _("结果公布")
        RESCHEDULED = "rescheduled", _("投票时间变更")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The log entry a notice is about, where a kind can happen more than once (each reschedule is told once).
    audit_entry = models.ForeignKey(
        AuditEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "user", "kind"],
                condition=~Q(kind="rescheduled"),
                name="notification_once_per_kind",
            ),
            models.UniqueConstraint(
                fields=["user", "audit_entry"],
                condition=Q(kind="rescheduled"),
                name="notification_once_per_reschedule",
            ),
            models.CheckConstraint(
                condition=Q(kind="rescheduled", audit_entry__isnull=False)
                | (~Q(kind="rescheduled") & Q(audit_entry__isnull=True)),
                name="notification_entry_iff_reschedule",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProxyMandate(models.Model):
    """A written mandate: the subject's vote is cast by a proxy account (物业管理条例 art. 12), recorded by the
    street office with the mandate's scan; capped per proxy and per assembly by `proxy_cap`."""

    assembly = models.ForeignKey(
        Assembly, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="proxies"
    )
    subject = models.ForeignKey(
        VotingSubject, verbose_name=_("委托主体"), on_delete=models.CASCADE, related_name="+"
    )
    proxy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代理人"),
        on_delete=models.PROTECT,
        related_name="proxy_mandates",
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)
    scan = models.FileField(_("授权委托书扫描件"), upload_to="proxies/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("委托投票")
        verbose_name_plural = _("委托投票")
        constraints = [models.UniqueConstraint(fields=["assembly", "subject"], name="one_proxy_per_subject")]
        indexes = [models.Index(fields=["assembly", "proxy"], name="proxy_by_account")]

    def __str__(self) -> str:
        return gettext("委托投票：投票主体 %(subject)s 由 %(proxy)s 代理 · %(assembly)s") % {
            "subject": self.subject.key,
            "proxy": self.proxy.get_username(),
            "assembly": _assembly_name(self.assembly),
        }
