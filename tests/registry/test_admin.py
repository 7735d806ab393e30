"""The staff admin: every model registered, scoped to the staff member, history read-only, writes through
services, personal data masked, changelists without N+1."""

import datetime as dt
import io
import uuid
from dataclasses import dataclass
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from registry.models import (
    AuditEvent,
    CommitteeMember,
    Compound,
    Equipment,
    Firm,
    FirmStaff,
    MaintenanceRecord,
    Official,
    Owner,
    OwnersCommittee,
    Ownership,
    Photo,
    QuarantinedRecord,
    Region,
    RegistrationEvent,
    SignupAttempt,
    SyncCursor,
    SyncRun,
    Unit,
    UnitChange,
    UnitNumberVersion,
    User,
    WorkingDayOverride,
)
from registry.permissions import OFFICIALS_GROUP
from registry.services.delivery import deliver
from registry.services.equipment import equipment_register, maintenance_record_add
from registry.services.photos import photo_ingest
from registry.services.quarantine import quarantine_dismiss
from registry.services.registration import registration_feed_apply
from tests.conftest import (
    A_0101,
    A_0102,
    A_0201,
    A_0202,
    B_0101,
    FIRM_A,
    IDS,
    NAMES,
    PARCEL_A,
    PARCEL_B,
    PASSWORD,
    World,
    browser_as,
    person,
    unit_number,
)
from tests.factories import CompoundFactory, feed_line

RAW_PHONE = "13800138000"
MASKED_PHONE = "138****8000"
CODE_A = "QD-370212-0001"
CODE_B = "QD-370212-0002"

# Models whose add page the admin offers (to a superuser); the others are history or come from feeds.
ADDABLE = {
    "firm",
    "compound",
    "parcel",
    "servicecontract",
    "building",
    "entrance",
    "firmstaff",
    "official",
    "ownerscommittee",
    "committeemember",
    "equipment",
    "maintenancerecord",
    "user",
    "workingdayoverride",
}
READ_ONLY = [
    Ownership,
    UnitNumberVersion,
    AuditEvent,
    RegistrationEvent,
    MaintenanceRecord,
    SignupAttempt,
    Owner,
    Region,
    SyncCursor,
    SyncRun,
    UnitChange,
    QuarantinedRecord,
    Photo,
]


def _small_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


@dataclass
class Rich:
    world: World
    root: User
    lift_a: Equipment
    pump_a: Equipment
    gate_b: Equipment
    committee_a: OwnersCommittee
    quarantined_a: QuarantinedRecord
    quarantined_b: QuarantinedRecord
    quarantined_malformed: QuarantinedRecord


@pytest.fixture
def rich(world: World) -> Rich:
    """The world plus equipment with a log, a committee, quarantined lines and a staff phone number."""
    root = User.objects.create_superuser("root", password=PASSWORD)
    building_a = world.compound_a.buildings.get(number="0005")
    lift_a = equipment_register(
        actor=world.firm_a,
        compound=world.compound_a,
        category=Equipment.Category.LIFT,
        name="1号电梯",
        maintenance_interval_days=15,
        building=building_a,
        installed_on=dt.date(2025, 1, 1),
    )
    maintenance_record_add(
        actor=world.firm_a,
        equipment=lift_a,
        kind=MaintenanceRecord.Kind.MAINTENANCE,
        performed_on=dt.date(2025, 2, 1),
    )
    pump_a = equipment_register(
        actor=world.firm_a,
        compound=world.compound_a,
        category=Equipment.Category.FIRE_PUMP,
        name="消防泵",
        maintenance_interval_days=90,
        common_area="地下泵房",
        installed_on=timezone.localdate(),
    )
    gate_b = equipment_register(
        actor=world.firm_b,
        compound=world.compound_b,
        category=Equipment.Category.GATE,
        name="东门道闸",
        maintenance_interval_days=30,
        common_area="东门",
        installed_on=dt.date(2025, 1, 1),
    )
    committee_a = OwnersCommittee.objects.create(
        compound=world.compound_a,
        term_starts_on=dt.date(2024, 1, 1),
        term_ends_on=dt.date(2028, 12, 31),
        filing_status=OwnersCommittee.Filing.FILED,
        filed_on=dt.date(2024, 2, 1),
        filing_no="崂山备字2024-001",
    )
    CommitteeMember.objects.create(
        committee=committee_a, owner=world.alice.owner, role=CommitteeMember.Role.DIRECTOR
    )
    bad_shares = feed_line(
        unit_number(PARCEL_A, 5, "0301"),
        [{**person("alice"), "share": "1/3"}, {**person("bob"), "share": "1/3", "certificate_holder": False}],
        co_ownership="shares",
    )
    bad_shares_b = feed_line(
        unit_number(PARCEL_B, 1, "0301"),
        [
            {**person("carol"), "share": "1/3"},
            {**person("dave"), "share": "1/3", "certificate_holder": False},
        ],
        co_ownership="shares",
    )
    registration_feed_apply(lines=[bad_shares, bad_shares_b, "{not json"], source="test-admin")
    quarantined = QuarantinedRecord.objects.filter(source="test-admin").order_by("line_no")
    FirmStaff.objects.filter(user=world.firm_a).update(phone=RAW_PHONE)
    if not UnitChange.objects.exists():  # until the feed consumer writes them
        UnitChange.objects.create(
            unit=world.unit(A_0101),
            event_id=uuid.uuid4(),
            event_type="CHANGE",
            changes={"registered_area": ["100.00", "101.00"]},
        )
    WorkingDayOverride.objects.create(date=dt.date(2027, 1, 1), is_working_day=False, name="元旦")
    if not SyncRun.objects.exists():
        SyncRun.objects.create(source="test-admin", total=10, applied=3, skipped=1, quarantined=1, last_seq=5)
    photo_ingest(actor=world.alice, upload=SimpleUploadedFile("IMG_0001.jpg", _small_jpeg()))
    deliver(user=world.alice, title="投诉已受理", body="您的投诉已受理。", key="test-admin:1", link="/complaints/")
    return Rich(
        world=world,
        root=root,
        lift_a=lift_a,
        pump_a=pump_a,
        gate_b=gate_b,
        committee_a=committee_a,
        quarantined_a=quarantined[0],
        quarantined_b=quarantined[1],
        quarantined_malformed=quarantined[2],
    )


