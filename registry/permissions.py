"""Who may see and who may change what in the registry: the one permission layer of the API, the owner pages
and the admin (STYLE.md). Nothing else decides it; admin classes, views and services call this module.

Two questions per model, each answered here once:
- `visible_q(model, user)` — a filter over the model for what the user may see;
- `changeable_q(model, user)` — a filter for the stored rows the user may change, and `may_change(user=,
  obj=)` for one object: its row as stored *and* the state about to be saved must both lie in scope (so a
  compound cannot be moved into one's own community, nor a building added to someone else's compound).

Both start from the user's `Jurisdiction`, resolved in one query per request: the compounds of an official's
region, the compounds a firm serves, guardian view grants on single compounds, and the units an owner holds.
Scopes then filter by those id sets through indexes (`compound_id = ANY(…)`): a list costs what the user may
see, not the size of the city.

The rules:
- officials see their region's compounds and everything in them, and change what the street office keeps
  (compounds, parcels, contracts, buildings, entrances, committees, the designated voter of a unit); parcels
  they add must lie in their own county;
- a firm account sees the compounds its firm serves, keeps their entrances, equipment and maintenance log, and
  its own staff;
- an owner sees their own current units and the compounds those stand in;
- a guardian `registry.view_compound` grant (an official seconded to another street) and owning a flat add to
  what one *sees*, never to what one may change;
- former owners (ended ownership records, events naming them) are shown to officials only;
- the working-day calendar (holidays and 调休 overrides) is seen by every official and firm account, and kept
  by city-level officials;
- superusers see and change everything; inactive accounts nothing. Global model permissions never widen a
  scope (they only gate the admin's pages).
Not visible is a 404; visible but not allowed is a 403 (STYLE.md, rule 6).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection, models
from django.db.models import Q, QuerySet

from config.request_memo import forget, memoised
from registry.models import (
    AuditEvent,
    Building,
    CommitteeMember,
    Compound,
    Entrance,
    Equipment,
    Firm,
    FirmStaff,
    MaintenanceRecord,
    Official,
    Owner,
    OwnersCommittee,
    Ownership,
    Parcel,
    QuarantinedRecord,
    Region,
    RegistrationEvent,
    ServiceContract,
    SignupAttempt,
    SyncCursor,
    SyncRun,
    Unit,
    UnitChange,
    UnitNumberVersion,
    User,
    WorkingDayOverride,
)

ROLE_OWNER = "owner"
ROLE_OFFICIAL = "official"
ROLE_FIRM = "firm"

OFFICIALS_GROUP = "官方工作人员"
FIRM_GROUP = "物业企业账号"

VIEW_COMPOUND = "registry.view_compound"
CHANGE_QUARANTINE = "registry.change_quarantinedrecord"

NOTHING = Q(pk__in=[])

# Model permissions of the two staff groups: they gate the admin's pages; which objects a page shows and
# which it lets one change come from the scopes below.
OFFICIAL_MODEL_PERMISSIONS = {
    "region": ["view"],
    "firm": ["view", "add", "change"],
    "compound": ["view", "add", "change"],
    "parcel": ["view", "add", "change"],
    "servicecontract": ["view", "add", "change"],
    "building": ["view", "add", "change"],
    "entrance": ["view", "add", "change"],
    "unit": ["view", "change"],
    "unitnumberversion": ["view"],
    "unitchange": ["view"],
    "owner": ["view"],
    "ownership": ["view"],
    "firmstaff": ["view"],
    "official": ["view"],
    "ownerscommittee": ["view", "add", "change"],
    "committeemember": ["view", "add", "change", "delete"],
    "equipment": ["view"],
    "maintenancerecord": ["view"],
    "auditevent": ["view"],
    "registrationevent": ["view"],
    "quarantinedrecord": ["view", "change"],
    # kept by city-level officials only (`changeable_q`); every other official sees it read-only
    "workingdayoverride": ["view", "add", "change", "delete"],
}
FIRM_MODEL_PERMISSIONS = {
    "compound": ["view"],
    "servicecontract": ["view"],
    "building": ["view"],
    "entrance": ["view", "add", "change"],
    "unit": ["view"],
    "firmstaff": ["view", "add", "change"],
    "ownerscommittee": ["view"],
    "committeemember": ["view"],
    "equipment": ["view", "add", "change"],
    "maintenancerecord": ["view", "add"],
    "workingdayoverride": ["view"],
}


def roles(user: User) -> set[str]:
    """The roles of an account, from the records linked to it."""
    if not user.is_authenticated:
        return set()
    found = set()
    if _official(user) is not None:
        found.add(ROLE_OFFICIAL)
    if _firm_staff(user) is not None:
        found.add(ROLE_FIRM)
    if _owner(user) is not None:
        found.add(ROLE_OWNER)
    return found


def _official(user: User) -> Official | None:
    return getattr(user, "official", None)


def _firm_staff(user: User) -> FirmStaff | None:
    staff = getattr(user, "firm_staff", None)
    return staff if staff is not None and staff.active else None


def _owner(user: User) -> Owner | None:
    return getattr(user, "owner", None)


# ------------------------------------------------------------------------------------ jurisdiction


@dataclass(frozen=True)
class Jurisdiction:
    """What one account reaches, as sets of ids. `everything` for superusers, nothing for the inactive."""

    everything: bool = False
    region_path: str | None = None  # an official's region ("370200/370212/")
    region_level: str | None = None  # its level (Region.Level)
    county_codes: tuple[str, ...] = ()  # the counties (6-digit codes) an official may add parcels in
    firm_id: int | None = None  # an active firm account's firm
    owner_id: int | None = None
    region_compounds: frozenset[int] = frozenset()  # compounds in the official's region
    firm_compounds: frozenset[int] = frozenset()  # compounds the firm serves
    granted_compounds: frozenset[int] = frozenset()  # guardian view grants
    owned_units: frozenset[int] = frozenset()  # units the owner holds now
    owned_compounds: frozenset[int] = field(default_factory=frozenset)

    @property
    def full_compounds(self) -> frozenset[int]:
        """Compounds seen in full: every unit, holder and record in them."""
        return self.region_compounds | self.firm_compounds | self.granted_compounds

    @property
    def compounds(self) -> frozenset[int]:
        """Every compound one sees at all (owners: the ones their units stand in)."""
        return self.full_compounds | self.owned_compounds

    @property
    def city_wide(self) -> bool:
        """An official of the whole city (keeps city-wide registers such as the working-day calendar)."""
        return self.region_level == Region.Level.CITY

    @property
    def official_compounds(self) -> frozenset[int]:
        """Where one sees as an official: one's region, and grants held by an official."""
        if self.region_path is None:
            return frozenset()
        return self.region_compounds | self.granted_compounds


