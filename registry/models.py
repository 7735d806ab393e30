"""The six core databases (places, housing, facilities, owners, firm staff, government staff) and the
registration-sync bookkeeping. Invariants that PostgreSQL can express are constraints here; the rest
live in `registry/services/`."""

from fractions import Fraction

from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.identifiers import SERVICE_PHONE_PATTERN, UNIT_NUMBER_PATTERN, mask_phone

AREA = {"max_digits": 12, "decimal_places": 2}
MONEY = {"max_digits": 14, "decimal_places": 2}


class User(AbstractUser):
    """An account. Its roles come from the records linked to it: `owner`, `official`, `firm_staff`."""

    # When the password last changed: API tokens issued before it no longer authenticate.
    credentials_changed_at = models.DateTimeField(_("凭据更新时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def set_password(self, raw_password: str | None) -> None:
        # Every path that sets a password (admin, password forms, changepassword, services) comes here; the
        # stamp is saved with the password and retires the API tokens issued before it (registry.tokens).
        super().set_password(raw_password)
        self.credentials_changed_at = timezone.now()

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self.credentials_changed_at = timezone.now()

    def check_password(self, raw_password: str) -> bool:
        # A successful check may re-hash the password through set_password (a stronger hasher); that is not a
        # change of credentials, so the stamp stays as it was.
        stamp = self.credentials_changed_at
        try:
            return super().check_password(raw_password)
        finally:
            self.credentials_changed_at = stamp

    async def acheck_password(self, raw_password: str) -> bool:
        stamp = self.credentials_changed_at
        try:
            return await super().acheck_password(raw_password)
        finally:
            self.credentials_changed_at = stamp


# --------------------------------------------------------------------------------------------- places


class Region(models.Model):
    """City → district → street → community, with official division codes (GB/T 2260 + 3 + 3)."""

    class Level(models.TextChoices):
        CITY = "city", _("市")
        DISTRICT = "district", _("区（市）")
        STREET = "street", _("街道（镇）")
        COMMUNITY = "community", _("社区（村）")

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of codes ("370200/370212/370212001/"): scoping is one indexed prefix match.
    path = models.CharField(_("路径"), max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["path"], name="region_path_prefix", opclasses=["varchar_pattern_ops"])
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{6}([0-9]{3}){0,2}$"), name="region_code_format"
            ),
            models.CheckConstraint(
                condition=Q(level="city", parent__isnull=True) | (~Q(level="city") & Q(parent__isnull=False)),
                name="region_parent_unless_city",
            ),
            models.CheckConstraint(
                condition=~Q(level__in=["street", "community"]) | Q(code__regex=r"^[0-9]{9}([0-9]{3})?$"),
                name="region_street_community_code_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Firm(models.Model):
    """A property firm (物业服务企业), a developer (建设单位) or another organisation, by credit code."""

    class Kind(models.TextChoices):
        PROPERTY_FIRM = "property_firm", _("物业服务企业")
        DEVELOPER = "developer", _("建设单位（开发商）")
        OTHER = "other", _("其他单位")

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    # The contact person's own mobile: personal data, masked wherever it is shown.
    contact_phone = models.CharField(_("联系电话"), max_length=11, blank=True)
    # The firm's published hotline: not a person's number, so the one phone shown in full to owners.
    service_phone = models.CharField(
        _("服务电话"),
        max_length=20,
        blank=True,
        help_text=_("对外公开的服务热线（座机带区号、400 电话或手机号），在业主首页完整显示，不作脱敏。"),
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(uscc__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"), name="firm_uscc_format"
            ),
            models.CheckConstraint(
                condition=Q(service_phone="") | Q(service_phone__regex=rf"^({SERVICE_PHONE_PATTERN})$"),
                name="firm_service_phone_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def contact_phone_masked(self) -> str:
        return mask_phone(self.contact_phone) if self.contact_phone else ""

    @property
    def service_phone_dial(self) -> str:
        """The service number as a `tel:` link dials it (digits only)."""
        return "".join(ch for ch in self.service_phone if ch.isdigit())


class Compound(models.Model):
    """A residential compound (小区) in a community, with its parcels, developer and current firm."""

    code = models.CharField(_("小区编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    community = models.ForeignKey(
        Region, verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="compounds"
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    developer = models.ForeignKey(
        Firm,
        verbose_name=_("建设单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="developed_compounds",
    )
    property_firm = models.ForeignKey(
        Firm,
        verbose_name=_("物业服务企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="served_compounds",
    )

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2}-[0-9]{6}-[0-9]{4,6}$"), name="compound_code_format"
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90), name="compound_lat_range"
            ),
            models.CheckConstraint(
                condition=Q(lng__isnull=True) | Q(lng__gte=-180, lng__lte=180), name="compound_lng_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Parcel(models.Model):
    """A parcel (宗地) a compound stands on: the first 19 characters of every unit number on it."""

    code = models.CharField(_("宗地代码"), max_length=19, unique=True)
    compound = models.ForeignKey(
        Compound, verbose_name=_("小区"), on_delete=models.CASCADE, related_name="parcels"
    )

    class Meta:
        verbose_name = _("宗地")
        verbose_name_plural = _("宗地")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{12}[GJZ][ABSXCDEFGHWY][0-9]{5}$"), name="parcel_code_format"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ServiceContract(models.Model):
    """A property-service contract between a compound and a firm; contracts of one compound never overlap."""

    compound = models.ForeignKey(
        Compound, verbose_name=_("小区"), on_delete=models.PROTECT, related_name="service_contracts"
    )
    firm = models.ForeignKey(
        Firm, verbose_name=_("物业服务企业"), on_delete=models.PROTECT, related_name="contracts"
    )
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("终止日期"), null=True, blank=True)
    fee_standard = models.DecimalField(_("物业费标准（元/㎡·月）"), max_digits=8, decimal_places=2)
    fee_note = models.CharField(_("收费说明"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("物业服务合同")
        verbose_name_plural = _("物业服务合同")
        ordering = ["compound", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="contract_dates_ordered",
            ),
            models.CheckConstraint(condition=Q(fee_standard__gte=0), name="contract_fee_non_negative"),
            ExclusionConstraint(
                name="contract_no_overlap_per_compound",
                expressions=[
                    (
                        Func(F("starts_on"), F("ends_on"), Value("[]"), function="daterange"),
                        RangeOperators.OVERLAPS,
                    ),
                    ("compound", RangeOperators.EQUAL),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.compound} ← {self.firm}（{self.starts_on}）"


class Building(models.Model):
    """A building (楼栋); `number` is characters 21–24 of its units' numbers."""

    compound = models.ForeignKey(
        Compound, verbose_name=_("小区"), on_delete=models.PROTECT, related_name="buildings"
    )
    number = models.CharField(_("幢号"), max_length=4)
    name = models.CharField(_("名称"), max_length=64)
    floors = models.PositiveSmallIntegerField(_("地上层数"), null=True, blank=True)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["compound", "number"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "number"], name="building_number_unique_in_compound"),
            models.CheckConstraint(condition=Q(number__regex=r"^[0-9]{4}$"), name="building_number_format"),
        ]

    def __str__(self) -> str:
        return f"{self.compound.name} {self.name}"


class Entrance(models.Model):
    """An entrance / stairwell (单元) of a building."""

    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), on_delete=models.PROTECT, related_name="entrances"
    )
    number = models.CharField(_("单元号"), max_length=8)
    name = models.CharField(_("名称"), max_length=32)

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        ordering = ["building", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="entrance_number_unique_in_building"),
        ]

    def __str__(self) -> str:
        return f"{self.building.name}{self.name}"


class Unit(models.Model):
    """An exclusive part (专有部分): a flat, shop or parking space, keyed by surrogate id.

    The unit number is a versioned attribute (parcel merges and splits renumber units); the current number
    is on the row and its history in `UnitNumberVersion`.
    """

    class Use(models.TextChoices):
        RESIDENTIAL = "residential", _("住宅")
        COMMERCIAL = "commercial", _("商业")
        PARKING = "parking", _("车位")
        OTHER = "other", _("其他")

    compound = models.ForeignKey(
        Compound,
        verbose_name=_("小区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("楼栋"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    entrance = models.ForeignKey(
        Entrance,
        verbose_name=_("单元"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    unit_number = models.CharField(_("不动产单元号"), max_length=28, unique=True)
    parcel_code = models.CharField(_("宗地代码"), max_length=19, db_index=True, editable=False)
    floor = models.CharField(_("楼层"), max_length=8, blank=True)
    room = models.CharField(_("房号"), max_length=32, blank=True)
    address = models.CharField(_("坐落"), max_length=255, blank=True)
    planned_use = models.CharField(_("规划用途"), max_length=16, choices=Use.choices, default=Use.RESIDENTIAL)
    registered_area = models.DecimalField(_("登记面积（㎡）"), null=True, blank=True, **AREA)
    surveyed_area = models.DecimalField(_("实测面积（㎡）"), null=True, blank=True, **AREA)
    contract_area = models.DecimalField(_("合同面积（㎡）"), null=True, blank=True, **AREA)
    developer_held = models.BooleanField(_("建设单位持有"), default=False)
    delivered = models.BooleanField(_("已交付"), default=True)
    mortgage = models.BooleanField(_("抵押"), default=False)
    seizure = models.BooleanField(_("查封"), default=False)
    designated_voter = models.ForeignKey(
        "Owner",
        verbose_name=_("共有人表决代表"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="designated_units",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("房屋（专有部分）")
        verbose_name_plural = _("房屋（专有部分）")
        ordering = ["unit_number"]
        indexes = [models.Index(fields=["compound", "building", "room"], name="unit_compound_building_room")]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_number__regex=UNIT_NUMBER_PATTERN), name="unit_number_format"
            ),
            models.CheckConstraint(
                condition=Q(parcel_code=Func(F("unit_number"), Value(19), function="left")),
                name="unit_parcel_code_is_prefix",
            ),
            models.CheckConstraint(
                condition=Q(registered_area__isnull=True) | Q(registered_area__gt=0),
                name="unit_registered_area_positive",
            ),
            models.CheckConstraint(
                condition=Q(surveyed_area__isnull=True) | Q(surveyed_area__gt=0),
                name="unit_surveyed_area_positive",
            ),
            models.CheckConstraint(
                condition=Q(contract_area__isnull=True) | Q(contract_area__gt=0),
                name="unit_contract_area_positive",
            ),
            models.CheckConstraint(
                condition=Q(building__isnull=True) | Q(compound__isnull=False),
                name="unit_building_needs_compound",
            ),
            models.CheckConstraint(
                condition=Q(entrance__isnull=True) | Q(building__isnull=False),
                name="unit_entrance_needs_building",
            ),
        ]

    def __str__(self) -> str:
        return self.unit_number

    @property
    def label(self) -> str:
        """'1号楼 1单元 12层 1201' (registry.addresses; select_related building and entrance first)."""
        from registry.addresses import unit_place

        return unit_place(self)["label"]

    @property
    def voting_area(self):  # noqa: ANN201 - Decimal | None
        """SPC art. 8: registered area, else surveyed, else contract area."""
        return self.registered_area or self.surveyed_area or self.contract_area


class UnitNumberVersion(models.Model):
    """The unit numbers a unit has carried, each with the event that gave or retired it."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("房屋"), on_delete=models.PROTECT, related_name="number_versions"
    )
    unit_number = models.CharField(_("不动产单元号"), max_length=28, db_index=True)
    valid_from = models.DateTimeField(_("启用时间"))
    valid_to = models.DateTimeField(_("停用时间"), null=True, blank=True)
    source_event_id = models.UUIDField(_("来源事件"), null=True, blank=True)

    class Meta:
        verbose_name = _("单元号历史")
        verbose_name_plural = _("单元号历史")
        ordering = ["unit", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=Q(valid_to__isnull=True), name="unit_number_one_current_version"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="unit_number_version_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.unit_number


# --------------------------------------------------------------------------------------------- people


class Owner(models.Model):
    """A person or organisation that holds (or held) a unit. ID numbers only as keyed hash + masked form."""

    class HolderType(models.TextChoices):
        PERSON = "person", _("自然人")
        ORGANISATION = "organisation", _("单位")

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("居民身份证")
        USCC = "uscc", _("统一社会信用代码")
        PASSPORT = "passport", _("护照")
        OTHER = "other", _("其他证件")

    holder_type = models.CharField(_("权利人类型"), max_length=16, choices=HolderType.choices)
    name = models.CharField(_("姓名/名称"), max_length=128)
    id_type = models.CharField(_("证件类型"), max_length=16, choices=IdType.choices)
    id_hmac = models.CharField(_("证件号密钥摘要"), max_length=64, editable=False)
    id_masked = models.CharField(_("证件号（脱敏）"), max_length=32, editable=False)
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    # An organisation acts through a named person whose account it is (registry.md, "Personal data").
    representative = models.CharField(_("经办人"), max_length=64, blank=True, db_default="")
    user = models.OneToOneField(
        User,
        verbose_name=_("平台账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owner",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("业主")
        verbose_name_plural = _("业主")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_hmac"], name="owner_identity_unique"),
            models.CheckConstraint(
                condition=Q(id_hmac__regex=r"^[0-9a-f]{64}$"), name="owner_id_hmac_is_sha256_hex"
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=r"^1[3-9][0-9]{9}$"), name="owner_phone_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_masked}）"

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone else ""


class Ownership(models.Model):
    """One holder's right in one unit for a period. A transfer ends the record; nothing is deleted."""

    class CoOwnership(models.TextChoices):
        SOLE = "sole", _("单独所有")
        JOINT = "joint", _("共同共有")
        SHARES = "shares", _("按份共有")

    unit = models.ForeignKey(
        Unit, verbose_name=_("房屋"), on_delete=models.PROTECT, related_name="ownerships"
    )
    owner = models.ForeignKey(
        Owner, verbose_name=_("权利人"), on_delete=models.PROTECT, related_name="ownerships"
    )
    co_ownership = models.CharField(_("共有方式"), max_length=8, choices=CoOwnership.choices)
    share_numerator = models.PositiveIntegerField(_("份额分子"), null=True, blank=True)
    share_denominator = models.PositiveIntegerField(_("份额分母"), null=True, blank=True)
    certificate_holder = models.BooleanField(_("持证人"), default=False)
    certificate_no = models.CharField(_("不动产权证书号"), max_length=64, blank=True)
    business_no = models.CharField(_("登记业务号"), max_length=64, blank=True)
    registered_at = models.DateTimeField(_("登记时间"))
    valid_from = models.DateTimeField(_("起始时间"))
    valid_to = models.DateTimeField(_("终止时间"), null=True, blank=True)
    source_event_id = models.UUIDField(_("来源事件"), null=True, blank=True, db_index=True)
    ended_by_event_id = models.UUIDField(_("终止事件"), null=True, blank=True)

    class Meta:
        verbose_name = _("产权记录")
        verbose_name_plural = _("产权记录")
        ordering = ["unit", "-valid_from"]
        indexes = [
            models.Index(
                fields=["owner"], condition=Q(valid_to__isnull=True), name="ownership_current_by_owner"
            ),
            models.Index(
                fields=["unit"], condition=Q(valid_to__isnull=True), name="ownership_current_by_unit"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "owner"],
                condition=Q(valid_to__isnull=True),
                name="ownership_one_current_per_holder",
            ),
            models.CheckConstraint(
                condition=Q(share_numerator__isnull=True, share_denominator__isnull=True)
                | Q(
                    share_numerator__gt=0,
                    share_denominator__gt=0,
                    share_numerator__lte=F("share_denominator"),
                ),
                name="ownership_share_is_proper_fraction",
            ),
            models.CheckConstraint(
                condition=~Q(co_ownership="shares") | Q(share_numerator__isnull=False),
                name="ownership_shares_need_share",
            ),
            models.CheckConstraint(
                condition=Q(co_ownership="shares") | Q(share_numerator__isnull=True),
                name="ownership_share_only_by_shares",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="ownership_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.owner.name}"

    @property
    def share(self) -> Fraction | None:
        if self.share_numerator is None or self.share_denominator is None:
            return None
        return Fraction(self.share_numerator, self.share_denominator)


class FirmStaff(models.Model):
    """An employee of a property firm (物业从业人员), optionally with a platform account."""

    class Role(models.TextChoices):
        ACCOUNT_ADMIN = "account_admin", _("企业账号管理员")
        PROJECT_MANAGER = "project_manager", _("项目经理")
        BUTLER = "butler", _("管家")
        ENGINEER = "engineer", _("工程维修")
        SECURITY = "security", _("秩序维护")
        CLEANING = "cleaning", _("保洁")
        CUSTOMER_SERVICE = "customer_service", _("客服")
        OTHER = "other", _("其他")

    firm = models.ForeignKey(Firm, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="staff")
    name = models.CharField(_("姓名"), max_length=64)
    role = models.CharField(_("岗位"), max_length=32, choices=Role.choices)
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    certificates = models.TextField(_("持有证书"), blank=True)
    compounds = models.ManyToManyField(
        Compound, verbose_name=_("服务小区"), blank=True, related_name="firm_staff"
    )
    active = models.BooleanField(_("在职"), default=True)
    user = models.OneToOneField(
        User,
        verbose_name=_("平台账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="firm_staff",
    )

    class Meta:
        verbose_name = _("物业从业人员")
        verbose_name_plural = _("物业从业人员")
        ordering = ["firm", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=r"^1[3-9][0-9]{9}$"), name="staff_phone_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone else ""


class Official(models.Model):
    """A government staff member (street office, community, district, city), scoped to one region."""

    user = models.OneToOneField(
        User, verbose_name=_("平台账号"), on_delete=models.CASCADE, related_name="official"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("管辖区域"), on_delete=models.PROTECT, related_name="officials"
    )
    title = models.CharField(_("职务"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("政府工作人员")
        verbose_name_plural = _("政府工作人员")

    def __str__(self) -> str:
        return f"{self.user.get_username()} @ {self.region.name}"


class OwnersCommittee(models.Model):
    """An owners' committee (业主委员会) of a compound for one term, with its filing status."""

    class Filing(models.TextChoices):
        PREPARING = "preparing", _("筹备中")
        PENDING = "pending", _("备案审核中")
        FILED = "filed", _("已备案")
        EXPIRED = "expired", _("任期届满")
        DISSOLVED = "dissolved", _("已解散")

    compound = models.ForeignKey(
        Compound, verbose_name=_("小区"), on_delete=models.PROTECT, related_name="committees"
    )
    term_starts_on = models.DateField(_("任期开始"))
    term_ends_on = models.DateField(_("任期结束"))
    filing_status = models.CharField(
        _("备案状态"), max_length=16, choices=Filing.choices, default=Filing.PREPARING
    )
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    filing_no = models.CharField(_("备案编号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("业主委员会")
        verbose_name_plural = _("业主委员会")
        ordering = ["compound", "-term_starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_ends_on__gt=F("term_starts_on")), name="committee_term_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(filing_status="filed") | Q(filed_on__isnull=False),
                name="committee_filed_has_date",
            ),
            ExclusionConstraint(
                name="committee_terms_no_overlap",
                expressions=[
                    (
                        Func(F("term_starts_on"), F("term_ends_on"), Value("[)"), function="daterange"),
                        RangeOperators.OVERLAPS,
                    ),
                    ("compound", RangeOperators.EQUAL),
                ],
                condition=~Q(filing_status="dissolved"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.compound.name} {self.term_starts_on:%Y}–{self.term_ends_on:%Y}"


class CommitteeMember(models.Model):
    """A member of an owners' committee; members are owners of the compound."""

    class Role(models.TextChoices):
        DIRECTOR = "director", _("主任")
        DEPUTY = "deputy", _("副主任")
        MEMBER = "member", _("委员")

    committee = models.ForeignKey(
        OwnersCommittee, verbose_name=_("业主委员会"), on_delete=models.CASCADE, related_name="members"
    )
    owner = models.ForeignKey(
        Owner, verbose_name=_("业主"), on_delete=models.PROTECT, related_name="committee_seats"
    )
    role = models.CharField(_("职务"), max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("业委会成员")
        verbose_name_plural = _("业委会成员")
        constraints = [
            models.UniqueConstraint(fields=["committee", "owner"], name="committee_member_once"),
            models.UniqueConstraint(
                fields=["committee"], condition=Q(role="director"), name="committee_one_director"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner.name}（{self.get_role_display()}）"


# -------------------------------------------------------------------------------- facilities/equipment


class Equipment(models.Model):
    """A facility or piece of equipment with a unique code (compound code + category + sequence)."""

    class Category(models.TextChoices):
        LIFT = "LIFT", _("电梯")
        FIRE_PUMP = "FIRE", _("消防泵")
        WATER_TANK = "TANK", _("二次供水水箱")
        GATE = "GATE", _("门禁/道闸")
        CAMERA = "CAM", _("监控摄像头")
        CHARGING_PILE = "EVC", _("充电桩")
        GENERATOR = "GEN", _("发电机")
        OTHER = "OTH", _("其他")

    class Status(models.TextChoices):
        IN_SERVICE = "in_service", _("在用")
        UNDER_REPAIR = "under_repair", _("维修中")
        OUT_OF_SERVICE = "out_of_service", _("停用")
        RETIRED = "retired", _("已报废")

    code = models.CharField(_("设备编码"), max_length=48, unique=True, editable=False)
    compound = models.ForeignKey(
        Compound, verbose_name=_("小区"), on_delete=models.PROTECT, related_name="equipment"
    )
    category = models.CharField(_("类别"), max_length=8, choices=Category.choices)
    sequence = models.PositiveIntegerField(_("序号"))
    name = models.CharField(_("名称"), max_length=128)
    building = models.ForeignKey(
        Building,
        verbose_name=_("楼栋"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="equipment",
    )
    entrance = models.ForeignKey(
        Entrance,
        verbose_name=_("单元"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="equipment",
    )
    common_area = models.CharField(_("公共区域"), max_length=128, blank=True)
    installer = models.CharField(_("安装单位"), max_length=128, blank=True)
    installed_on = models.DateField(_("安装日期"), null=True, blank=True)
    warranty_until = models.DateField(_("保修期至"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.IN_SERVICE)
    maintenance_interval_days = models.PositiveSmallIntegerField(_("维保周期（天）"))
    last_maintained_on = models.DateField(_("最近维保"), null=True, blank=True, editable=False)
    next_due_on = models.DateField(_("下次维保到期"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("设施设备")
        verbose_name_plural = _("设施设备")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "category", "sequence"], name="equipment_sequence_unique"
            ),
            models.CheckConstraint(condition=Q(sequence__gt=0), name="equipment_sequence_positive"),
            models.CheckConstraint(
                condition=Q(maintenance_interval_days__gt=0), name="equipment_interval_positive"
            ),
            models.CheckConstraint(
                condition=Q(building__isnull=False) | ~Q(common_area=""), name="equipment_has_location"
            ),
            models.CheckConstraint(
                condition=Q(entrance__isnull=True) | Q(building__isnull=False),
                name="equipment_entrance_needs_building",
            ),
            models.CheckConstraint(
                condition=Q(warranty_until__isnull=True)
                | Q(installed_on__isnull=True)
                | Q(warranty_until__gte=F("installed_on")),
                name="equipment_warranty_after_install",
            ),
            # Lifts are maintained at least every 15 days (TSG T5002).
            models.CheckConstraint(
                condition=~Q(category="LIFT") | Q(maintenance_interval_days__lte=15),
                name="equipment_lift_interval_max_15",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class MaintenanceRecord(models.Model):
    """One entry of an item's maintenance log. Append-only (a database trigger refuses UPDATE and DELETE)."""

    class Kind(models.TextChoices):
        INSPECTION = "inspection", _("巡检")
        MAINTENANCE = "maintenance", _("保养")
        REPAIR = "repair", _("维修")
        REPLACEMENT = "replacement", _("更换")

    equipment = models.ForeignKey(
        Equipment, verbose_name=_("设备"), on_delete=models.PROTECT, related_name="maintenance_log"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    performed_on = models.DateField(_("作业日期"))
    contractor = models.CharField(_("作业单位"), max_length=128, blank=True)
    cost = models.DecimalField(_("费用（元）"), default=0, **MONEY)
    notes = models.TextField(_("说明"), blank=True)
    photo = models.FileField(_("照片"), upload_to="maintenance/%Y/%m/", blank=True)
    next_due_on = models.DateField(_("下次到期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("记录人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("维保记录")
        verbose_name_plural = _("维保记录")
        ordering = ["equipment", "-performed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=0), name="maintenance_cost_non_negative"),
            models.CheckConstraint(
                condition=Q(next_due_on__isnull=True) | Q(next_due_on__gte=F("performed_on")),
                name="maintenance_next_due_after_work",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.equipment.code} {self.get_kind_display()} {self.performed_on}"


# ------------------------------------------------------------------------------ audit and bookkeeping


class AuditEvent(models.Model):
    """Who changed what in the registry, written by services in the same transaction. Append-only."""

    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    verb = models.CharField(_("操作"), max_length=64, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=64)
    target_id = models.CharField(_("对象"), max_length=64)
    # The compound the target belongs to (when it belongs to one): who sees the row, by one indexed lookup.
    compound = models.ForeignKey(
        Compound,
        verbose_name=_("小区"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    data = models.JSONField(_("内容"), default=dict)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("操作日志")
        verbose_name_plural = _("操作日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.verb} {self.target_type}#{self.target_id}"


class SignupAttempt(models.Model):
    """An owner sign-up attempt (identity matching), kept to rate-limit and to show what was refused."""

    username = models.CharField(_("用户名"), max_length=150)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True)
    matched = models.BooleanField(_("身份匹配"))
    reason = models.CharField(_("结果"), max_length=64)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("注册尝试")
        verbose_name_plural = _("注册尝试")
        ordering = ["-at"]
        indexes = [models.Index(fields=["ip_address", "at"], name="signup_attempt_ip_at")]

    def __str__(self) -> str:
        return f"{self.username} {self.reason}"


class RegistrationEvent(models.Model):
    """A registration-feed event that has been applied (identity numbers removed). Makes the feed idempotent."""

    event_id = models.UUIDField(_("事件 ID"), unique=True)
    seq = models.BigIntegerField(_("序号"), db_index=True)
    event_type = models.CharField(_("事件类型"), max_length=32)
    unit = models.ForeignKey(
        Unit, verbose_name=_("房屋"), null=True, on_delete=models.PROTECT, related_name="registration_events"
    )
    unit_number = models.CharField(_("不动产单元号"), max_length=28, blank=True)
    occurred_at = models.DateTimeField(_("发生时间"))
    applied_at = models.DateTimeField(_("应用时间"), auto_now_add=True)
    payload = models.JSONField(_("内容（已脱敏）"))

    class Meta:
        verbose_name = _("登记事件")
        verbose_name_plural = _("登记事件")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event_type} {self.unit_number}"


class SyncCursor(models.Model):
    """The high-water mark of one feed source, committed with the changes it covers."""

    source = models.CharField(_("数据源"), max_length=255, unique=True)
    last_seq = models.BigIntegerField(_("已处理到序号"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("同步进度")
        verbose_name_plural = _("同步进度")

    def __str__(self) -> str:
        return f"{self.source} @ {self.last_seq}"


class QuarantinedRecord(models.Model):
    """A feed line that could not be applied, with its raw text (IDs masked) and the reason."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        REAPPLIED = "reapplied", _("已重新应用")
        DISMISSED = "dismissed", _("已驳回")

    source = models.CharField(_("数据源"), max_length=255)
    line_no = models.PositiveIntegerField(_("行号"), null=True)
    seq = models.BigIntegerField(_("序号"), null=True)
    event_id = models.CharField(_("事件 ID"), max_length=64, blank=True, db_index=True)
    raw = models.TextField(_("原始内容（已脱敏）"))
    # The parcels (first 19 characters) of every unit number the line names: who may see and re-apply it.
    parcel_codes = ArrayField(
        models.CharField(max_length=19), verbose_name=_("涉及宗地"), default=list, blank=True, editable=False
    )
    code = models.CharField(_("原因代码"), max_length=64, db_index=True)
    reason = models.CharField(_("原因"), max_length=500)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("隔离时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("隔离记录")
        verbose_name_plural = _("隔离记录")
        ordering = ["-created_at", "-id"]
        indexes = [GinIndex(fields=["parcel_codes"], name="quarantine_parcel_codes")]

    def __str__(self) -> str:
        return f"{self.source}:{self.line_no} {self.code}"


class UnitChange(models.Model):
    """What one applied event changed on a unit (areas, use, encumbrances, number, placement), old → new."""

    unit = models.ForeignKey(Unit, verbose_name=_("房屋"), on_delete=models.PROTECT, related_name="changes")
    event_id = models.UUIDField(_("来源事件"), db_index=True)
    event_type = models.CharField(_("事件类型"), max_length=32)
    changes = models.JSONField(_("变更内容"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("房屋变更记录")
        verbose_name_plural = _("房屋变更记录")
        ordering = ["unit", "at", "id"]

    def __str__(self) -> str:
        return f"{self.unit} {self.event_type}"


class SyncRun(models.Model):
    """One run of the registration-feed consumer, updated batch by batch so its progress can be watched."""

    class Status(models.TextChoices):
        RUNNING = "running", _("运行中")
        FINISHED = "finished", _("已完成")
        FAILED = "failed", _("失败")

    source = models.CharField(_("数据源"), max_length=255, db_index=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("最近进展"), auto_now=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    total = models.BigIntegerField(_("预计事件数"), null=True, blank=True)
    applied = models.BigIntegerField(_("已应用"), default=0)
    skipped = models.BigIntegerField(_("已跳过（重复）"), default=0)
    quarantined = models.BigIntegerField(_("已隔离"), default=0)
    last_seq = models.BigIntegerField(_("已处理到序号"), default=0)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("同步运行")
        verbose_name_plural = _("同步运行")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def done(self) -> int:
        return self.applied + self.skipped + self.quarantined

    @property
    def seconds(self) -> float:
        end = self.finished_at or self.updated_at
        return max((end - self.started_at).total_seconds(), 0.001) if end and self.started_at else 0.0

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))

    @property
    def seconds_left(self) -> float | None:
        if not self.total or not self.rate:
            return None
        return max(self.total - self.done, 0) / self.rate


# ---------------------------------------------------------------------------------- working calendar


class WorkingDayOverride(models.Model):
    """Staff's word on one date: a public holiday or a make-up working day (调休) as the State Council's notice
    for the year sets it. It takes precedence over the `chinesecalendar` library and over Mon–Fri
    (registry/calendar.py): how the years the library does not know yet are filled in, and how a local
    holiday or a correction is entered."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(
        _("工作日"), help_text=_("勾选：该日上班（如调休上班的周末）；不勾选：该日放假。")
    )
    name = models.CharField(_("名称或原因"), max_length=64, help_text=_("例如：春节、国庆节、调休上班。"))
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("最后修改人"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


# ------------------------------------------------------------------------------ photos


class Photo(models.Model):
    """A processed photo (oriented, metadata stripped, resized), stored once by the hash of its stored bytes.

    Written only by registry.services.photos.photo_ingest; cases and tasks of other apps point at it. The row
    is its own record of who uploaded it and when; a trigger refuses every UPDATE except the NULL that deleting
    the uploader's account writes.
    """

    class ContentType(models.TextChoices):
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"

    sha256 = models.CharField(_("内容哈希"), max_length=64, unique=True, help_text=_("存储文件的 SHA-256"))
    # photos/ab/cd/<sha256>.jpg|png under MEDIA_ROOT, never served by URL (registry.photos.photo_response).
    file = models.FileField(_("文件"), max_length=100)
    content_type = models.CharField(_("文件类型"), max_length=16, choices=ContentType.choices)
    width = models.PositiveIntegerField(_("宽度（像素）"))
    height = models.PositiveIntegerField(_("高度（像素）"))
    bytes = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        User, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="photo_sha256_hex"),
            models.CheckConstraint(
                condition=Q(content_type__in=["image/jpeg", "image/png"]), name="photo_content_type"
            ),
            models.CheckConstraint(
                condition=Q(width__gt=0, height__gt=0, bytes__gt=0), name="photo_dimensions_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sha256[:12]} {self.width}×{self.height}"


class Message(models.Model):
    """One in-app message to one account (站内消息), written by registry.services.delivery.deliver; `key` makes
    a delivery idempotent."""

    user = models.ForeignKey(
        User, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="messages"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    link = models.CharField(_("链接"), max_length=200, blank=True, help_text=_("站内相对地址"))
    key = models.CharField(_("投递键"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="message_user_read")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(link__regex=r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//"), name="message_link_relative"
            )
        ]

    def __str__(self) -> str:
        return self.title
