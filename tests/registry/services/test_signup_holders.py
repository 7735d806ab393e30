"""Every holder the feed carries signs up (registry.md, "Personal data"): persons by any ID type, organisations
by registered name and credit code through a named representative — matched on the keyed hash the feed
stored, one query and one answer for every mismatch, every refusal recorded and changing nothing else."""

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.errors import ApplicationError
from registry.identifiers import make_uscc, mask_id_number
from registry.models import AuditEvent, Owner, SignupAttempt, User
from registry.services.accounts import owner_signup
from registry.services.registration import registration_feed_apply
from tests.conftest import A_0201, DEVELOPER, IDS, NAMES, PARCEL_A, PASSWORD, World, unit_number
from tests.factories import feed_line

IP = "198.51.100.20"


@dataclass(frozen=True)
class Holder:
    name: str
    holder_type: str
    id_type: str
    id_number: str
    unit: str


SHOP_USCC = make_uscc("91370212MA3D00001")  # 91370212MA3D00001M
HOLDERS = {
    # the spec's own vector: a Hong Kong residence permit — 18 digits that also pass the credit-code check
    "hk_permit": Holder("陈港生", "person", "resident_id", "810000199001010019", unit_number(PARCEL_A, 7, "0101")),
    "foreigner_card": Holder("JOHN SMITH", "person", "resident_id", "933156198505050017", unit_number(PARCEL_A, 7, "0102")),
    "passport": Holder("周航", "person", "passport", "E12345678", unit_number(PARCEL_A, 7, "0201")),
    "other": Holder("林台生", "person", "other", "08123456", unit_number(PARCEL_A, 7, "0202")),
    "shop": Holder("青岛某某商贸有限公司（崂山分公司）", "organisation", "uscc", SHOP_USCC, unit_number(PARCEL_A, 7, "0301")),
    # a credit code made of digits only that is also a valid resident ID number
    "digits_uscc": Holder("崂山某某农民专业合作社", "organisation", "uscc", "370202198505050569", unit_number(PARCEL_A, 7, "0302")),
    "foreign_company": Holder("HONG KONG SOMETHING LIMITED", "organisation", "other", "CR1234567", unit_number(PARCEL_A, 7, "0401")),
}  # fmt: skip


def _feed(*holders: Holder, source: str = "signup-holders") -> None:
    lines = [
        feed_line(
            h.unit,
            [{"name": h.name, "holder_type": h.holder_type, "id_type": h.id_type, "id_number": h.id_number}],
            room=h.unit[-4:],
            area="66.00",
        )
        for h in holders
    ]
    report = registration_feed_apply(lines=lines, source=source)
    assert (report.applied, report.quarantined) == (len(holders), 0)


@pytest.fixture
def holders(world: World) -> dict[str, Holder]:
    _feed(*HOLDERS.values())
    return HOLDERS


def _signup(**overrides: str):
    args = {
        "username": "newcomer",
        "password": PASSWORD,
        "name": NAMES["dave"],
        "id_number": IDS["dave"],
        "phone": "13912345678",
        "ip_address": IP,
    }
    return owner_signup(**{**args, **overrides})


def _state() -> dict:
    """Everything a sign-up could write besides its attempt."""
    return {
        "users": sorted(User.objects.values_list("username", flat=True)),
        "links": sorted(Owner.objects.filter(user__isnull=False).values_list("pk", "user_id", "phone", "representative")),
        "owners": Owner.objects.count(),
        "audit": AuditEvent.objects.count(),
    }  # fmt: skip


@dataclass(frozen=True)
class Refusal:
    error: ApplicationError
    owner_queries: list[str]  # the SQL the sign-up sent to registry_owner


def _refused(code: str, **overrides: str) -> Refusal:
    """Sign up expecting refusal `code`; asserts that nothing but the failed attempt was written."""
    before = _state()
    attempts = SignupAttempt.objects.count()
    with CaptureQueriesContext(connection) as queries, pytest.raises(ApplicationError) as refused:
        _signup(**overrides)
    assert refused.value.code == code
    assert _state() == before
    assert SignupAttempt.objects.count() == attempts + 1
    attempt = SignupAttempt.objects.latest("pk")
    assert (attempt.username, attempt.ip_address, attempt.matched, attempt.reason) == (
        overrides.get("username", "newcomer"),
        IP,
        False,
        code,
    )
    return Refusal(error=refused.value, owner_queries=_owner_queries(queries))


def _owner_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if 'FROM "registry_owner"' in q["sql"]]


# ------------------------------------------------------------------------------------------ matched