ALL = Jurisdiction(everything=True)
NONE = Jurisdiction()


@cache
def _jurisdiction_sql() -> str:
    from guardian.models import GroupObjectPermission, UserObjectPermission

    q = connection.ops.quote_name
    groups = User.groups.through._meta.db_table
    # Table names come from the models, never from input; every value is a bound parameter.
    return f"""
SELECT 'r', c.id, NULL::bigint FROM {q(Compound._meta.db_table)} c
  JOIN {q(Region._meta.db_table)} r ON r.id = c.community_id
 WHERE r.path LIKE %(path)s
UNION ALL
SELECT 'f', c.id, NULL FROM {q(Compound._meta.db_table)} c WHERE c.property_firm_id = %(firm)s
UNION ALL
SELECT 'g', g.object_pk::bigint, NULL FROM {q(UserObjectPermission._meta.db_table)} g
 WHERE g.user_id = %(user)s AND g.permission_id = %(perm)s
UNION ALL
SELECT 'g', g.object_pk::bigint, NULL FROM {q(GroupObjectPermission._meta.db_table)} g
  JOIN {q(groups)} ug ON ug.group_id = g.group_id
 WHERE ug.user_id = %(user)s AND g.permission_id = %(perm)s
UNION ALL
SELECT 'o', u.compound_id, o.unit_id FROM {q(Ownership._meta.db_table)} o
  JOIN {q(Unit._meta.db_table)} u ON u.id = o.unit_id
 WHERE o.owner_id = %(owner)s AND o.valid_to IS NULL
"""  # noqa: S608