# ------------------------------------------------------------------------------------------ helpers


def assert_no_personal_data(html: str) -> None:
    assert RAW_PHONE not in html
    for id_number in IDS.values():
        assert id_number not in html


def get(client: Client, url: str, **params: str):
    """GET an admin page and check it shows no raw phone number or ID number."""
    response = client.get(url, params)
    assert_no_personal_data(response.content.decode())
    return response


def changelist_url(model: type[Model]) -> str:
    return reverse(f"admin:registry_{model._meta.model_name}_changelist")


def change_url(obj: Model) -> str:
    return reverse(f"admin:registry_{obj._meta.model_name}_change", args=[obj.pk])


def add_url(model: type[Model]) -> str:
    return reverse(f"admin:registry_{model._meta.model_name}_add")


def listed(response) -> list:
    assert response.status_code == HTTPStatus.OK
    return list(response.context["cl"].result_list)


def form_data(response) -> dict:
    """The POST data of an admin change/add page as rendered: main form values and inline management forms."""
    data: dict = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms.extend(formset.forms)
    for form in forms:
        for field in form:
            value = field.value()
            if field.field.disabled or value is None or value is False or hasattr(value, "url"):
                continue
            if value is True:
                data[field.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[field.html_name] = [str(v) for v in value]
            else:
                data[field.html_name] = str(value)
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def owner_of(user: User) -> Owner:
    return Owner.objects.get(user=user)


# ------------------------------------------------------------------------------------ registration


def test_every_registry_model_is_registered():
    # given
    models = set(apps.get_app_config("registry").get_models())

    # when
    registered = {m for m in admin.site._registry if m._meta.app_label == "registry"}

    # then
    assert registered == models


REGISTERED = sorted(m._meta.model_name for m in apps.get_app_config("registry").get_models())


@pytest.mark.parametrize("model_name", REGISTERED)
def test_superuser_smoke_every_model(rich: Rich, model_name: str):
    # given
    model = apps.get_model("registry", model_name)
    obj = model._default_manager.order_by("pk").first()
    client = browser_as(rich.root)

    # when
    changelist = get(client, changelist_url(model))
    change = get(client, change_url(obj))
    add = get(client, add_url(model))

    # then
    assert changelist.status_code == HTTPStatus.OK
    assert obj in changelist.context["cl"].result_list
    assert change.status_code == HTTPStatus.OK
    expected_add = HTTPStatus.OK if model_name in ADDABLE else HTTPStatus.FORBIDDEN
    assert add.status_code == expected_add


# ------------------------------------------------------------------------------------------- scope


@pytest.mark.parametrize(
    ("who", "codes"),
    [
        ("official_a", [CODE_A]),
        ("official_b", [CODE_B]),
        ("official_district", [CODE_A, CODE_B]),
        ("firm_a", [CODE_A]),
        ("firm_b", [CODE_B]),
    ],
)
def test_compound_changelist_shows_only_the_scope(rich: Rich, who: str, codes: list[str]):
    # given
    client = browser_as(getattr(rich.world, who))

    # when
    response = get(client, changelist_url(Compound))

    # then
    assert [c.code for c in listed(response)] == codes


@pytest.mark.parametrize(
    ("who", "numbers"),
    [
        ("official_a", [A_0101, A_0102, A_0201, A_0202]),
        ("firm_a", [A_0101, A_0102, A_0201, A_0202]),
        ("official_b", [B_0101]),
        ("firm_b", [B_0101]),
    ],
)
def test_unit_changelist_shows_only_the_scope(rich: Rich, who: str, numbers: list[str]):
    # given
    client = browser_as(getattr(rich.world, who))

    # when
    response = get(client, changelist_url(Unit))

    # then
    assert [u.unit_number for u in listed(response)] == numbers


@pytest.mark.parametrize(
    ("who", "codes"),
    [
        ("official_a", [f"{CODE_A}-FIRE-001", f"{CODE_A}-LIFT-001"]),
        ("firm_a", [f"{CODE_A}-FIRE-001", f"{CODE_A}-LIFT-001"]),
        ("official_b", [f"{CODE_B}-GATE-001"]),
        ("firm_b", [f"{CODE_B}-GATE-001"]),
    ],
)
def test_equipment_changelist_shows_only_the_scope(rich: Rich, who: str, codes: list[str]):
    # given
    client = browser_as(getattr(rich.world, who))

    # when
    response = get(client, changelist_url(Equipment))

    # then
    assert [e.code for e in listed(response)] == codes


@pytest.mark.parametrize(
    ("who", "names"),
    [
        ("official_a", {NAMES["alice"], NAMES["bob"], NAMES["bella"], NAMES["dave"], "某置业有限公司"}),
        ("official_b", {NAMES["carol"]}),
    ],
)
def test_owner_changelist_shows_holders_of_visible_units(rich: Rich, who: str, names: set[str]):
    # given
    client = browser_as(getattr(rich.world, who))

    # when
    response = get(client, changelist_url(Owner))

    # then
    assert {o.name for o in listed(response)} == names


def test_firm_account_has_no_owner_register(rich: Rich):
    # given
    client = browser_as(rich.world.firm_a)

    # when
    response = get(client, changelist_url(Owner))

    # then
    assert response.status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize(
    ("who", "model", "key", "expected"),
    [
        ("official_a", Region, "code", ["370212001", "370212001001"]),
        (
            "official_district",
            Region,
            "code",
            ["370212", "370212001", "370212001001", "370212002", "370212002001"],
        ),
        ("official_a", Official, "region_id", None),  # filled below: only official_a's own region
        ("official_a", FirmStaff, "name", ["firm_a"]),
        ("official_b", FirmStaff, "name", ["firm_b"]),
        ("firm_a", FirmStaff, "name", ["firm_a"]),
        ("official_a", OwnersCommittee, "filing_no", ["崂山备字2024-001"]),
        ("official_b", OwnersCommittee, "filing_no", []),
        ("firm_a", MaintenanceRecord, "kind", ["maintenance"]),
        ("firm_b", MaintenanceRecord, "kind", []),
        ("official_a", RegistrationEvent, "unit_number", [A_0101, A_0102, A_0201, A_0202]),
        ("official_b", RegistrationEvent, "unit_number", [B_0101]),
    ],
)
def test_other_changelists_show_only_the_scope(rich: Rich, who: str, model: type[Model], key: str, expected):
    # given
    user = getattr(rich.world, who)
    if model is Official:
        expected = [user.official.region_id]
    client = browser_as(user)

    # when
    response = get(client, changelist_url(model))

    # then
    assert sorted(getattr(obj, key) for obj in listed(response)) == sorted(expected)


def test_audit_changelist_of_an_official_holds_own_actions_and_targets_in_scope(rich: Rich):
    # given
    client = browser_as(rich.world.official_a)

    # when
    rows = listed(get(client, changelist_url(AuditEvent)))

    # then
    equipment_codes = sorted(e.data["code"] for e in rows if e.verb == "equipment.register")
    assert equipment_codes == [f"{CODE_A}-FIRE-001", f"{CODE_A}-LIFT-001"]
    assert {e.verb for e in rows} == {"equipment.register", "maintenance.add", "owner.signup"}
    assert sorted(e.actor.username for e in rows if e.verb == "owner.signup") == ["alice", "bella", "bob"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [("official_a", ["quarantined_a"]), ("official_b", ["quarantined_b"]), ("firm_a", None)],
)
def test_quarantine_changelist_shows_lines_naming_parcels_in_scope(rich: Rich, who: str, expected):
    # given
    client = browser_as(getattr(rich.world, who))

    # when
    response = get(client, changelist_url(QuarantinedRecord))

    # then
    if expected is None:
        assert response.status_code == HTTPStatus.FORBIDDEN
    else:
        assert [r.pk for r in listed(response)] == [getattr(rich, name).pk for name in expected]


def test_signup_attempts_sync_cursors_and_photos_are_for_superusers_only(rich: Rich):
    # given
    client = browser_as(rich.world.official_a)

    # when
    attempts = get(client, changelist_url(SignupAttempt))
    cursors = get(client, changelist_url(SyncCursor))
    photos = get(client, changelist_url(Photo))
    index = get(client, reverse("admin:index"))

    # then
    assert attempts.status_code == HTTPStatus.FORBIDDEN
    assert cursors.status_code == HTTPStatus.FORBIDDEN
    assert photos.status_code == HTTPStatus.FORBIDDEN
    assert changelist_url(SignupAttempt) not in index.content.decode()
    assert changelist_url(Compound) in index.content.decode()


@pytest.mark.parametrize("who", ["official_a", "firm_a"])
def test_a_compound_outside_the_scope_is_not_shown(rich: Rich, who: str):
    # given
    client = browser_as(getattr(rich.world, who))

    # when
    response = client.get(change_url(rich.world.compound_b))
    followed = get(client, response.url)

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("admin:index")
    assert "海韵小区" not in followed.content.decode()
    assert messages_of(followed) == [f"ID 为“{rich.world.compound_b.pk}”的 小区 不存在。可能已经被删除了？"]


def test_an_official_cannot_post_to_a_unit_outside_the_scope(rich: Rich):
    # given
    unit_b = rich.world.unit(B_0101)
    client = browser_as(rich.world.official_a)

    # when
    response = client.post(change_url(unit_b), {"designated_voter": owner_of(rich.world.carol).pk})

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("admin:index")
    assert Unit.objects.get(pk=unit_b.pk).designated_voter_id is None


def test_owner_autocomplete_is_scoped(rich: Rich):
    # given
    client = browser_as(rich.world.official_a)
    params = {"app_label": "registry", "model_name": "committeemember", "field_name": "owner", "term": ""}

    # when
    response = get(client, reverse("admin:autocomplete"), **params)

    # then
    assert response.status_code == HTTPStatus.OK
    names = sorted(r["text"].split("（")[0] for r in response.json()["results"])
    assert names == sorted([NAMES["alice"], NAMES["bob"], NAMES["bella"], NAMES["dave"], "某置业有限公司"])


def test_relation_choices_are_scoped(rich: Rich):
    # given
    client = browser_as(rich.world.firm_a)

    # when
    response = get(client, add_url(MaintenanceRecord))
    compound_form = get(browser_as(rich.world.official_a), add_url(Compound)).context["adminform"].form

    # then
    equipment = response.context["adminform"].form.fields["equipment"].queryset
    assert sorted(e.code for e in equipment) == [f"{CODE_A}-FIRE-001", f"{CODE_A}-LIFT-001"]
    assert [r.code for r in compound_form.fields["community"].queryset] == ["370212001001"]


# --------------------------------------------------------------------------------------- read-only


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m._meta.model_name)
def test_history_refuses_change_and_delete_even_to_a_superuser(rich: Rich, model: type[Model]):
    # given
    obj = model._default_manager.order_by("pk").first()
    before = model._default_manager.count()
    client = browser_as(rich.root)

    # when
    change = client.post(change_url(obj), {})
    delete = client.post(
        reverse(f"admin:registry_{model._meta.model_name}_delete", args=[obj.pk]), {"post": "yes"}
    )

    # then
    assert change.status_code == HTTPStatus.FORBIDDEN
    assert delete.status_code == HTTPStatus.FORBIDDEN
    assert model._default_manager.count() == before


