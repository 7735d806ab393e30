"""Owner sign-up by identity matching, rate limiting, and staff accounts."""

import datetime as dt

import pytest
from django.utils import timezone

from config.errors import ApplicationError
from registry.models import AuditEvent, Owner, SignupAttempt, User
from registry.permissions import OFFICIALS_GROUP
from registry.services.accounts import (
    firm_user_create,
    official_create,
    owner_signup,
    signup_attempts_purge,
)
from tests.conftest import A_0102, IDS, NAMES, PASSWORD, World


def _signup(**overrides):
    args = {
        "username": "dave",
        "password": PASSWORD,
        "name": NAMES["dave"],
        "id_number": IDS["dave"],
        "phone": "+86 139 0013 9000",
        "ip_address": "10.1.2.3",
    }
    return owner_signup(**{**args, **overrides})


def test_signup_links_the_account_to_the_current_holder(world: World):
    # when
    result = _signup()
    # then
    owner = Owner.objects.get(user=result.user)
    assert owner.name == "陈静"
    assert owner.phone == "13900139000"
    assert result.unit_numbers == ["370212001002GB00123F00060202"]
    assert SignupAttempt.objects.filter(username="dave", matched=True).count() == 1
    assert AuditEvent.objects.filter(verb="owner.signup", target_id=str(owner.pk)).count() == 1


def test_lower_case_x_in_id_number_matches(world: World):
    # given: dave's number does not end in X, so build one that does for a new holder
    from registry.services.registration import registration_feed_apply
    from tests.conftest import PARCEL_A, unit_number
    from tests.factories import feed_line, holder

    registration_feed_apply(
        lines=[feed_line(unit_number(PARCEL_A, 12, "0101"), [holder("钱多", "11010519491231002X")])],
        source="x",
    )
    # when
    result = _signup(username="qian", name="钱多", id_number="11010519491231002x")
    # then
    assert result.unit_numbers == ["370212001002GB00123F00120101"]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"name": "陈晶"}, "identity_not_matched"),
        ({"id_number": "440524188001010014"}, "identity_not_matched"),  # valid, but holds nothing
        ({"id_number": "110105194912310021"}, "invalid_id_number"),
        ({"phone": "12345"}, "invalid_phone"),
    ],
)
def test_refusals_create_no_account_and_are_recorded(world: World, overrides, code):
    # when
    with pytest.raises(ApplicationError) as e:
        _signup(**overrides)
    # then
    assert e.value.code == code
    assert not User.objects.filter(username="dave").exists()
    assert SignupAttempt.objects.get(username="dave").reason == code


def test_a_holder_signs_up_once(world: World):
    # when
    with pytest.raises(ApplicationError) as e:
        _signup(username="alice2", name=NAMES["alice"], id_number=IDS["alice"])
    # then
    assert e.value.code == "already_registered"


def test_repeated_failures_are_rate_limited_per_ip(world: World, settings):
    # given
    settings.SIGNUP_RATE_LIMIT = 3
    for i in range(3):
        with pytest.raises(ApplicationError):
            _signup(username=f"probe{i}", name="猜错")
    # when: even a correct attempt from that IP is refused for the hour
    with pytest.raises(ApplicationError) as e:
        _signup()
    # then
    assert (e.value.code, e.value.status) == ("rate_limited", 429)
    assert _signup(ip_address="10.9.9.9").unit_numbers == ["370212001002GB00123F00060202"]


def test_old_attempts_are_purged(world: World):
    # given
    old = SignupAttempt.objects.create(
        username="old", ip_address=None, matched=False, reason="identity_not_matched"
    )
    SignupAttempt.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=91))
    # when
    deleted = signup_attempts_purge(days=90)
    # then
    assert deleted == 1
    assert not SignupAttempt.objects.filter(username="old").exists()


def test_official_is_staff_in_the_officials_group_scoped_to_region(world: World):
    # when
    official = official_create(username="street2", password=PASSWORD, region_code="370212002", title="科员")
    # then
    assert official.user.is_staff and not official.user.is_superuser
    assert list(official.user.groups.values_list("name", flat=True)) == [OFFICIALS_GROUP]
    assert official.user.has_perm("registry.view_compound")


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: official_create(username="x1", password=PASSWORD, region_code="999999"), "unknown_region"),
        (
            lambda: official_create(username="official_a", password=PASSWORD, region_code="370212"),
            "username_taken",
        ),
        (lambda: official_create(username="x2", password="123", region_code="370212"), "weak_password"),
        (
            lambda: firm_user_create(username="x3", password=PASSWORD, firm_uscc="91110000600037341X"),
            "invalid_uscc",
        ),
        (
            lambda: firm_user_create(username="x4", password=PASSWORD, firm_uscc="91110000600037341L"),
            "unknown_firm",
        ),
    ],
)
def test_staff_account_refusals(world: World, call, code):
    with pytest.raises(ApplicationError) as e:
        call()
    assert e.value.code == code


def test_co_owner_bella_signed_up_for_the_joint_unit(world: World):
    assert world.bella.owner.ownerships.get(valid_to__isnull=True).unit.unit_number == A_0102