@cache
def _view_compound_permission_id() -> int:
    from django.contrib.auth.models import Permission

    return Permission.objects.get(content_type__app_label="registry", codename="view_compound").pk


def _counties(region: Region) -> tuple[str, ...]:
    """GB/T 2260 county codes an official's region covers: its own county, or every county of a city."""
    code = region.code
    if region.level == Region.Level.CITY:
        return tuple(
            Region.objects.filter(level=Region.Level.DISTRICT, path__startswith=region.path).values_list(
                "code", flat=True
            )
        )
    return (code[:6],)


def _resolve(user: User) -> Jurisdiction:
    official, staff, owner = _official(user), _firm_staff(user), _owner(user)
    params = {
        "path": f"{official.region.path}%" if official is not None else None,
        "firm": staff.firm_id if staff is not None else None,
        "user": user.pk,
        "perm": _view_compound_permission_id(),
        "owner": owner.pk if owner is not None else None,
    }
    sets: dict[str, set[int]] = {"r": set(), "f": set(), "g": set(), "o": set()}
    units: set[int] = set()
    with connection.cursor() as cur:
        cur.execute(_jurisdiction_sql(), params)
        for kind, compound_id, unit_id in cur.fetchall():
            if compound_id is not None:
                sets[kind].add(compound_id)
            if unit_id is not None:
                units.add(unit_id)
    return Jurisdiction(
        region_path=official.region.path if official is not None else None,
        region_level=official.region.level if official is not None else None,
        county_codes=_counties(official.region) if official is not None else (),
        firm_id=staff.firm_id if staff is not None else None,
        owner_id=owner.pk if owner is not None else None,
        region_compounds=frozenset(sets["r"]),
        firm_compounds=frozenset(sets["f"]),
        granted_compounds=frozenset(sets["g"]),
        owned_units=frozenset(units),
        owned_compounds=frozenset(sets["o"]),
    )


def jurisdiction(user: User) -> Jurisdiction:
    """The user's jurisdiction, resolved in one query and kept for the rest of the request."""
    if not user.is_authenticated or not user.is_active:
        return NONE
    if user.is_superuser:
        return ALL
    return memoised(("registry.jurisdiction", user.pk), lambda: _resolve(user))


def jurisdiction_changed(user: User) -> None:
    """Forget the user's jurisdiction for the rest of the request (after a write that moves it: a compound
    created or moved, an account linked to an owner)."""
    forget(("registry.jurisdiction", user.pk))


def _ids(lookup: str, ids: frozenset[int]) -> Q:
    return Q(**{f"{lookup}__any": sorted(ids)}) if ids else NOTHING


# ------------------------------------------------------------------------------------- the scopes

# How each model reaches its compound (for the compound-scoped rules) or its unit.
COMPOUND_PATH: dict[type[models.Model], str] = {
    Compound: "pk",
    Parcel: "compound_id",
    ServiceContract: "compound_id",
    Building: "compound_id",
    Entrance: "building__compound_id",
    Unit: "compound_id",
    OwnersCommittee: "compound_id",
    CommitteeMember: "committee__compound_id",
    Equipment: "compound_id",
    MaintenanceRecord: "equipment__compound_id",
}
UNIT_PATH: dict[type[models.Model], str] = {
    UnitNumberVersion: "unit_id",
    UnitChange: "unit_id",
    RegistrationEvent: "unit_id",
}