def test_unit_fields_from_the_register_are_read_only(rich: Rich):
    # given
    unit = rich.world.unit(A_0101)
    client = browser_as(rich.world.official_a)

    # when
    form = get(client, change_url(unit)).context["adminform"].form

    # then
    assert list(form.fields) == ["designated_voter"]


def test_firm_account_sees_units_read_only(rich: Rich):
    # given
    unit = rich.world.unit(A_0102)
    client = browser_as(rich.world.firm_a)

    # when
    page = get(client, change_url(unit))
    post = client.post(change_url(unit), {"designated_voter": owner_of(rich.world.bella).pk})

    # then
    assert page.status_code == HTTPStatus.OK
    assert list(page.context["adminform"].form.fields) == []
    assert post.status_code == HTTPStatus.FORBIDDEN


# ---------------------------------------------------------------------------------- through services


def test_maintenance_record_added_through_the_admin_goes_through_the_service(rich: Rich):
    # given
    client = browser_as(rich.world.firm_a)
    page = get(client, add_url(MaintenanceRecord), equipment=str(rich.lift_a.pk))
    data = form_data(page) | {
        "kind": MaintenanceRecord.Kind.MAINTENANCE,
        "performed_on": "2025-03-01",
        "contractor": "青岛某电梯维保公司",
        "cost": "300.00",
        "notes": "半月保养",
    }

    # when
    response = client.post(add_url(MaintenanceRecord), data)

    # then
    assert response.status_code == HTTPStatus.FOUND
    record = MaintenanceRecord.objects.get(equipment=rich.lift_a, performed_on=dt.date(2025, 3, 1))
    assert record.next_due_on == dt.date(2025, 3, 16)
    assert record.cost == Decimal("300.00")
    assert record.recorded_by == rich.world.firm_a
    lift = Equipment.objects.get(pk=rich.lift_a.pk)
    assert (lift.last_maintained_on, lift.next_due_on) == (dt.date(2025, 3, 1), dt.date(2025, 3, 16))
    audit = AuditEvent.objects.get(verb="maintenance.add", target_id=str(record.pk))
    assert (audit.actor, audit.data) == (rich.world.firm_a, {"equipment": lift.code, "kind": "maintenance"})