@pytest.mark.parametrize(
    ("key", "typed", "representative"),
    [
        ("hk_permit", "810000199001010019", ""),
        ("foreigner_card", "933156 19850505 0017", ""),  # spaces are dropped, as the feed's validator does
        ("passport", "E12345678", ""),
        (
            "passport",
            " Ｅ１２３４５６７８ ",
            "",
        ),  # full-width and padded: NFKC and strip, as the feed hashed it
        ("other", "08123456", ""),
        ("shop", SHOP_USCC.lower(), "孙经理"),  # credit codes are upper-cased, as the feed's validator does
        ("digits_uscc", "370202198505050569", "钱社长"),
        ("foreign_company", "CR1234567", "Mr Chan"),
    ],
)
def test_every_kind_of_holder_signs_up_on_the_hash_the_feed_stored(
    holders, key: str, typed: str, representative: str
):
    # given
    holder = holders[key]
    owners_before = Owner.objects.count()

    # when
    result = _signup(name=holder.name, id_number=typed, representative=representative)

    # then: the feed's own record is linked (no new owner), with the representative for organisations only
    owner = Owner.objects.get(user=result.user)
    assert result.unit_numbers == [holder.unit]
    assert (owner.name, owner.holder_type, owner.id_type) == (holder.name, holder.holder_type, holder.id_type)
    assert owner.id_masked == mask_id_number(holder.id_number)
    assert owner.representative == representative
    assert owner.phone == "13912345678"
    assert Owner.objects.count() == owners_before
    attempt = SignupAttempt.objects.get(username="newcomer")
    assert (attempt.matched, attempt.reason) == (True, "matched")
    event = AuditEvent.objects.get(verb="owner.signup", target_id=str(owner.pk))
    assert event.data == {"units": 1, "holder_type": holder.holder_type, "representative": representative}


def test_the_developer_signs_up_through_its_representative(world: World):
    # when
    result = _signup(
        username="developer", name="某置业有限公司", id_number=DEVELOPER, representative="赵建国"
    )

    # then
    owner = Owner.objects.get(user=result.user)
    assert result.unit_numbers == [A_0201]
    assert (owner.holder_type, owner.id_type, owner.representative) == ("organisation", "uscc", "赵建国")
    assert owner.id_masked == "913***********0Y43"


@pytest.mark.parametrize(
    "typed",
    [
        "青岛某某商贸有限公司(崂山分公司)",  # half-width brackets
        "  青岛某某商贸有限公司（崂山分公司）\u3000",  # surrounding spaces, ideographic included
        "青岛某某商贸有限公司（崂山分公司)",  # mixed widths
    ],
)
def test_an_organisations_name_tolerates_bracket_width_and_surrounding_spaces(holders, typed: str):
    # when
    result = _signup(name=typed, id_number=SHOP_USCC, representative="孙经理")

    # then
    assert result.unit_numbers == [holders["shop"].unit]


@pytest.mark.parametrize(
    "typed",
    [
        "青岛某某商贸有限公司崂山分公司",  # brackets left out
        "青岛某某商贸有限公司【崂山分公司】",  # other brackets
        "青岛某某商贸 有限公司（崂山分公司）",  # a space inside
        "青岛某某商贸有限公司",  # the company, not its branch
    ],
)
def test_an_organisations_name_tolerates_nothing_looser(holders, typed: str):
    # when / then
    _refused("identity_not_matched", name=typed, id_number=SHOP_USCC, representative="孙经理")


def test_a_persons_name_is_compared_as_registered_surrounding_spaces_aside(holders):
    # given: JOHN SMITH registered in ASCII letters
    # when / then: full-width letters are another spelling for a person (only organisations' names are folded)
    _refused("identity_not_matched", name="ＪＯＨＮ ＳＭＩＴＨ", id_number="933156198505050017")
    result = _signup(name=" JOHN SMITH ", id_number="933156198505050017")
    assert result.unit_numbers == [holders["foreigner_card"].unit]


def test_a_number_carried_as_passport_and_as_other_reaches_each_holder_by_name(world: World):
    # given: the same characters are one person's passport and another person's other document
    one = Holder("吴一", "person", "passport", "G7654321", unit_number(PARCEL_A, 8, "0101"))
    two = Holder("吴二", "person", "other", "G7654321", unit_number(PARCEL_A, 8, "0102"))
    _feed(one, two)

    # when
    first = _signup(username="wu1", name="吴一", id_number="G7654321")
    second = _signup(username="wu2", name="吴二", id_number="G7654321")

    # then
    assert (first.unit_numbers, Owner.objects.get(user=first.user).id_type) == ([one.unit], "passport")
    assert (second.unit_numbers, Owner.objects.get(user=second.user).id_type) == ([two.unit], "other")


def test_an_eighteen_character_number_is_only_ever_a_resident_id_or_a_credit_code(world: World):
    # given: a feed that carried a valid resident-ID-shaped number as a passport
    odd = Holder("郑奇", "person", "passport", IDS["dave"][:-1] + "7", unit_number(PARCEL_A, 8, "0201"))
    _feed(odd)

    # when / then: its form makes it a resident ID (or a credit code), never a passport
    _refused("invalid_id_number", name="郑奇", id_number=odd.id_number)