SeeRule = Callable[[Jurisdiction, User], Q]


def _in_compounds(model: type[models.Model]) -> SeeRule:
    return lambda j, user: _ids(COMPOUND_PATH[model], j.compounds)


def _unit_see(j: Jurisdiction, user: User) -> Q:
    return _ids("compound_id", j.full_compounds) | _ids("pk", j.owned_units)


def _unit_history_see(model: type[models.Model]) -> SeeRule:
    path = UNIT_PATH[model]
    compound = path.removesuffix("_id") + "__compound_id"
    return lambda j, user: _ids(compound, j.full_compounds) | _ids(path, j.owned_units)


def _registration_event_see(j: Jurisdiction, user: User) -> Q:
    # A CREATE names the first holders, who may be former owners by now: officials only.
    return _ids("unit__compound_id", j.official_compounds)


def _owner_see(j: Jurisdiction, user: User) -> Q:
    current = Ownership.objects.filter(valid_to__isnull=True).filter(
        _ids("unit__compound_id", j.full_compounds)
    )
    q = Q(pk__in=current.values("owner_id")) if j.full_compounds else NOTHING
    return q | Q(pk=j.owner_id) if j.owner_id is not None else q


def _ownership_see(j: Jurisdiction, user: User) -> Q:
    """Current records where one sees the unit; ended ones (former owners) only as an official; one's own."""
    q = Q(valid_to__isnull=True) & (
        _ids("unit__compound_id", j.full_compounds) | _ids("unit_id", j.owned_units)
    )
    q |= _ids("unit__compound_id", j.official_compounds)
    if j.owner_id is not None:
        q |= Q(owner_id=j.owner_id)
    return q


def _firm_see(j: Jurisdiction, user: User) -> Q:
    # Firms are a city-wide register (credit codes are public): every official sees them all.
    if j.region_path is not None:
        return Q()
    return Q(pk=j.firm_id) if j.firm_id is not None else NOTHING


def _firm_staff_see(j: Jurisdiction, user: User) -> Q:
    q = NOTHING
    if j.region_path is not None and j.full_compounds:
        through = FirmStaff.compounds.through.objects.filter(compound_id__any=sorted(j.full_compounds))
        q |= Q(pk__in=through.values("firmstaff_id"))
    if j.firm_id is not None:
        q |= Q(firm_id=j.firm_id)
    return q


def _region_see(j: Jurisdiction, user: User) -> Q:
    return Q(path__startswith=j.region_path) if j.region_path is not None else NOTHING


def _official_see(j: Jurisdiction, user: User) -> Q:
    return Q(region__path__startswith=j.region_path) if j.region_path is not None else NOTHING


def _audit_see(j: Jurisdiction, user: User) -> Q:
    """What one did oneself, and what was done in the compounds one sees as an official or firm."""
    return Q(actor_id=user.pk) | _ids(
        "compound_id", j.region_compounds | j.firm_compounds | j.granted_compounds
    )


def _parcel_codes(compounds: frozenset[int]) -> list[str]:
    return list(Parcel.objects.filter(compound_id__any=sorted(compounds)).values_list("code", flat=True))


def _quarantine_see(j: Jurisdiction, user: User) -> Q:
    """Officials see refused lines that name a parcel of a compound they see as officials."""
    if not j.official_compounds:
        return NOTHING
    return Q(parcel_codes__overlap=_parcel_codes(j.official_compounds))


# Sources of the real register feed (`file:<name>` from the command or the drop directory, `http:<base>` from
# the endpoint): their runs cover the whole city, so any official may watch them; demo, bench and test runs
# stay superuser-only.
FEED_SOURCE_PREFIXES = ("file:", "http:", "https:")


