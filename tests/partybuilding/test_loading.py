"""`manage.py load_party`: a good document, the same document again (nothing new, nothing duplicated), and bad
documents (every error with its location, nothing saved)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from partybuilding.models import Member, Organisation, Post, Volunteer
from partybuilding.services.loading import party_document_load
from registry.models import AuditEvent
from tests.partybuilding.conftest import A, roll


def _load(tmp_path, doc) -> str:
    path = tmp_path / "party.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("load_party", str(path), stdout=out)
    return out.getvalue()


def _state() -> tuple:
    return (
        sorted(
            Organisation.objects.values_list(
                "code", "parent__code", "kind", "area__code", "secretary__username"
            )
        ),
        sorted(Member.objects.values_list("user__username", "organisation__code", "joined")),
        sorted(Post.objects.values_list("member__user__username", "body", "compound__code", "title")),
        sorted(Volunteer.objects.values_list("member__user__username", "show", "skills", "active")),
    )


def test_good_document_creates_the_tree_members_posts_and_volunteers(world, tmp_path):
    # when
    out = _load(tmp_path, roll())

    # then
    assert "organisations: +3 ~0 =0, members: +3 ~0 =0" in out
    orgs, members, posts, volunteers = _state()
    assert orgs == [
        ("DW-370212001", None, "street_alliance", "370212001", "official_a"),
        ("QY-A", "DW-370212001", "firm_organisation", "370212001", None),
        ("ZB-0001", "DW-370212001", "compound_branch", "370212001001", "alice"),
    ]
    assert [(u, o) for u, o, _joined in members] == [
        ("alice", "ZB-0001"),
        ("bella", "ZB-0001"),
        ("firm_a", "QY-A"),
    ]
    assert str(Member.objects.get(user__username="alice").joined) == "2012-07-01"
    assert posts == [("bella", "committee", A, "业委会委员")]
    assert volunteers == [
        ("alice", ["name", "skills"], "调解、助老", True),
        ("bella", ["building", "post"], "水电维修", True),
    ]
    assert list(
        Volunteer.objects.get(member__user__username="alice").compounds.values_list("code", flat=True)
    ) == [A]
    assert AuditEvent.objects.filter(verb="party.organisation.create").count() == 3
    assert AuditEvent.objects.filter(verb="party.member.create").count() == 3


def test_repeated_document_changes_nothing_and_logs_nothing(world, tmp_path):
    # given
    _load(tmp_path, roll())
    before, audits = _state(), AuditEvent.objects.count()

    # when
    out = _load(tmp_path, roll())

    # then
    assert "organisations: +0 ~0 =3, members: +0 ~0 =3" in out
    assert _state() == before
    assert AuditEvent.objects.count() == audits


def test_changed_document_updates_by_code_and_username(world, tmp_path):
    # given
    _load(tmp_path, roll())
    doc = roll()
    doc["organisations"][1]["name"] = "逸景公馆联合党支部"
    doc["members"][0]["volunteer"]["show"] = ["name"]
    del doc["members"][1]["volunteer"]
    doc["members"][1]["posts"] = [{"body": "community", "community": "370212001001", "title": "社区兼职委员"}]

    # when
    out = _load(tmp_path, doc)

    # then
    assert "organisations: +0 ~1 =2, members: +0 ~2 =1" in out
    assert Organisation.objects.get(code="ZB-0001").name == "逸景公馆联合党支部"
    assert Organisation.objects.count() == 3
    _orgs, _members, posts, volunteers = _state()
    assert posts == [("bella", "community", None, "社区兼职委员")]
    assert volunteers == [
        ("alice", ["name"], "调解、助老", True),
        ("bella", ["building", "post"], "水电维修", False),
    ]


def test_bad_document_reports_every_error_with_its_location_and_saves_nothing(world, tmp_path):
    # given: an unknown parent, a duplicated code, a wrong kind, two covers, an unknown user, a phone to show
    doc = roll()
    doc["organisations"][1]["parent"] = "X"
    doc["organisations"][2]["code"] = "DW-370212001"
    doc["organisations"][2]["kind"] = "cell"
    doc["organisations"][0]["covers"] = {"street": "370212001", "compound": A}
    doc["members"][0]["username"] = "nobody"
    doc["members"][1]["volunteer"]["show"] = ["name", "phone"]
    doc["members"][1]["posts"][0]["compound"] = "QD-999999-0001"
    doc["members"][2]["organisation"] = "ZZ"

    # when
    with pytest.raises(CommandError) as caught:
        _load(tmp_path, doc)

    # then
    message = str(caught.value)
    for expected in [
        'organisations[1].parent: unknown code "X"',
        'organisations[2].code: "DW-370212001" already given at organisations[0]',
        'organisations[2].kind: unknown kind "cell"',
        "organisations[0].covers: name exactly one of firm, compound, community, street",
        'members[0].username: unknown username "nobody"',
        'members[1].volunteer.show[1]: "phone" cannot be shown (only name, building, skills, post)',
        'members[1].posts[0].compound: unknown compound "QD-999999-0001"',
        'members[2].organisation: unknown code "ZZ"',
        'organisations[2].parent: "DW-370212001" would make a cycle',
    ]:
        assert expected in message
    assert "9 处错误" in message  # and organisations[2].parent: its own code now names itself
    assert _state() == ([], [], [], [])
    assert not AuditEvent.objects.filter(verb__startswith="party.").exists()


def test_one_error_among_good_lines_saves_nothing(world):
    # given: everything right but the last member's joining date
    doc = roll()
    doc["members"][2]["joined"] = "2012-13-01"

    # when
    with pytest.raises(Exception) as caught:
        party_document_load(doc=doc)

    # then
    assert caught.value.code == "party_document_invalid"
    assert caught.value.extra["errors"] == ['members[2].joined: not a date (YYYY-MM-DD): "2012-13-01"']
    assert Organisation.objects.count() == 0
    assert Member.objects.count() == 0


def test_a_cycle_of_parents_is_refused(world):
    # given: two organisations each other's parent
    doc = {
        "organisations": [
            {
                "code": "P1",
                "name": "甲",
                "kind": "street_alliance",
                "parent": "P2",
                "covers": {"street": "370212001"},
            },
            {
                "code": "P2",
                "name": "乙",
                "kind": "street_alliance",
                "parent": "P1",
                "covers": {"street": "370212002"},
            },
        ],
        "members": [],
    }

    # when
    with pytest.raises(Exception) as caught:
        party_document_load(doc=doc)

    # then
    assert caught.value.extra["errors"] == [
        'organisations[0].parent: "P2" would make a cycle',
        'organisations[1].parent: "P1" would make a cycle',
    ]
    assert Organisation.objects.count() == 0


def test_members_must_be_registry_people_and_covers_must_match_level(world):
    # given: a community code given as a street; a plain account with no owner, staff or official record
    from registry.models import User

    User.objects.create_user(username="plain", password="x")
    doc = {
        "organisations": [
            {
                "code": "P1",
                "name": "甲",
                "kind": "street_alliance",
                "parent": None,
                "covers": {"street": "370212001001"},
            }
        ],
        "members": [{"username": "plain", "organisation": "P1"}],
    }

    # when
    with pytest.raises(Exception) as caught:
        party_document_load(doc=doc)

    # then
    assert caught.value.extra["errors"] == [
        'organisations[0].covers.street: unknown street "370212001001"',
        'members[0].username: "plain" is not an owner, firm staff member or official',
    ]


def test_each_kind_covers_what_it_is_attached_to(world):
    # given: a compound branch attached to a street, a firm organisation attached to a compound
    doc = roll()
    doc["organisations"][1]["covers"] = {"street": "370212001"}
    doc["organisations"][2]["covers"] = {"compound": A}

    # when
    with pytest.raises(Exception) as caught:
        party_document_load(doc=doc)

    # then
    assert caught.value.extra["errors"] == [
        "organisations[1].covers: a compound_branch covers a compound",
        "organisations[2].covers: a firm_organisation covers a firm",
    ]
    assert Organisation.objects.count() == 0