# --------------------------------------------------------------------------------------- mismatches


def _no_current_unit_holder() -> Holder:
    """马旧 held 8/0301 until it was transferred to 马新."""
    gone = Holder("马旧", "person", "passport", "P1000001", unit_number(PARCEL_A, 8, "0301"))
    _feed(gone, source="before-transfer")
    new = {"name": "马新", "holder_type": "person", "id_type": "passport", "id_number": "P1000002"}
    registration_feed_apply(lines=[feed_line(gone.unit, [new], event_type="TRANSFER")], source="transfer")
    return gone


def test_every_mismatch_is_one_owner_query_and_the_same_answer(holders, settings):
    # given: a limit high enough for all the attempts below from one address
    settings.SIGNUP_RATE_LIMIT = 20
    gone = _no_current_unit_holder()
    cases = {
        "unknown resident ID": {"id_number": "11010519491231002X"},
        "person, other name": {"name": "陈晶"},
        "passport, other name": {"name": "周行", "id_number": "E12345678"},
        "unknown passport": {"name": "周航", "id_number": "E12345679"},
        "no current unit": {"name": gone.name, "id_number": gone.id_number},
        "organisation, other name": {
            "name": "某某商贸公司",
            "id_number": SHOP_USCC,
            "representative": "孙经理",
        },
        "HK permit, other name": {"name": "陈港", "id_number": "810000199001010019"},
    }
    answers, owner_queries = {}, {}

    for label, overrides in cases.items():
        # when
        refusal = _refused("identity_not_matched", **overrides)
        answers[label] = (refusal.error.status, refusal.error.message, tuple(refusal.error.extra))
        owner_queries[label] = len(refusal.owner_queries)

    # then
    assert set(answers.values()) == {(400, "姓名（名称）与证件号码未能与不动产登记的现有权利人匹配。", ())}
    assert owner_queries == dict.fromkeys(cases, 1)


def test_an_ambiguous_number_is_still_one_query(holders):
    # given: 810000199001010019 passes both the resident-ID and the credit-code check
    with CaptureQueriesContext(connection) as queries:
        # when
        result = _signup(name="陈港生", id_number="810000199001010019")

    # then: both readings were asked for at once
    matching = _owner_queries(queries)[0]
    assert "resident_id" in matching and "uscc" in matching
    assert len(_owner_queries(queries)) == 2  # matching, then locking the matched record
    assert result.unit_numbers == [holders["hk_permit"].unit]


# ------------------------------------------------------------------------------- other refusals


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("110105194912310021", "证件号码不是有效的身份证号码或统一社会信用代码。"),  # neither check passes
        ("110105194902300020", "证件号码不是有效的身份证号码或统一社会信用代码。"),  # 30 February
        ("91110000600037341Y", "统一社会信用代码校验位不正确"),
        ("9111000060003734IL", "统一社会信用代码格式不正确"),  # I is not in the alphabet
    ],
)
def test_invalid_numbers_are_refused_before_any_matching(holders, typed: str, message: str):
    # when
    refusal = _refused("invalid_id_number", id_number=typed, representative="孙经理")

    # then
    assert refusal.error.message == message
    assert refusal.owner_queries == []


def test_a_credit_code_without_representative_is_refused_before_matching(holders):
    # when
    refusal = _refused("representative_required", name=holders["shop"].name, id_number=SHOP_USCC)

    # then
    assert refusal.error.message == "单位注册须填写经办人姓名。"
    assert refusal.owner_queries == []


@pytest.mark.parametrize("key", ["digits_uscc", "foreign_company"])
def test_an_organisation_known_by_another_form_of_number_still_needs_a_representative(holders, key: str):
    # given: numbers whose form does not say "organisation" (digits only; another document)
    holder = holders[key]

    # when / then
    _refused("representative_required", name=holder.name, id_number=holder.id_number, representative="  ")


def test_a_person_signs_up_without_representative(holders):
    # when / then
    refusal = _refused("representative_not_allowed", representative="代办人")
    assert refusal.error.message == "登记的权利人是个人，个人注册无需填写经办人。"


@pytest.mark.parametrize(
    "representative",
    [IDS["carol"], "经办人 13912345678", "长" * 65],
    ids=["an_id_number", "a_phone_number", "too_long"],
)
def test_a_representative_is_a_name(holders, representative: str):
    # when / then
    _refused(
        "invalid_representative",
        name=holders["shop"].name,
        id_number=SHOP_USCC,
        representative=representative,
    )


def test_an_organisation_signs_up_once(holders):
    # given
    _signup(username="shop1", name=holders["shop"].name, id_number=SHOP_USCC, representative="孙经理")

    # when / then
    _refused(
        "already_registered",
        username="shop2",
        name=holders["shop"].name,
        id_number=SHOP_USCC,
        representative="李会计",
    )
    assert Owner.objects.get(id_type="uscc", name=holders["shop"].name).representative == "孙经理"