def _sync_run_see(j: Jurisdiction, user: User) -> Q:
    if j.region_path is None:
        return NOTHING
    q = NOTHING
    for prefix in FEED_SOURCE_PREFIXES:
        q |= Q(source__startswith=prefix)
    return q


def _staff_see(j: Jurisdiction, user: User) -> Q:
    """City-wide reference data every official and firm account reads (the working-day calendar)."""
    return Q() if j.region_path is not None or j.firm_id is not None else NOTHING


SEE: dict[type[models.Model], SeeRule] = {
    Region: _region_see,
    Firm: _firm_see,
    Compound: _in_compounds(Compound),
    Parcel: _in_compounds(Parcel),
    ServiceContract: _in_compounds(ServiceContract),
    Building: _in_compounds(Building),
    Entrance: _in_compounds(Entrance),
    Unit: _unit_see,
    UnitNumberVersion: _unit_history_see(UnitNumberVersion),
    UnitChange: _unit_history_see(UnitChange),
    RegistrationEvent: _registration_event_see,
    Owner: _owner_see,
    Ownership: _ownership_see,
    FirmStaff: _firm_staff_see,
    Official: _official_see,
    OwnersCommittee: _in_compounds(OwnersCommittee),
    CommitteeMember: _in_compounds(CommitteeMember),
    Equipment: _in_compounds(Equipment),
    MaintenanceRecord: _in_compounds(MaintenanceRecord),
    AuditEvent: _audit_see,
    QuarantinedRecord: _quarantine_see,
    SyncRun: _sync_run_see,
    WorkingDayOverride: _staff_see,
    User: lambda j, user: Q(pk=user.pk),
    # SignupAttempt and SyncCursor: superusers only (attempts cannot be placed in a jurisdiction).
    SignupAttempt: lambda j, user: NOTHING,
    SyncCursor: lambda j, user: NOTHING,
}

# Who keeps what, by the compound it belongs to: the street office (officials over the region) or the firm
# serving it. Everything not listed here is history or comes from the registration feed: nobody changes it.
OFFICIAL_KEEPS = {Compound, Parcel, ServiceContract, Building, Unit, OwnersCommittee, CommitteeMember}
FIRM_KEEPS = {Equipment, MaintenanceRecord}
BOTH_KEEP = {Entrance}
APPEND_ONLY = {MaintenanceRecord}  # new entries only


def _keeper_compounds(model: type[models.Model], j: Jurisdiction) -> frozenset[int]:
    if model in OFFICIAL_KEEPS:
        return j.region_compounds
    if model in FIRM_KEEPS:
        return j.firm_compounds
    if model in BOTH_KEEP:
        return j.region_compounds | j.firm_compounds
    return frozenset()


def _firm_change(j: Jurisdiction, user: User) -> Q:
    """An official changes a firm's record only when every compound it serves or developed is in their region."""
    if j.region_path is None:
        return NOTHING
    elsewhere = Compound.objects.exclude(_ids("pk", j.region_compounds))
    return ~Q(pk__in=elsewhere.filter(property_firm__isnull=False).values("property_firm_id")) & ~Q(
        pk__in=elsewhere.filter(developer__isnull=False).values("developer_id")
    )


def visible_q(model: type[models.Model], user: User) -> Q:
    """The filter over `model` for what `user` may see."""
    j = jurisdiction(user)
    if j.everything:
        return Q()
    rule = SEE.get(model)
    return rule(j, user) if rule is not None and j is not NONE else NOTHING


def changeable_q(model: type[models.Model], user: User) -> Q:
    """The filter over `model` for the stored rows `user` may change (a view grant or an owned flat never
    counts). Append-only and feed-owned models: nothing, superusers included, except where noted."""
    j = jurisdiction(user)
    if j.everything:
        return NOTHING if model in APPEND_ONLY else Q()
    if j is NONE or model in APPEND_ONLY:
        return NOTHING
    if model is Firm:
        return _firm_change(j, user)
    if model is FirmStaff:
        return Q(firm_id=j.firm_id) if j.firm_id is not None else NOTHING
    if model is WorkingDayOverride:
        return Q() if j.city_wide else NOTHING
    if model in COMPOUND_PATH:
        return _ids(COMPOUND_PATH[model], _keeper_compounds(model, j))
    return NOTHING