def test_a_refused_maintenance_record_shows_the_service_error(rich: Rich):
    # given
    client = browser_as(rich.world.firm_a)
    page = get(client, add_url(MaintenanceRecord), equipment=str(rich.lift_a.pk))
    data = form_data(page) | {
        "kind": MaintenanceRecord.Kind.MAINTENANCE,
        "performed_on": "2025-03-01",
        "cost": "0",
        "next_due_on": "2025-04-30",
    }
    before = (MaintenanceRecord.objects.count(), AuditEvent.objects.count())

    # when
    response = client.post(add_url(MaintenanceRecord), data)

    # then
    assert response.status_code == HTTPStatus.OK
    message = "下次维保日期不得晚于 2025-03-16（维保周期 15 天）。"
    assert messages_of(response) == [message]
    assert response.context["adminform"].form.non_field_errors() == [message]
    assert 'value="2025-04-30"' in response.content.decode()
    assert (MaintenanceRecord.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(("who", "status"), [("official_a", HTTPStatus.FORBIDDEN), ("firm_b", HTTPStatus.OK)])
def test_maintenance_records_only_by_the_serving_firm(rich: Rich, who: str, status: HTTPStatus):
    # given
    client = browser_as(getattr(rich.world, who))
    data = {"equipment": rich.lift_a.pk, "kind": "maintenance", "performed_on": "2025-03-01", "cost": "0"}
    before = MaintenanceRecord.objects.count()

    # when
    response = client.post(add_url(MaintenanceRecord), data)

    # then
    assert response.status_code == status
    if status == HTTPStatus.OK:  # the item is not among firm B's choices
        assert "equipment" in response.context["adminform"].form.errors
    assert MaintenanceRecord.objects.count() == before


def test_equipment_added_through_the_admin_gets_its_code_from_the_service(rich: Rich):
    # given
    client = browser_as(rich.world.firm_a)
    page = get(client, add_url(Equipment))
    data = form_data(page) | {
        "compound": rich.world.compound_a.pk,
        "category": Equipment.Category.LIFT,
        "name": "2号电梯",
        "building": rich.lift_a.building_id,
        "installed_on": "2025-05-01",
        "maintenance_interval_days": "15",
    }

    # when
    response = client.post(add_url(Equipment), data)

    # then
    assert response.status_code == HTTPStatus.FOUND
    item = Equipment.objects.get(name="2号电梯")
    assert (item.code, item.sequence, item.next_due_on) == (f"{CODE_A}-LIFT-002", 2, dt.date(2025, 5, 16))
    assert (
        AuditEvent.objects.filter(
            verb="equipment.register", target_id=str(item.pk), actor=rich.world.firm_a
        ).count()
        == 1
    )


def test_equipment_code_and_dates_are_read_only(rich: Rich):
    # given
    client = browser_as(rich.world.firm_a)

    # when
    page = get(client, change_url(rich.lift_a))

    # then
    form = page.context["adminform"].form
    assert "code" not in form.fields
    assert "sequence" not in form.fields
    assert "next_due_on" not in form.fields
    assert "compound" not in form.fields
    assert (
        reverse("admin:registry_maintenancerecord_add") + f"?equipment={rich.lift_a.pk}"
        in page.content.decode()
    )


def test_equipment_overdue_column_and_filter(rich: Rich):
    # given
    client = browser_as(rich.world.official_district)

    # when
    overdue = listed(get(client, changelist_url(Equipment), overdue="yes"))
    not_overdue = listed(get(client, changelist_url(Equipment), overdue="no"))
    page = get(client, changelist_url(Equipment))

    # then
    assert sorted(e.code for e in overdue) == [f"{CODE_A}-LIFT-001", f"{CODE_B}-GATE-001"]
    assert [e.code for e in not_overdue] == [f"{CODE_A}-FIRE-001"]
    html = page.content.decode()
    assert "维保逾期" in html
    assert html.count('alt="True"') == 2


def test_official_sets_the_designated_voter_of_a_co_owned_unit(rich: Rich):
    # given
    unit = rich.world.unit(A_0102)
    bella = owner_of(rich.world.bella)
    client = browser_as(rich.world.official_a)
    page = get(client, change_url(unit))
    choices = page.context["adminform"].form.fields["designated_voter"].queryset

    # when
    response = client.post(change_url(unit), form_data(page) | {"designated_voter": bella.pk})

    # then
    assert sorted(o.name for o in choices) == [NAMES["bob"], NAMES["bella"]]
    assert response.status_code == HTTPStatus.FOUND
    assert Unit.objects.get(pk=unit.pk).designated_voter == bella
    audit = AuditEvent.objects.get(verb="unit.designated_voter_set", target_id=str(unit.pk))
    assert (audit.actor, audit.data) == (rich.world.official_a, {"from": None, "to": bella.pk})


def test_a_non_holder_cannot_be_designated_voter(rich: Rich):
    # given
    unit = rich.world.unit(A_0102)
    client = browser_as(rich.world.official_a)
    page = get(client, change_url(unit))
    before = AuditEvent.objects.count()

    # when
    response = client.post(
        change_url(unit), form_data(page) | {"designated_voter": owner_of(rich.world.carol).pk}
    )

    # then
    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form.errors["designated_voter"] == [
        "选择一个有效的选项： 该选择不在可用的选项中。"
    ]
    assert Unit.objects.get(pk=unit.pk).designated_voter_id is None
    assert AuditEvent.objects.count() == before


def test_the_designated_voter_cannot_be_cleared(rich: Rich):
    # given
    unit = rich.world.unit(A_0102)
    Unit.objects.filter(pk=unit.pk).update(designated_voter=owner_of(rich.world.bob))
    client = browser_as(rich.world.official_a)
    page = get(client, change_url(unit))
    data = form_data(page)
    data.pop("designated_voter")

    # when
    response = client.post(change_url(unit), data)

    # then
    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form.errors["designated_voter"] == [
        "表决代表不能清空，请改选另一位现有权利人。"
    ]
    assert Unit.objects.get(pk=unit.pk).designated_voter == owner_of(rich.world.bob)


def test_superuser_creates_an_official_through_the_service(rich: Rich):
    # given
    client = browser_as(rich.root)
    street = Region.objects.get(code="370212002")
    data = form_data(get(client, add_url(Official))) | {
        "username": "official_new",
        "password": PASSWORD,
        "region": street.pk,
        "title": "网格员",
    }

    # when
    response = client.post(add_url(Official), data)

    # then
    assert response.status_code == HTTPStatus.FOUND
    official = Official.objects.get(user__username="official_new")
    assert (official.region, official.title, official.user.is_staff) == (street, "网格员", True)
    assert list(official.user.groups.values_list("name", flat=True)) == [OFFICIALS_GROUP]
    assert (
        AuditEvent.objects.filter(verb="official.create", target_id=str(official.pk), actor=rich.root).count()
        == 1
    )


def test_a_refused_official_creation_keeps_the_form(rich: Rich):
    # given
    client = browser_as(rich.root)
    street = Region.objects.get(code="370212002")
    data = form_data(get(client, add_url(Official))) | {
        "username": "official_a",
        "password": PASSWORD,
        "region": street.pk,
    }
    before = Official.objects.count()

    # when
    response = client.post(add_url(Official), data)

    # then
    assert response.status_code == HTTPStatus.OK
    assert messages_of(response) == ["该用户名已被使用。"]
    assert Official.objects.count() == before


def test_official_edits_a_compound_with_its_inlines(rich: Rich):
    # given
    compound = rich.world.compound_a
    client = browser_as(rich.world.official_a)
    page = get(client, change_url(compound))
    data = form_data(page) | {"name": "逸景公馆（一期）"}

    # when
    response = client.post(change_url(compound), data)

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert Compound.objects.get(pk=compound.pk).name == "逸景公馆（一期）"
    assert list(compound.parcels.values_list("code", flat=True)) == [PARCEL_A]


def test_committee_members_must_be_owners_of_the_compound(rich: Rich):
    # given
    client = browser_as(rich.world.official_a)
    page = get(client, add_url(CommitteeMember))
    data = form_data(page) | {
        "committee": rich.committee_a.pk,
        "owner": owner_of(rich.world.carol).pk,
        "role": CommitteeMember.Role.MEMBER,
    }
    superuser = browser_as(rich.root)

    # when
    response = superuser.post(add_url(CommitteeMember), data)

    # then
    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form.errors["owner"] == [
        f"{owner_of(rich.world.carol)} 不是本小区的现有业主。"
    ]
    assert rich.committee_a.members.count() == 1


# ----------------------------------------------------------------------------------------- quarantine


def test_official_dismisses_quarantined_records_with_the_admin_action(rich: Rich):
    # given
    client = browser_as(rich.world.official_a)
    data = {"action": "dismiss", "_selected_action": [rich.quarantined_a.pk, rich.quarantined_b.pk]}

    # when
    response = client.post(changelist_url(QuarantinedRecord), data, follow=True)

    # then
    assert response.status_code == HTTPStatus.OK
    assert messages_of(response) == ["已驳回 1 条隔离记录。"]
    statuses = dict(QuarantinedRecord.objects.filter(source="test-admin").values_list("pk", "status"))
    assert statuses == {
        rich.quarantined_a.pk: QuarantinedRecord.Status.DISMISSED,
        rich.quarantined_b.pk: QuarantinedRecord.Status.OPEN,  # outside official A's scope
        rich.quarantined_malformed.pk: QuarantinedRecord.Status.OPEN,
    }
    audit = AuditEvent.objects.get(verb="quarantine.dismiss")
    assert (audit.actor, audit.target_id) == (rich.world.official_a, str(rich.quarantined_a.pk))


def test_quarantine_dismiss_counts_only_open_records(rich: Rich):
    # given
    records = QuarantinedRecord.objects.filter(source="test-admin")
    quarantine_dismiss(actor=rich.root, records=records.filter(pk=rich.quarantined_a.pk))

    # when
    count = quarantine_dismiss(actor=rich.root, records=list(records))

    # then
    assert count == 2
    assert set(records.values_list("status", flat=True)) == {QuarantinedRecord.Status.DISMISSED}
    assert AuditEvent.objects.filter(verb="quarantine.dismiss").count() == 3


def test_quarantine_dismiss_refuses_an_actor_without_the_permission(rich: Rich):
    # given
    from config.errors import Forbidden

    records = QuarantinedRecord.objects.filter(source="test-admin")

    # when
    with pytest.raises(Forbidden) as refused:
        quarantine_dismiss(actor=rich.world.firm_a, records=records)

    # then
    assert refused.value.code == "forbidden"
    assert set(records.values_list("status", flat=True)) == {QuarantinedRecord.Status.OPEN}
    assert not AuditEvent.objects.filter(verb="quarantine.dismiss").exists()


# ------------------------------------------------------------------------------------- personal data


def test_phones_are_masked_and_never_rendered(rich: Rich):
    # given
    staff = FirmStaff.objects.get(user=rich.world.firm_a)
    Firm.objects.filter(uscc=FIRM_A).update(contact_phone=RAW_PHONE)
    firm = Firm.objects.get(uscc=FIRM_A)
    client = browser_as(rich.root)

    # when
    pages = [
        get(client, changelist_url(FirmStaff)),
        get(client, change_url(staff)),
        get(client, changelist_url(Firm)),
        get(client, change_url(firm)),
        get(client, changelist_url(Owner)),
        get(client, change_url(owner_of(rich.world.alice))),
    ]

    # then
    for page in pages:
        assert page.status_code == HTTPStatus.OK
        assert MASKED_PHONE in page.content.decode()


def test_a_write_only_phone_left_empty_is_kept(rich: Rich):
    # given
    staff = FirmStaff.objects.get(user=rich.world.firm_a)
    client = browser_as(rich.world.firm_a)
    page = get(client, change_url(staff))
    data = form_data(page)

    # when
    response = client.post(change_url(staff), data | {"certificates": "物业管理师"})
    bad = client.post(change_url(staff), data | {"phone": "12345"})

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert "phone" in bad.context["adminform"].form.errors
    staff.refresh_from_db()
    assert (staff.phone, staff.certificates) == (RAW_PHONE, "物业管理师")


OFFICIAL_PAGES = {
    "region",
    "firm",
    "compound",
    "parcel",
    "servicecontract",
    "building",
    "entrance",
    "unit",
    "unitnumberversion",
    "unitchange",
    "owner",
    "ownership",
    "firmstaff",
    "official",
    "ownerscommittee",
    "committeemember",
    "equipment",
    "maintenancerecord",
    "auditevent",
    "registrationevent",
    "quarantinedrecord",
    "workingdayoverride",
}
FIRM_PAGES = {
    "compound",
    "servicecontract",
    "building",
    "entrance",
    "unit",
    "firmstaff",
    "ownerscommittee",
    "committeemember",
    "equipment",
    "maintenancerecord",
    "workingdayoverride",
}


@pytest.mark.parametrize(
    ("who", "pages"),
    [("official_a", OFFICIAL_PAGES), ("official_district", OFFICIAL_PAGES), ("firm_a", FIRM_PAGES)],
)
def test_no_raw_identifiers_on_any_page_a_staff_member_can_open(rich: Rich, who: str, pages: set[str]):
    # given
    client = browser_as(getattr(rich.world, who))
    opened = set()

    # when: every changelist, and the change page of every object listed on it (`get` checks the HTML)
    for model in apps.get_app_config("registry").get_models():
        response = get(client, changelist_url(model))
        if response.status_code != HTTPStatus.OK:
            continue
        for obj in response.context["cl"].result_list:
            assert get(client, change_url(obj)).status_code == HTTPStatus.OK
            opened.add(model._meta.model_name)

    # then
    assert opened == pages


# ------------------------------------------------------------------------------------------- queries


@pytest.fixture
def crowded(rich: Rich) -> Rich:
    """Twelve more compounds, units and equipment items in street A."""
    community = Region.objects.get(code="370212001001")
    firm = Firm.objects.get(uscc=FIRM_A)
    for _ in range(12):
        CompoundFactory(community=community, property_firm=firm)
    lines = [
        feed_line(unit_number(PARCEL_A, 7, f"{i:04d}"), [person("dave")], room=f"{i:04d}")
        for i in range(1, 13)
    ]
    registration_feed_apply(lines=lines, source="test-crowded")
    for i in range(12):
        equipment_register(
            actor=rich.world.firm_a,
            compound=rich.world.compound_a,
            category=Equipment.Category.CAMERA,
            name=f"摄像头{i}",
            maintenance_interval_days=30,
            common_area=f"{i}号岗亭",
        )
    return rich


@pytest.mark.parametrize("who", ["root", "official_a", "firm_a"])
@pytest.mark.parametrize(
    ("model", "rows", "max_queries"),
    [(Compound, 13, 13), (Unit, 16, 13), (Equipment, 14, 13)],
    ids=["compound", "unit", "equipment"],
)
def test_changelist_queries_are_bounded(
    crowded: Rich, django_assert_max_num_queries, who: str, model: type[Model], rows: int, max_queries: int
):
    # given
    user = crowded.root if who == "root" else getattr(crowded.world, who)
    client = browser_as(user)
    client.get(changelist_url(model))  # warm the process-wide content-type cache (guardian)

    # when
    with django_assert_max_num_queries(max_queries):
        response = client.get(changelist_url(model))

    # then
    assert len(listed(response)) >= rows


def test_plain_master_data_edit_writes_an_audit_row_naming_the_staff_member(world):
    # given
    from registry.models import AuditEvent, Building
    from tests.conftest import browser_as

    building = Building.objects.get(compound=world.compound_a, number="0005")
    client = browser_as(world.official_a)
    # when
    response = client.post(
        f"/admin/registry/building/{building.pk}/change/",
        {
            "compound": world.compound_a.pk,
            "number": "0005",
            "name": "5号楼（东）",
            "floors": "18",
            "entrances-TOTAL_FORMS": "0",
            "entrances-INITIAL_FORMS": "0",
            "entrances-MIN_NUM_FORMS": "0",
            "entrances-MAX_NUM_FORMS": "1000",
            "units-TOTAL_FORMS": "0",
            "units-INITIAL_FORMS": "0",
            "units-MIN_NUM_FORMS": "0",
            "units-MAX_NUM_FORMS": "1000",
        },
    )
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(verb="building.change", target_id=str(building.pk))
    assert (event.actor, event.data) == (world.official_a, {"fields": ["name"]})


def test_a_compound_chosen_by_link_is_applied_even_where_the_sidebar_offers_no_list(rich: Rich, monkeypatch):
    # given: more compounds than the sidebar lists (its limit lowered to 0 here)
    from registry.admin import filters

    monkeypatch.setattr(filters, "COMPOUND_FILTER_LIMIT", 0)
    client = browser_as(rich.world.official_district)
    # when
    response = client.get(changelist_url(Unit), {"compound": rich.world.compound_b.pk})
    # then: the units of that compound only, and the filter names it
    assert {u.unit_number for u in listed(response)} == {B_0101}
    assert rich.world.compound_b.name in response.content.decode()


def test_owners_filtered_by_street_and_compound(rich: Rich):
    # given
    client = browser_as(rich.world.official_district)
    # when
    by_compound = listed(get(client, changelist_url(Owner), compound=str(rich.world.compound_b.pk)))
    by_street = listed(get(client, changelist_url(Owner), street="370212001"))
    # then
    assert {o.name for o in by_compound} == {NAMES["carol"]}
    assert {o.name for o in by_street} == {NAMES[n] for n in ("alice", "bob", "bella", "dave")} | {
        "某置业有限公司"
    }


def test_a_long_list_shows_the_planners_estimate_and_a_short_one_its_exact_count(rich: Rich, monkeypatch):
    # given
    from config.admin import CappedCountPaginator

    client = browser_as(rich.world.official_district)
    # when: a cap far above the list, then one below the planner's estimate of it
    exact = get(client, changelist_url(Unit))
    monkeypatch.setattr(CappedCountPaginator, "cap", 0)
    estimated = get(client, changelist_url(Unit))
    # then
    assert (exact.context["cl"].paginator.estimated, exact.context["cl"].result_count) == (False, 5)
    assert estimated.context["cl"].paginator.estimated is True
    assert "（估算，请用右侧筛选或搜索缩小范围）" in estimated.content.decode()
    assert len(listed(estimated)) == 5  # the page itself is still exact
