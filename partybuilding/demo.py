"""The demo's red property, seeded through the real services after registry's seed_demo has built the district:
a street alliance with the firm's organisation and its project branch, a compound branch (owner_demo1 its
secretary), three members (two volunteers who show different things), open, claimed, completed and confirmed
tasks, a request with its reply, and a joint meeting with one follow-up overdue and one open. Idempotent: the
roll is loaded by code and username; the rest is added only while the compound holds no task."""

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from partybuilding.models import Task, Volunteer
from partybuilding.services.loading import party_document_load
from partybuilding.services.meetings import (
    DecisionSpec,
    FollowUpSpec,
    follow_ups_flag_overdue,
    meeting_record,
)
from partybuilding.services.tasks import task_claim, task_complete, task_confirm, task_post
from partybuilding.services.volunteers import request_reply, volunteer_request_send
from registry.models import Compound, User


def demo_roll(*, compound: Compound, owners: Sequence[User], firm: User, official: User) -> dict:
    """The load_party document of the demo (partybuilding.md, "Loading")."""
    street = compound.community.parent
    first, second, third = owners
    return {
        "organisations": [
            {
                "code": f"DW-{street.code}",
                "name": f"{street.name}物业行业党建联盟",
                "kind": "street_alliance",
                "parent": None,
                "covers": {"street": street.code},
                "secretary": official.username,
            },
            {
                "code": f"QY-{compound.property_firm.uscc}",
                "name": f"{compound.property_firm.name}党支部",
                "kind": "firm_organisation",
                "parent": f"DW-{street.code}",
                "covers": {"firm": compound.property_firm.uscc},
            },
            {
                "code": f"XM-{compound.code}",
                "name": f"{compound.name}项目党支部",
                "kind": "project_branch",
                "parent": f"QY-{compound.property_firm.uscc}",
                "covers": {"compound": compound.code},
            },
            {
                "code": f"ZB-{compound.code}",
                "name": f"{compound.name}小区党支部",
                "kind": "compound_branch",
                "parent": f"DW-{street.code}",
                "covers": {"compound": compound.code},
                "secretary": first.username,
            },
        ],
        "members": [
            {
                "username": first.username,
                "organisation": f"ZB-{compound.code}",
                "joined": "2012-07-01",
                "posts": [{"body": "committee", "compound": compound.code, "title": "业委会副主任"}],
                "registered_community": compound.community.code,
                "volunteer": {
                    "compounds": [compound.code],
                    "show": ["name", "skills", "post"],
                    "skills": "调解、助老",
                },
            },
            {
                "username": third.username,
                "organisation": f"ZB-{compound.code}",
                "joined": "2018-06-28",
                "posts": [{"body": "committee", "compound": compound.code, "title": "业委会委员"}],
                "volunteer": {
                    "compounds": [compound.code],
                    "show": ["building", "skills"],
                    "skills": "水电维修",
                },
            },
            {
                "username": firm.username,
                "organisation": f"XM-{compound.code}",
                "joined": "2016-05-04",
                "posts": [{"body": "firm", "firm": compound.property_firm.uscc, "title": "项目经理"}],
            },
        ],
    }


def demo_party_seed(
    *, compound: Compound, owners: Sequence[User], firm: User, official: User, now: dt.datetime | None = None
) -> int:
    """Load the demo roll and, once, its tasks, request and meeting; returns how many tasks were posted."""
    party_document_load(
        doc=demo_roll(compound=compound, owners=owners, firm=firm, official=official), actor=official
    )
    if Task.objects.filter(compound=compound).exists():
        return 0
    first, second, third = owners
    now = now or timezone.now()
    posted = [
        task_post(
            actor=official, compound=compound, title="帮独居老人更换楼道灯泡", description="5号楼3单元4楼"
        ),
        task_post(
            actor=second, compound=compound, title="邻里装修噪音调解", description="周末早上七点开始施工"
        ),
        task_post(
            actor=official, compound=compound, title="陪同高龄老人就医", description="每周二上午，社区医院"
        ),
        task_post(actor=second, compound=compound, title="修理儿童游乐区秋千", description="铁链松动"),
        task_post(actor=second, compound=compound, title="帮忙疏通楼道排水", description="雨天积水"),
    ]
    task_claim(actor=first, task=posted[2])
    for task, member in ((posted[3], first), (posted[4], third)):
        task_claim(actor=member, task=task)
        task_complete(actor=member, task=task, report="已处理完毕，现场已清理。")
    task_confirm(actor=second, task=posted[3], rating=5, note="非常及时，谢谢党员同志！")
    volunteer = Volunteer.objects.get(member__user=first)
    request = volunteer_request_send(
        actor=second,
        volunteer=volunteer,
        compound=compound,
        text="楼上漏水，和邻居沟通不畅，想请您帮忙协调。",
    )
    request_reply(actor=first, request=request, text="好的，今晚七点我约上楼上邻居一起看看。")
    today = timezone.localtime(now).date()
    meeting_record(
        actor=official,
        community=compound.community,
        compound=compound,
        title=f"{compound.name}停车秩序联席会议",
        held_at=now - dt.timedelta(days=20),
        place="社区红色议事厅",
        minutes="社区党委、业委会、物业项目党支部、居民代表和社区民警共同议定地面停车整治方案。",
        participants=[
            ("community", "社区书记"),
            ("committee", "业委会主任"),
            ("firm", "项目经理"),
            ("police", "社区民警"),
        ],
        decisions=[
            DecisionSpec(
                "重新施划地面停车位，清理僵尸车",
                [
                    FollowUpSpec("物业出具施划方案", firm, today - dt.timedelta(days=5)),
                    FollowUpSpec("业委会征求业主意见", second, today + dt.timedelta(days=10)),
                ],
            )
        ],
    )
    follow_ups_flag_overdue(now=now)
    return len(posted)