def relation_choices(*, model: type[models.Model], related: type[models.Model], user: User) -> QuerySet:
    """What `user` may pick for a relation of `model` to `related`: the objects they see and — where `model`
    is kept by compound (a building's compound, a lift's entrance) — only in compounds where they keep it."""
    qs = visible(related, user)
    j = jurisdiction(user)
    if j.everything or model not in COMPOUND_PATH or related not in COMPOUND_PATH:
        return qs
    return qs.filter(_ids(COMPOUND_PATH[related], _keeper_compounds(model, j)))


def visible(model: type[models.Model], user: User) -> QuerySet:
    """Objects of `model` that `user` may see."""
    return model._default_manager.filter(visible_q(model, user))


def changeable(model: type[models.Model], user: User) -> QuerySet:
    """Stored objects of `model` that `user` may change."""
    return model._default_manager.filter(changeable_q(model, user))


# ----------------------------------------------------------------------------------- one object


def compound_of(obj: models.Model) -> int | None:
    """The compound an object belongs to, as it stands in memory (about to be saved)."""
    path = COMPOUND_PATH[type(obj)]
    if path == "pk":
        return obj.pk
    *relations, column = path.split("__")
    target: Any = obj
    for name in relations:
        target = getattr(target, name, None)
        if target is None:
            return None
    return getattr(target, column, None)


def parcel_in_county(*, user: User, code: str) -> bool:
    """A parcel an official adds lies in their own county (its first six characters), or any county of their
    city for a city official."""
    j = jurisdiction(user)
    return j.everything or code[:6] in j.county_codes


def _new_state_allowed(j: Jurisdiction, user: User, obj: models.Model) -> bool:
    model = type(obj)
    if model is Compound:
        community = getattr(obj, "community", None)
        return bool(j.region_path and community is not None and community.path.startswith(j.region_path))
    if model is Firm:
        return j.region_path is not None
    if model is FirmStaff:
        return j.firm_id is not None and obj.firm_id == j.firm_id
    if model is WorkingDayOverride:
        return j.city_wide
    if model not in COMPOUND_PATH:
        return False
    if model is Parcel and not parcel_in_county(user=user, code=obj.code or ""):
        return False
    return compound_of(obj) in _keeper_compounds(model, j)


def may_change(*, user: User, obj: models.Model) -> bool:
    """Whether `user` may save `obj`: its stored row (if any) lies in `changeable_q`, and its new state in the
    user's jurisdiction too. Services call this before writing; the admin asks it for its buttons."""
    j = jurisdiction(user)
    model = type(obj)
    if j.everything:
        return not (model in APPEND_ONLY and obj.pk is not None)
    if j is NONE:
        return False
    if obj.pk is not None and (
        model in APPEND_ONLY
        or not model._default_manager.filter(changeable_q(model, user), pk=obj.pk).exists()
    ):
        return False
    return _new_state_allowed(j, user, obj)


def may_add(*, user: User, model: type[models.Model]) -> bool:
    """Whether `user` keeps any record of `model` at all (the admin's "add" button; the object is checked
    again by `may_change` when saved)."""
    j = jurisdiction(user)
    if j.everything:
        return model in COMPOUND_PATH or model in (Firm, FirmStaff, Official, User, WorkingDayOverride)
    if model is Firm:
        return j.region_path is not None
    if model is WorkingDayOverride:
        return j.city_wide
    if model is FirmStaff:
        return j.firm_id is not None
    return model in COMPOUND_PATH and bool(_keeper_compounds(model, j))


