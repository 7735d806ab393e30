"""Who may see and do what in the registry: roles, jurisdiction scopes and guardian object grants.

One layer for every interface (API, pages, admin):
- an official sees the compounds of their region (street, district or city) and everything in them;
- a firm account sees the compounds its firm serves (and their units, buildings, equipment);
- an owner sees their own current units and the compounds those stand in;
- anyone may additionally be granted `registry.view_compound` on single compounds through django-guardian
  (e.g. an official seconded to another street); global model permissions never widen the scope.
Not visible is a 404; visible but not allowed is a 403 (STYLE.md, rule 6).
"""

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import StrIndex
from guardian.shortcuts import get_objects_for_user

from registry.models import Compound, Ownership, Parcel, QuarantinedRecord, User

ROLE_OWNER = "owner"
ROLE_OFFICIAL = "official"
ROLE_FIRM = "firm"

OFFICIALS_GROUP = "官方工作人员"
FIRM_GROUP = "物业企业账号"

VIEW_COMPOUND = "registry.view_compound"

# Model permissions of the two staff groups in the admin; objects are still scoped by `compound_scope`.
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
}


def roles(user: User) -> set[str]:
    """The roles of an account, from the records linked to it."""
    if not user.is_authenticated:
        return set()
    found = set()
    if hasattr(user, "official"):
        found.add(ROLE_OFFICIAL)
    if hasattr(user, "firm_staff") and user.firm_staff.active:
        found.add(ROLE_FIRM)
    if hasattr(user, "owner"):
        found.add(ROLE_OWNER)
    return found


def _jurisdiction(user: User, *, compound: str, owned: str) -> Q:
    """The one visibility rule, over any model: `compound` is the lookup path from it to its compound ("" for
    Compound itself), `owned` the column a current ownership gives owners ("unit__compound_id" or "unit_id")."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    q = Q(pk__in=[])
    official = getattr(user, "official", None)
    if official is not None:
        q |= Q(**{f"{compound}community__path__startswith": official.region.path})
    staff = getattr(user, "firm_staff", None)
    if staff is not None and staff.active:
        q |= Q(**{f"{compound}property_firm_id": staff.firm_id})
    owner = getattr(user, "owner", None)
    if owner is not None:
        # a subquery on the current-ownership index, not a join over every unit of every compound
        q |= Q(pk__in=Ownership.objects.filter(owner_id=owner.pk, valid_to__isnull=True).values(owned))
    granted = get_objects_for_user(
        user, VIEW_COMPOUND, klass=Compound, accept_global_perms=False, with_superuser=False
    )
    q |= Q(**{f"{compound}pk__in": granted.values("pk")})
    return q


def compound_scope(user: User) -> Q:
    """A filter over Compound for what `user` may see (superusers: everything)."""
    return _jurisdiction(user, compound="", owned="unit__compound_id")


def compound_visible(*, user: User, compound: Compound) -> bool:
    """The rule of `compound_scope` for one compound (same answer), with at most two small queries."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    official = getattr(user, "official", None)
    if official is not None and compound.community.path.startswith(official.region.path):
        return True
    staff = getattr(user, "firm_staff", None)
    if staff is not None and staff.active and compound.property_firm_id == staff.firm_id:
        return True
    owner = getattr(user, "owner", None)
    if owner is not None and Ownership.objects.filter(
        owner_id=owner.pk, valid_to__isnull=True, unit__compound_id=compound.pk
    ).exists():
        return True
    return user.has_perm(VIEW_COMPOUND, compound)  # guardian object grants (global permissions answer False)


def unit_scope(user: User) -> Q:
    """A filter over Unit: officials and firms see units of their compounds; owners only their own units."""
    return _jurisdiction(user, compound="compound__", owned="unit_id")


def can_designate_voter(*, user: User, compound: Compound) -> bool:
    """Officials over the compound record which co-owner casts a unit's vote (api.md)."""
    if user.is_superuser:
        return True
    official = getattr(user, "official", None)
    return official is not None and compound.community.path.startswith(official.region.path)


def can_file_committee(*, user: User, compound: Compound) -> bool:
    """The street office (an official over the compound) files owners' committees."""
    return can_designate_voter(user=user, compound=compound)


def can_manage_equipment(*, user: User, compound: Compound) -> bool:
    """The firm serving a compound keeps its equipment and maintenance log."""
    if user.is_superuser:
        return True
    staff = getattr(user, "firm_staff", None)
    return staff is not None and staff.active and compound.property_firm_id == staff.firm_id


# ---------------------------------------------------------------------------- the feed's quarantine

CHANGE_QUARANTINE = "registry.change_quarantinedrecord"

# Sources of the real register feed (`file:<name>` from the command or the drop directory, `http:<base>` from
# the endpoint): their runs cover the whole city, so any official may watch them; demo, bench and test runs
# stay superuser-only.
FEED_SOURCE_PREFIXES = ("file:", "http:", "https:")


def _parcels_in_scope(user: User) -> QuerySet[Parcel]:
    return Parcel.objects.filter(compound__in=Compound.objects.filter(compound_scope(user)).values("pk"))


def quarantine_scope(user: User) -> Q:
    """A filter over QuarantinedRecord: officials see refused lines naming a parcel of a compound they see
    (unit numbers start with the parcel code); superusers see all; everyone else nothing."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    if getattr(user, "official", None) is None:
        return Q(pk__in=[])
    parcels = _parcels_in_scope(user).annotate(at=StrIndex(OuterRef("raw"), F("code"))).filter(at__gt=0)
    return Q(Exists(parcels))


def can_reapply_quarantined(*, user: User, record: QuarantinedRecord, raw: str | None = None) -> bool:
    """Superusers, and officials (with `registry.change_quarantinedrecord`) over the line's parcel; a corrected
    line (`raw`) must still name a parcel in their scope, so no one re-applies into another jurisdiction."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if getattr(user, "official", None) is None or not user.has_perm(CHANGE_QUARANTINE):
        return False
    if not QuarantinedRecord.objects.filter(quarantine_scope(user), pk=record.pk).exists():
        return False
    if raw is None:
        return True
    return _parcels_in_scope(user).annotate(at=StrIndex(Value(raw), F("code"))).filter(at__gt=0).exists()


def sync_run_scope(user: User) -> Q:
    """A filter over SyncRun: superusers see every run, officials the runs of the real feed sources."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    if getattr(user, "official", None) is None:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for prefix in FEED_SOURCE_PREFIXES:
        q |= Q(source__startswith=prefix)
    return q