def may_read_region_figures(user: User) -> bool:
    """The officials' figures and overview pages (complaints figures, the overview): superusers and officials —
    not owners, firms or committees."""
    j = jurisdiction(user)
    return j.everything or j.region_path is not None


def region_figures_q(*, user: User) -> Q:
    """A filter over Region: the regions whose figures `user` reads (their own region and below)."""
    j = jurisdiction(user)
    if j.everything:
        return Q()
    if j.region_path is None:
        return NOTHING
    return Q(path__startswith=j.region_path)


def compound_visible(*, user: User, compound: Compound) -> bool:
    """Whether `user` sees the compound (the rule of `visible_q(Compound)` for one compound)."""
    j = jurisdiction(user)
    return j.everything or compound.pk in j.compounds


def compound_seen_in_full(*, user: User, compound: Compound) -> bool:
    """Whether `user` sees every unit, holder and record of the compound (not only their own flat)."""
    j = jurisdiction(user)
    return j.everything or compound.pk in j.full_compounds


def official_over(*, user: User, compound: Compound) -> bool:
    """The street office over the compound: an official whose region contains it (grants never count)."""
    j = jurisdiction(user)
    return j.everything or compound.pk in j.region_compounds


def sees_former_owners(*, user: User, compound: Compound | None) -> bool:
    """Ended ownership records and the names in them are shown to officials over the compound only."""
    j = jurisdiction(user)
    return j.everything or (compound is not None and compound.pk in j.official_compounds)


def can_designate_voter(*, user: User, compound: Compound) -> bool:
    """Officials over the compound record which co-owner casts a unit's vote (api.md)."""
    return official_over(user=user, compound=compound)


def can_file_committee(*, user: User, compound: Compound) -> bool:
    """The street office (an official over the compound) files owners' committees."""
    return official_over(user=user, compound=compound)


def can_verify_organisation(*, user: User, owner: Owner) -> bool:
    """An organisation's account (its name and credit code are public) is enabled by the street office over
    a compound where it holds a unit, after checking its licence and the representative's authorisation."""
    j = jurisdiction(user)
    if j.everything:
        return True
    if not j.region_compounds:
        return False
    return Ownership.objects.filter(
        owner=owner, valid_to__isnull=True, unit__compound_id__any=sorted(j.region_compounds)
    ).exists()


def can_manage_equipment(*, user: User, compound: Compound) -> bool:
    """The firm serving a compound keeps its equipment and maintenance log."""
    j = jurisdiction(user)
    return j.everything or compound.pk in j.firm_compounds


# ------------------------------------------------------------------------------ the feed's quarantine


def quarantine_changeable_q(user: User) -> Q:
    """Lines an official may re-apply or dismiss: every parcel the line names is in their region (so a
    corrected line cannot reach into another district); lines naming no known parcel: superusers only."""
    j = jurisdiction(user)
    if j.everything:
        return Q()
    if j.region_path is None or not user.has_perm(CHANGE_QUARANTINE):
        return NOTHING
    return Q(parcel_codes__contained_by=_parcel_codes(j.region_compounds)) & ~Q(parcel_codes=[])


def can_reapply_quarantined(
    *,
    user: User,
    record: QuarantinedRecord,
    parcel_codes: list[str] | None = None,
    event_id: str | None = None,
) -> bool:
    """Whether `user` may re-apply (or dismiss) the stored line, and — for a corrected line — whether the
    correction still names only parcels in their region (`parcel_codes`, non-empty) and keeps the line's
    event id."""
    if not QuarantinedRecord.objects.filter(quarantine_changeable_q(user), pk=record.pk).exists():
        return False
    if parcel_codes is None:
        return True
    if event_id is not None and record.event_id and event_id != record.event_id:
        return False
    j = jurisdiction(user)
    if j.everything:
        return True
    return bool(parcel_codes) and set(parcel_codes) <= set(_parcel_codes(j.region_compounds))
